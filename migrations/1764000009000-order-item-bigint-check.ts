import { MigrationInterface, QueryRunner } from 'typeorm';

/** The line-total check multiplied two integers in 32 bits: a line over 2^31 - 1 minor units failed with "integer out of range". */
export class OrderItemBigintCheck1764000009000 implements MigrationInterface {
  name = 'OrderItemBigintCheck1764000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "order_items" DROP CONSTRAINT "order_items_amounts_check"`);
    await q.query(`ALTER TABLE "order_items" ADD CONSTRAINT "order_items_amounts_check" CHECK ("unit_price" >= 0 AND "total_price" = "unit_price"::bigint * "quantity")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "order_items" DROP CONSTRAINT "order_items_amounts_check"`);
    await q.query(`ALTER TABLE "order_items" ADD CONSTRAINT "order_items_amounts_check" CHECK ("unit_price" >= 0 AND "total_price" = "unit_price" * "quantity")`);
  }
}
