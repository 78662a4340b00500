import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { bigintMoney } from '../database/columns';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';

export const ORDER_STATUSES = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'on_hold'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const PAYMENT_STATUSES = ['unpaid', 'paid', 'partially_refunded', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type PaymentMethod = 'card' | 'cash_on_delivery';

/** An address as it was when the order was placed; later edits to the address book do not change it. */
export interface AddressSnapshot {
  name: string;
  street: string;
  city: string;
  state: string | null;
  postalCode: string;
  district: string | null;
  country: string;
  phone: string | null;
}

export interface DeliveryMethodSnapshot {
  id: string;
  name: string;
  price: number;
}

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

@Entity('orders')
@Index('orders_number_key', ['number'], { unique: true })
@Index('orders_checkout_id_key', ['checkoutId'], { unique: true, where: '"checkout_id" IS NOT NULL' })
@Index('orders_customer_id_created_at_idx', ['customerId', 'createdAt', 'id'])
@Index('orders_created_at_idx', ['createdAt', 'id'])
@Index('orders_payment_intent_id_idx', ['paymentIntentId'])
@Index('orders_status_created_at_idx', ['status', 'createdAt', 'id'])
// lower(email), for the admin email filter (expression index: created by migration 1764000005000).
@Index('orders_email_lower_idx', { synchronize: false })
@Check('orders_status_check', `"status" IN (${list(ORDER_STATUSES)})`)
@Check('orders_payment_status_check', `"payment_status" IN (${list(PAYMENT_STATUSES)})`)
@Check('orders_payment_method_check', `"payment_method" IN ('card', 'cash_on_delivery')`)
@Check('orders_amounts_check', `"subtotal" >= 0 AND "discount" >= 0 AND "shipping" >= 0 AND "tax" >= 0 AND "total" >= 0 AND "discount" <= "subtotal"`)
@Check('orders_total_check', `"total" = "subtotal" - "discount" + "shipping" + "tax"`)
@Check('orders_refunds_check', `"amount_refunded" >= 0 AND "amount_refunded" <= "amount_paid"`)
export class Order {
  /** Pre-allocated by checkout, so the payment provider knows it before the order exists. */
  @PrimaryColumn('uuid') id: string;
  /** Human number, e.g. ORD-000042: from a sequence, used in emails and guest lookup. */
  @Column({ type: 'varchar', length: 32 }) number: string;
  @Column({ type: 'uuid' }) customerId: string;
  @ManyToOne(() => Customer, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'orders_customer_id_fkey' })
  customer?: Customer;
  /** The checkout this order was created from; unique, so one payment can never make two orders. */
  @Column({ type: 'uuid', nullable: true }) checkoutId: string | null;
  /** The customer's email when the order was placed (guest lookup, emails). */
  @Column({ type: 'varchar', length: 254 }) email: string;
  @Column({ type: 'varchar', length: 16 }) status: OrderStatus;
  @Column({ type: 'varchar', length: 24 }) paymentStatus: PaymentStatus;
  @Column({ type: 'varchar', length: 24 }) paymentMethod: PaymentMethod;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'bigint', transformer: bigintMoney }) subtotal: number;
  @Column({ type: 'bigint', transformer: bigintMoney }) discount: number;
  @Column({ type: 'varchar', length: 64, nullable: true }) discountCode: string | null;
  @Column({ type: 'uuid', nullable: true }) discountId: string | null;
  @Column({ type: 'bigint', transformer: bigintMoney }) shipping: number;
  @Column({ type: 'bigint', transformer: bigintMoney }) tax: number;
  @Column({ type: 'integer' }) taxRateBps: number;
  @Column({ type: 'bigint', transformer: bigintMoney }) total: number;
  /** Money actually received, and refunded out of it (the refunds ledger sums to this). */
  @Column({ type: 'bigint', transformer: bigintMoney, default: 0 }) amountPaid: number;
  @Column({ type: 'bigint', transformer: bigintMoney, default: 0 }) amountRefunded: number;
  @Column({ type: 'jsonb' }) shippingAddress: AddressSnapshot;
  @Column({ type: 'jsonb' }) billingAddress: AddressSnapshot;
  @Column({ type: 'jsonb', nullable: true }) deliveryMethod: DeliveryMethodSnapshot | null;
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) trackingNumber: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) paymentIntentId: string | null;
  /** Archived orders are hidden from lists and kept for audit. */
  @Column({ type: 'timestamptz', nullable: true }) archivedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @OneToMany(() => OrderItem, (i) => i.order) items?: OrderItem[];
  @OneToMany(() => OrderHistory, (h) => h.order) history?: OrderHistory[];
}
