import { MigrationInterface, QueryRunner } from 'typeorm';

export class Carts1764000003000 implements MigrationInterface {
  name = 'Carts1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "carts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid,
        "session_hash" character(64),
        "status" character varying(16) NOT NULL DEFAULT 'active',
        "discount_code" character varying(64),
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "carts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "carts_status_check" CHECK ("status" IN ('active', 'merged', 'converted')),
        CONSTRAINT "carts_owner_check" CHECK ("customer_id" IS NOT NULL OR "session_hash" IS NOT NULL),
        CONSTRAINT "carts_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE
      )`);
    // One active cart per registered customer; guests are found by their session hash.
    await q.query(`CREATE UNIQUE INDEX "carts_customer_active_key" ON "carts" ("customer_id") WHERE "status" = 'active' AND "customer_id" IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX "carts_session_hash_key" ON "carts" ("session_hash")`);
    await q.query(`CREATE INDEX "carts_expires_at_idx" ON "carts" ("expires_at")`);
    await q.query(`
      CREATE TABLE "cart_items" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "cart_id" uuid NOT NULL,
        "variant_id" uuid NOT NULL,
        "quantity" integer NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "cart_items_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "cart_items_quantity_check" CHECK ("quantity" > 0 AND "quantity" <= 999),
        CONSTRAINT "cart_items_cart_id_fkey" FOREIGN KEY ("cart_id") REFERENCES "carts"("id") ON DELETE CASCADE,
        CONSTRAINT "cart_items_variant_id_fkey" FOREIGN KEY ("variant_id") REFERENCES "product_variants"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX "cart_items_cart_variant_key" ON "cart_items" ("cart_id", "variant_id")`);
    await q.query(`CREATE INDEX "cart_items_variant_id_idx" ON "cart_items" ("variant_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "cart_items"`);
    await q.query(`DROP TABLE "carts"`);
  }
}
