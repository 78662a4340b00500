import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin order lists: filter by email (case-insensitive, the order's own email) and by status, newest first.
 * Customer lists use `orders_customer_id_created_at_idx`; guest lookup uses `orders_number_key`.
 */
export class OrdersAdmin1764000005000 implements MigrationInterface {
  name = 'OrdersAdmin1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "orders_email_lower_idx" ON "orders" (lower("email"))`);
    await q.query(`CREATE INDEX "orders_status_created_at_idx" ON "orders" ("status", "created_at", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "orders_status_created_at_idx"`);
    await q.query(`DROP INDEX "orders_email_lower_idx"`);
  }
}
