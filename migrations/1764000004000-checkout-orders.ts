import { MigrationInterface, QueryRunner } from "typeorm";

export class CheckoutOrders1764000004000 implements MigrationInterface {
    name = 'CheckoutOrders1764000004000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // Human order numbers (ORD-000042); gaps after rolled-back transactions are fine.
        await queryRunner.query(`CREATE SEQUENCE "order_number_seq"`);
        await queryRunner.query(`
            CREATE TABLE "checkouts" (
                "id" uuid NOT NULL,
                "cart_id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "session_hash" character(64),
                "order_id" uuid NOT NULL,
                "status" character varying(20) NOT NULL,
                "reservation" character varying(16) NOT NULL,
                "payment_flow" character varying(16) NOT NULL,
                "provider" character varying(16) NOT NULL,
                "payment_intent_id" character varying(255),
                "provider_session_id" character varying(255),
                "amount" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "snapshot" jsonb NOT NULL,
                "last_payment_error" text,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "checkouts_amount_check" CHECK ("amount" >= 0),
                CONSTRAINT "checkouts_payment_flow_check" CHECK ("payment_flow" IN ('payment_intent', 'hosted')),
                CONSTRAINT "checkouts_reservation_check" CHECK (
                    "reservation" IN ('held', 'released', 'committed')
                ),
                CONSTRAINT "checkouts_status_check" CHECK (
                    "status" IN (
                        'awaiting_payment',
                        'completed',
                        'failed',
                        'expired',
                        'superseded'
                    )
                ),
                CONSTRAINT "checkouts_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "checkouts_customer_id_idx" ON "checkouts" ("customer_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "checkouts_expiry_idx" ON "checkouts" ("expires_at")
            WHERE "status" = 'awaiting_payment'
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "checkouts_cart_awaiting_key" ON "checkouts" ("cart_id")
            WHERE "status" = 'awaiting_payment'
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "checkouts_provider_session_id_key" ON "checkouts" ("provider_session_id")
            WHERE "provider_session_id" IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "checkouts_payment_intent_id_key" ON "checkouts" ("payment_intent_id")
            WHERE "payment_intent_id" IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "checkouts_order_id_key" ON "checkouts" ("order_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "outbox_messages" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "topic" character varying(64) NOT NULL,
                "payload" jsonb NOT NULL,
                "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "attempts" integer NOT NULL DEFAULT '0',
                "processed_at" TIMESTAMP WITH TIME ZONE,
                "last_error" text,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "outbox_messages_pending_idx" ON "outbox_messages" ("available_at")
            WHERE "processed_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "order_items" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "order_id" uuid NOT NULL,
                "product_id" uuid NOT NULL,
                "variant_id" uuid NOT NULL,
                "product_name" character varying(400) NOT NULL,
                "sku" character varying(64) NOT NULL,
                "quantity" integer NOT NULL,
                "unit_price" integer NOT NULL,
                "total_price" bigint NOT NULL,
                CONSTRAINT "order_items_amounts_check" CHECK (
                    "unit_price" >= 0
                    AND "total_price" = "unit_price" * "quantity"
                ),
                CONSTRAINT "order_items_quantity_check" CHECK ("quantity" > 0),
                CONSTRAINT "order_items_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "order_items_order_id_idx" ON "order_items" ("order_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "orders" (
                "id" uuid NOT NULL,
                "number" character varying(32) NOT NULL,
                "customer_id" uuid NOT NULL,
                "checkout_id" uuid,
                "email" character varying(254) NOT NULL,
                "status" character varying(16) NOT NULL,
                "payment_status" character varying(24) NOT NULL,
                "payment_method" character varying(24) NOT NULL,
                "currency" character(3) NOT NULL,
                "subtotal" bigint NOT NULL,
                "discount" bigint NOT NULL,
                "discount_code" character varying(64),
                "discount_id" uuid,
                "shipping" bigint NOT NULL,
                "tax" bigint NOT NULL,
                "tax_rate_bps" integer NOT NULL,
                "total" bigint NOT NULL,
                "amount_paid" bigint NOT NULL DEFAULT '0',
                "amount_refunded" bigint NOT NULL DEFAULT '0',
                "shipping_address" jsonb NOT NULL,
                "billing_address" jsonb NOT NULL,
                "delivery_method" jsonb,
                "notes" text,
                "tracking_number" character varying(100),
                "payment_intent_id" character varying(255),
                "archived_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "orders_refunds_check" CHECK (
                    "amount_refunded" >= 0
                    AND "amount_refunded" <= "amount_paid"
                ),
                CONSTRAINT "orders_total_check" CHECK (
                    "total" = "subtotal" - "discount" + "shipping" + "tax"
                ),
                CONSTRAINT "orders_amounts_check" CHECK (
                    "subtotal" >= 0
                    AND "discount" >= 0
                    AND "shipping" >= 0
                    AND "tax" >= 0
                    AND "total" >= 0
                    AND "discount" <= "subtotal"
                ),
                CONSTRAINT "orders_payment_method_check" CHECK ("payment_method" IN ('card', 'cash_on_delivery')),
                CONSTRAINT "orders_payment_status_check" CHECK (
                    "payment_status" IN (
                        'unpaid',
                        'paid',
                        'partially_refunded',
                        'refunded'
                    )
                ),
                CONSTRAINT "orders_status_check" CHECK (
                    "status" IN (
                        'pending',
                        'paid',
                        'processing',
                        'shipped',
                        'delivered',
                        'cancelled',
                        'on_hold'
                    )
                ),
                CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "orders_payment_intent_id_idx" ON "orders" ("payment_intent_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "orders_created_at_idx" ON "orders" ("created_at", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "orders_customer_id_created_at_idx" ON "orders" ("customer_id", "created_at", "id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "orders_checkout_id_key" ON "orders" ("checkout_id")
            WHERE "checkout_id" IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "orders_number_key" ON "orders" ("number")
        `);
        await queryRunner.query(`
            CREATE TABLE "order_history" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "order_id" uuid NOT NULL,
                "status" character varying(16) NOT NULL,
                "actor" character varying(120) NOT NULL,
                "note" text,
                "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "order_history_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "order_history_order_id_idx" ON "order_history" ("order_id", "at")
        `);
        await queryRunner.query(`
            CREATE TABLE "refunds" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "order_id" uuid NOT NULL,
                "provider_refund_id" character varying(255) NOT NULL,
                "amount" bigint NOT NULL,
                "reason" character varying(200),
                "actor" character varying(120) NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "refunds_amount_check" CHECK ("amount" > 0),
                CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "refunds_order_id_idx" ON "refunds" ("order_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "refunds_provider_refund_id_key" ON "refunds" ("provider_refund_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "payment_events" (
                "id" character varying(255) NOT NULL,
                "type" character varying(100) NOT NULL,
                "outcome" character varying(40) NOT NULL,
                "object_id" character varying(255),
                "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "payment_events_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "sandbox_payment_objects" (
                "id" character varying(64) NOT NULL,
                "kind" character varying(24) NOT NULL,
                "idempotency_key" character varying(255) NOT NULL,
                "amount" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "status" character varying(32) NOT NULL,
                "metadata" jsonb NOT NULL,
                "payment_intent_id" character varying(64),
                "expires_at" TIMESTAMP WITH TIME ZONE,
                "amount_refunded" bigint NOT NULL DEFAULT '0',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "sandbox_payment_objects_idempotency_key_key" UNIQUE ("idempotency_key"),
                CONSTRAINT "sandbox_payment_objects_pkey" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "checkouts"
            ADD CONSTRAINT "checkouts_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "order_items"
            ADD CONSTRAINT "order_items_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "orders"
            ADD CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "order_history"
            ADD CONSTRAINT "order_history_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "refunds"
            ADD CONSTRAINT "refunds_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "refunds" DROP CONSTRAINT "refunds_order_id_fkey"
        `);
        await queryRunner.query(`
            ALTER TABLE "order_history" DROP CONSTRAINT "order_history_order_id_fkey"
        `);
        await queryRunner.query(`
            ALTER TABLE "orders" DROP CONSTRAINT "orders_customer_id_fkey"
        `);
        await queryRunner.query(`
            ALTER TABLE "order_items" DROP CONSTRAINT "order_items_order_id_fkey"
        `);
        await queryRunner.query(`
            ALTER TABLE "checkouts" DROP CONSTRAINT "checkouts_customer_id_fkey"
        `);
        await queryRunner.query(`
            DROP TABLE "sandbox_payment_objects"
        `);
        await queryRunner.query(`
            DROP TABLE "payment_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."refunds_provider_refund_id_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."refunds_order_id_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "refunds"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."order_history_order_id_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "order_history"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."orders_number_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."orders_checkout_id_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."orders_customer_id_created_at_idx"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."orders_created_at_idx"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."orders_payment_intent_id_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "orders"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."order_items_order_id_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "order_items"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."outbox_messages_pending_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "outbox_messages"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_order_id_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_payment_intent_id_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_provider_session_id_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_cart_awaiting_key"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_expiry_idx"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."checkouts_customer_id_idx"
        `);
        await queryRunner.query(`
            DROP TABLE "checkouts"
        `);
        await queryRunner.query(`DROP SEQUENCE "order_number_seq"`);
    }

}
