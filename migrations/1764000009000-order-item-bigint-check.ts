import { MigrationInterface, QueryRunner } from 'typeorm';

/** The line-total check multiplied two integers in 32 bits: a line over 2^31 - 1 minor units failed with "integer out of range". */
export class OrderItemBigintCheck1764000009000 implements MigrationInterface {
  name = 'OrderItemBigintCheck1764000009000';
  /** Each statement commits on its own, so VALIDATE runs without the ADD's ACCESS EXCLUSIVE lock. */
  transaction = false;

  // NOT VALID, then VALIDATE: the scan of existing rows does not hold the ACCESS EXCLUSIVE lock that would
  // block order inserts on the instances still running (every existing row passed the narrower check).
  // The DROP and the ADD are two brief locks; between them the table has no line check for an instant.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "order_items" DROP CONSTRAINT IF EXISTS "order_items_amounts_check"`);
    await q.query(`ALTER TABLE "order_items" ADD CONSTRAINT "order_items_amounts_check" CHECK ("unit_price" >= 0 AND "total_price" = "unit_price"::bigint * "quantity") NOT VALID`);
    await q.query(`ALTER TABLE "order_items" VALIDATE CONSTRAINT "order_items_amounts_check"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "order_items" DROP CONSTRAINT "order_items_amounts_check"`);
    await q.query(`ALTER TABLE "order_items" ADD CONSTRAINT "order_items_amounts_check" CHECK ("unit_price" >= 0 AND "total_price" = "unit_price" * "quantity")`);
  }
}
