import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintMoney } from '../database/columns';
import { Order } from './order.entity';

/**
 * The refunds ledger: one row per provider refund, unique by its id, so a refund reported twice (our own API
 * call, then the `charge.refunded` webhook) is counted once. `orders.amount_refunded` is the sum of these.
 */
@Entity('refunds')
@Index('refunds_provider_refund_id_key', ['providerRefundId'], { unique: true })
@Index('refunds_order_id_idx', ['orderId'])
@Check('refunds_amount_check', `"amount" > 0`)
export class Refund {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) orderId: string;
  @ManyToOne(() => Order, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'refunds_order_id_fkey' })
  order?: Order;
  @Column({ type: 'varchar', length: 255 }) providerRefundId: string;
  @Column({ type: 'bigint', transformer: bigintMoney }) amount: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) reason: string | null;
  @Column({ type: 'varchar', length: 120 }) actor: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
