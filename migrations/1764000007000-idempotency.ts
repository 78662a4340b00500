import { MigrationInterface, QueryRunner } from 'typeorm';

export class Idempotency1764000007000 implements MigrationInterface {
  name = 'Idempotency1764000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "idempotency_keys" (
        "scope" character varying(100) NOT NULL,
        "route" character varying(200) NOT NULL,
        "key" character varying(255) NOT NULL,
        "request_hash" character(64) NOT NULL,
        "state" character varying(16) NOT NULL,
        "response_status" integer,
        "response_body" jsonb,
        "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("scope", "route", "key")
      )`);
    await q.query(`CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "idempotency_keys"`);
  }
}
