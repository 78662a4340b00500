import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintMoney } from '../database/columns';
import type { PaymentMetadata } from './payment-provider';

/** The sandbox provider's PaymentIntents and Checkout Sessions: in the database, so every app instance sees them. */
@Entity('sandbox_payment_objects')
export class SandboxObject {
  /** `pi_sandbox_…` or `cs_sandbox_…` */
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 24 }) kind: 'payment_intent' | 'checkout_session';
  /** Provider-side idempotency: the same key returns the same object. */
  @Column({ type: 'varchar', length: 255, unique: true }) idempotencyKey: string;
  @Column({ type: 'bigint', transformer: bigintMoney }) amount: number;
  @Column({ type: 'char', length: 3 }) currency: string;
  /** Intents: Stripe's PaymentIntent status. Sessions: open | complete | expired. */
  @Column({ type: 'varchar', length: 32 }) status: string;
  @Column({ type: 'jsonb' }) metadata: PaymentMetadata;
  /** Sessions: the intent created with it. */
  @Column({ type: 'varchar', length: 64, nullable: true }) paymentIntentId: string | null;
  @Column({ type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ type: 'bigint', transformer: bigintMoney, default: 0 }) amountRefunded: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
