import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Product } from './product.entity';

/** A sellable variant (size, colour, …) with its own SKU and price in minor units of the store currency. */
@Entity('product_variants')
@Index('product_variants_sku_lower_key', { synchronize: false })
@Index('product_variants_product_id_idx', ['productId', 'position'])
@Check('product_variants_price_check', `"price" >= 0`)
export class ProductVariant {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) productId: string;
  @ManyToOne(() => Product, (p) => p.variants, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'product_variants_product_id_fkey' })
  product?: Product;
  /** Stored as given; unique case-insensitively through the `lower(sku)` index. */
  @Column({ type: 'varchar', length: 64 }) sku: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** Minor units (cents) of the store currency. */
  @Column({ type: 'integer' }) price: number;
  @Column({ type: 'boolean', default: true }) active: boolean;
  /** Display order within the product (creation order). */
  @Column({ type: 'integer', default: 0 }) position: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
