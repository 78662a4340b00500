import { MigrationInterface, QueryRunner } from 'typeorm';

export class CatalogInventory1764000001000 implements MigrationInterface {
  name = 'CatalogInventory1764000001000';

  async up(q: QueryRunner): Promise<void> {
    // created_at has millisecond precision: the keyset cursor carries an ISO (ms) timestamp.
    await q.query(`
      CREATE TABLE "products" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(200) NOT NULL,
        "description" text,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "deleted_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "products_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "products_created_at_id_idx" ON "products" ("created_at", "id")`);

    await q.query(`
      CREATE TABLE "product_variants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL,
        "sku" character varying(64) NOT NULL,
        "name" character varying(200) NOT NULL,
        "price" integer NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "position" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "product_variants_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "product_variants_price_check" CHECK ("price" >= 0),
        CONSTRAINT "product_variants_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE
      )`);
    // SKUs are unique case-insensitively; lookups and search use lower(sku) too.
    await q.query(`CREATE UNIQUE INDEX "product_variants_sku_lower_key" ON "product_variants" (lower("sku"))`);
    await q.query(`CREATE INDEX "product_variants_product_id_idx" ON "product_variants" ("product_id", "position")`);

    await q.query(`
      CREATE TABLE "stock_items" (
        "variant_id" uuid NOT NULL,
        "on_hand" integer NOT NULL DEFAULT 0,
        "reserved" integer NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "stock_items_pkey" PRIMARY KEY ("variant_id"),
        CONSTRAINT "stock_items_on_hand_check" CHECK ("on_hand" >= 0),
        CONSTRAINT "stock_items_reserved_check" CHECK ("reserved" >= 0),
        CONSTRAINT "stock_items_reserved_le_on_hand_check" CHECK ("reserved" <= "on_hand"),
        CONSTRAINT "stock_items_variant_id_fkey" FOREIGN KEY ("variant_id") REFERENCES "product_variants"("id") ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE "inventory_movements" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "variant_id" uuid NOT NULL,
        "delta_on_hand" integer NOT NULL,
        "delta_reserved" integer NOT NULL,
        "kind" character varying(16) NOT NULL,
        "reason" character varying(200) NOT NULL,
        "reference" character varying(100),
        "actor_id" uuid,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "inventory_movements_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "inventory_movements_kind_check" CHECK ("kind" IN ('initial', 'adjustment', 'reserve', 'release', 'commit', 'decrement', 'restock')),
        CONSTRAINT "inventory_movements_delta_check" CHECK ("delta_on_hand" <> 0 OR "delta_reserved" <> 0),
        CONSTRAINT "inventory_movements_variant_id_fkey" FOREIGN KEY ("variant_id") REFERENCES "product_variants"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "inventory_movements_variant_id_idx" ON "inventory_movements" ("variant_id", "created_at", "id")`);
    await q.query(`CREATE INDEX "inventory_movements_reference_idx" ON "inventory_movements" ("reference")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "inventory_movements"`);
    await q.query(`DROP TABLE "stock_items"`);
    await q.query(`DROP TABLE "product_variants"`);
    await q.query(`DROP TABLE "products"`);
  }
}
