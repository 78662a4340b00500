import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ProductVariant } from '../catalog/product-variant.entity';

export const MOVEMENT_KINDS = ['initial', 'adjustment', 'reserve', 'release', 'commit', 'decrement', 'restock'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** Append-only ledger: one row per change of a stock item, written in the same transaction as the change. */
@Entity('inventory_movements')
@Index('inventory_movements_variant_id_idx', ['variantId', 'createdAt', 'id'])
@Index('inventory_movements_reference_idx', ['reference'])
@Check('inventory_movements_kind_check', `"kind" IN ('initial', 'adjustment', 'reserve', 'release', 'commit', 'decrement', 'restock')`)
@Check('inventory_movements_delta_check', `"delta_on_hand" <> 0 OR "delta_reserved" <> 0`)
export class InventoryMovement {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) variantId: string;
  @ManyToOne(() => ProductVariant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'variant_id', foreignKeyConstraintName: 'inventory_movements_variant_id_fkey' })
  variant?: ProductVariant;
  @Column({ type: 'integer' }) deltaOnHand: number;
  @Column({ type: 'integer' }) deltaReserved: number;
  @Column({ type: 'varchar', length: 16 }) kind: MovementKind;
  @Column({ type: 'varchar', length: 200 }) reason: string;
  /** What caused it: a checkout id, an order id, … */
  @Column({ type: 'varchar', length: 100, nullable: true }) reference: string | null;
  /** The admin who made an adjustment; no foreign key, so the ledger outlives accounts. */
  @Column({ type: 'uuid', nullable: true }) actorId: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
