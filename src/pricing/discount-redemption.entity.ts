import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Discount } from './discount.entity';

/** One row per order that used a code; the per-customer limit counts these. */
@Entity('discount_redemptions')
@Index('discount_redemptions_order_id_key', ['orderId'], { unique: true })
@Index('discount_redemptions_discount_customer_idx', ['discountId', 'customerId'])
export class DiscountRedemption {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) discountId: string;
  @ManyToOne(() => Discount, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'discount_id', foreignKeyConstraintName: 'discount_redemptions_discount_id_fkey' })
  discount?: Discount;
  @Column({ type: 'uuid' }) customerId: string;
  @Column({ type: 'uuid' }) orderId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
