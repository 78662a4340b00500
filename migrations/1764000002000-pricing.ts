import { MigrationInterface, QueryRunner } from 'typeorm';

export class Pricing1764000002000 implements MigrationInterface {
  name = 'Pricing1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "delivery_methods" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(120) NOT NULL,
        "description" character varying(500),
        "price" integer NOT NULL,
        "countries" character(2) array NOT NULL DEFAULT '{}',
        "active" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "delivery_methods_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "delivery_methods_price_check" CHECK ("price" >= 0)
      )`);
    await q.query(`
      CREATE TABLE "discounts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "code" character varying(64) NOT NULL,
        "type" character varying(16) NOT NULL,
        "value" integer NOT NULL,
        "min_subtotal" integer,
        "starts_at" TIMESTAMP WITH TIME ZONE,
        "ends_at" TIMESTAMP WITH TIME ZONE,
        "usage_limit" integer,
        "per_customer_limit" integer,
        "used_count" integer NOT NULL DEFAULT 0,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "discounts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "discounts_type_check" CHECK ("type" IN ('percentage', 'fixed')),
        CONSTRAINT "discounts_value_check" CHECK ("value" > 0 AND ("type" <> 'percentage' OR "value" <= 100)),
        CONSTRAINT "discounts_used_count_check" CHECK ("used_count" >= 0 AND ("usage_limit" IS NULL OR "used_count" <= "usage_limit"))
      )`);
    await q.query(`CREATE UNIQUE INDEX "discounts_code_lower_key" ON "discounts" (lower("code"))`);
    await q.query(`
      CREATE TABLE "discount_redemptions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "discount_id" uuid NOT NULL,
        "customer_id" uuid NOT NULL,
        "order_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "discount_redemptions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "discount_redemptions_discount_id_fkey" FOREIGN KEY ("discount_id") REFERENCES "discounts"("id") ON DELETE RESTRICT
      )`);
    await q.query(`CREATE UNIQUE INDEX "discount_redemptions_order_id_key" ON "discount_redemptions" ("order_id")`);
    await q.query(`CREATE INDEX "discount_redemptions_discount_customer_idx" ON "discount_redemptions" ("discount_id", "customer_id")`);
    await q.query(`
      CREATE TABLE "tax_rates" (
        "country" character(2) NOT NULL,
        "rate_bps" integer NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "tax_rates_pkey" PRIMARY KEY ("country"),
        CONSTRAINT "tax_rates_rate_bps_check" CHECK ("rate_bps" >= 0 AND "rate_bps" <= 10000)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tax_rates"`);
    await q.query(`DROP TABLE "discount_redemptions"`);
    await q.query(`DROP TABLE "discounts"`);
    await q.query(`DROP TABLE "delivery_methods"`);
  }
}
