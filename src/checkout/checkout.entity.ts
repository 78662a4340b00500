import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { bigintMoney } from '../database/columns';
import type { AddressSnapshot, DeliveryMethodSnapshot } from '../orders/order.entity';
import type { OrderLineInput } from '../orders/orders.service';

export const CHECKOUT_STATUSES = ['awaiting_payment', 'completed', 'failed', 'expired', 'superseded'] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];
/** What the checkout's stock reservation is doing now. */
export type ReservationState = 'held' | 'released' | 'committed';
export type PaymentFlow = 'payment_intent' | 'hosted';

export type SnapshotLine = OrderLineInput;

/**
 * Everything the order will be made of, frozen when the checkout was created: the payment may arrive minutes
 * later, after prices, codes or the address book changed.
 */
export interface CheckoutSnapshot {
  customerId: string;
  userId: string | null;
  email: string;
  shippingAddressId: string | null;
  billingAddressId: string | null;
  shippingAddress: AddressSnapshot;
  billingAddress: AddressSnapshot;
  deliveryMethod: DeliveryMethodSnapshot;
  shippingCost: number;
  discountSnapshot: { id: string; code: string; type: 'percentage' | 'fixed'; value: number; minSubtotal: number | null } | null;
  pricingSnapshot: {
    lines: SnapshotLine[];
    subtotal: number;
    discount: number;
    shipping: number;
    tax: number;
    total: number;
    taxRateBps: number;
    currency: string;
  };
  notes: string | null;
  createdAt: string;
}

@Entity('checkouts')
@Index('checkouts_order_id_key', ['orderId'], { unique: true })
@Index('checkouts_payment_intent_id_key', ['paymentIntentId'], { unique: true, where: '"payment_intent_id" IS NOT NULL' })
@Index('checkouts_provider_session_id_key', ['providerSessionId'], { unique: true, where: '"provider_session_id" IS NOT NULL' })
// At most one live checkout per cart: a new one supersedes the old inside the same transaction.
@Index('checkouts_cart_awaiting_key', ['cartId'], { unique: true, where: `"status" = 'awaiting_payment'` })
@Index('checkouts_expiry_idx', ['expiresAt'], { where: `"status" = 'awaiting_payment'` })
@Index('checkouts_customer_id_idx', ['customerId'])
@Check('checkouts_status_check', `"status" IN ('awaiting_payment', 'completed', 'failed', 'expired', 'superseded')`)
@Check('checkouts_reservation_check', `"reservation" IN ('held', 'released', 'committed')`)
@Check('checkouts_payment_flow_check', `"payment_flow" IN ('payment_intent', 'hosted')`)
@Check('checkouts_amount_check', `"amount" >= 0`)
export class Checkout {
  @PrimaryColumn('uuid') id: string;
  /** Not a foreign key: guest carts are purged, the checkout record stays for audit. */
  @Column({ type: 'uuid' }) cartId: string;
  @Column({ type: 'uuid' }) customerId: string;
  @ManyToOne(() => Customer, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'checkouts_customer_id_fkey' })
  customer?: Customer;
  /** Guest checkouts: SHA-256 of the X-Session-Id that made it; the same session may read and confirm it. */
  @Column({ type: 'char', length: 64, nullable: true }) sessionHash: string | null;
  @Column({ type: 'uuid' }) orderId: string;
  @Column({ type: 'varchar', length: 20 }) status: CheckoutStatus;
  @Column({ type: 'varchar', length: 16 }) reservation: ReservationState;
  @Column({ type: 'varchar', length: 16 }) paymentFlow: PaymentFlow;
  @Column({ type: 'varchar', length: 16 }) provider: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) paymentIntentId: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) providerSessionId: string | null;
  @Column({ type: 'bigint', transformer: bigintMoney }) amount: number;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'jsonb' }) snapshot: CheckoutSnapshot;
  @Column({ type: 'text', nullable: true }) lastPaymentError: string | null;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
