import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type DiscountType = 'percentage' | 'fixed';

@Entity('discounts')
@Index('discounts_code_lower_key', { synchronize: false })
@Check('discounts_type_check', `"type" IN ('percentage', 'fixed')`)
@Check('discounts_value_check', `"value" > 0 AND ("type" <> 'percentage' OR "value" <= 100)`)
@Check('discounts_used_count_check', `"used_count" >= 0 AND ("usage_limit" IS NULL OR "used_count" <= "usage_limit")`)
export class Discount {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Matched case-insensitively (unique on lower(code)). */
  @Column({ type: 'varchar', length: 64 }) code: string;
  @Column({ type: 'varchar', length: 16 }) type: DiscountType;
  /** Whole percent (1–100) for `percentage`; minor units for `fixed`. */
  @Column({ type: 'integer' }) value: number;
  @Column({ type: 'integer', nullable: true }) minSubtotal: number | null;
  @Column({ type: 'timestamptz', nullable: true }) startsAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) endsAt: Date | null;
  @Column({ type: 'integer', nullable: true }) usageLimit: number | null;
  @Column({ type: 'integer', nullable: true }) perCustomerLimit: number | null;
  /** Redemptions so far; raised atomically when an order is created. */
  @Column({ type: 'integer', default: 0 }) usedCount: number;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
