import { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomersAuth1764000000000 implements MigrationInterface {
  name = 'CustomersAuth1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "customers" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "email" character varying(254) NOT NULL,
        "name" character varying(200) NOT NULL,
        "phone" character varying(32),
        "password_hash" text,
        "role" character varying(16) NOT NULL DEFAULT 'customer',
        "is_guest" boolean NOT NULL DEFAULT false,
        "email_verified" boolean NOT NULL DEFAULT false,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "customers_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "customers_role_check" CHECK ("role" IN ('customer', 'admin')),
        CONSTRAINT "customers_guest_no_password_check" CHECK (NOT "is_guest" OR "password_hash" IS NULL)
      )`);
    // Emails are unique case-insensitively; lookups use lower(email) too.
    await q.query(`CREATE UNIQUE INDEX "customers_email_lower_key" ON "customers" (lower("email"))`);

    await q.query(`
      CREATE TABLE "addresses" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "name" character varying(200) NOT NULL,
        "street" character varying(300) NOT NULL,
        "city" character varying(120) NOT NULL,
        "state" character varying(120),
        "postal_code" character varying(20) NOT NULL,
        "district" character varying(120),
        "country" character(2) NOT NULL,
        "phone" character varying(32),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "addresses_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "addresses_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "addresses_customer_id_idx" ON "addresses" ("customer_id", "created_at")`);

    await q.query(`
      CREATE TABLE "refresh_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "family_id" uuid NOT NULL,
        "token_hash" character(64) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "refresh_tokens_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "refresh_tokens_customer_id_idx" ON "refresh_tokens" ("customer_id")`);
    await q.query(`CREATE INDEX "refresh_tokens_family_id_idx" ON "refresh_tokens" ("family_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "refresh_tokens"`);
    await q.query(`DROP TABLE "addresses"`);
    await q.query(`DROP TABLE "customers"`);
  }
}
