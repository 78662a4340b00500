import { MigrationInterface, QueryRunner } from 'typeorm';

/** Account claiming (hashed single-use tokens) and the outbox dead letter (`failed_at`). */
export class Claims1764000006000 implements MigrationInterface {
  name = 'Claims1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "claim_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "token_hash" character(64) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "claim_tokens_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "claim_tokens_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX "claim_tokens_token_hash_key" ON "claim_tokens" ("token_hash")`);
    await q.query(`CREATE INDEX "claim_tokens_customer_id_idx" ON "claim_tokens" ("customer_id")`);
    await q.query(`ALTER TABLE "customers" ADD "claim_requested_at" TIMESTAMP WITH TIME ZONE`);

    // Dead-lettered messages leave the pending index.
    await q.query(`ALTER TABLE "outbox_messages" ADD "failed_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`DROP INDEX "outbox_messages_pending_idx"`);
    await q.query(`CREATE INDEX "outbox_messages_pending_idx" ON "outbox_messages" ("available_at") WHERE "processed_at" IS NULL AND "failed_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "outbox_messages_pending_idx"`);
    await q.query(`CREATE INDEX "outbox_messages_pending_idx" ON "outbox_messages" ("available_at") WHERE "processed_at" IS NULL`);
    await q.query(`ALTER TABLE "outbox_messages" DROP COLUMN "failed_at"`);
    await q.query(`ALTER TABLE "customers" DROP COLUMN "claim_requested_at"`);
    await q.query(`DROP TABLE "claim_tokens"`);
  }
}
