import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { bigintMoney } from '../database/columns';
import { Order } from './order.entity';

/** A line as sold: names, SKU and price are copied, so later catalog edits do not rewrite history. */
@Entity('order_items')
@Index('order_items_order_id_idx', ['orderId'])
@Check('order_items_quantity_check', `"quantity" > 0`)
@Check('order_items_amounts_check', `"unit_price" >= 0 AND "total_price" = "unit_price"::bigint * "quantity"`)
export class OrderItem {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) orderId: string;
  @ManyToOne(() => Order, (o) => o.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_items_order_id_fkey' })
  order?: Relation<Order>;
  /** No foreign keys to the catalog: products may be deleted, sold lines stay. */
  @Column({ type: 'uuid' }) productId: string;
  @Column({ type: 'uuid' }) variantId: string;
  @Column({ type: 'varchar', length: 400 }) productName: string;
  @Column({ type: 'varchar', length: 64 }) sku: string;
  @Column({ type: 'integer' }) quantity: number;
  @Column({ type: 'integer' }) unitPrice: number;
  @Column({ type: 'bigint', transformer: bigintMoney }) totalPrice: number;
}
