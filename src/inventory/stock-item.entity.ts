import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ProductVariant } from '../catalog/product-variant.entity';

/**
 * Stock of one variant. `reserved` is held by open checkouts; `available = onHand - reserved`.
 * Only ever changed by single conditional UPDATEs (see InventoryRepository); the CHECKs are the last line.
 */
@Entity('stock_items')
@Check('stock_items_on_hand_check', `"on_hand" >= 0`)
@Check('stock_items_reserved_check', `"reserved" >= 0`)
@Check('stock_items_reserved_le_on_hand_check', `"reserved" <= "on_hand"`)
export class StockItem {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'stock_items_pkey' }) variantId: string;
  @OneToOne(() => ProductVariant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'variant_id', foreignKeyConstraintName: 'stock_items_variant_id_fkey' })
  variant?: ProductVariant;
  @Column({ type: 'integer', default: 0 }) onHand: number;
  @Column({ type: 'integer', default: 0 }) reserved: number;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
