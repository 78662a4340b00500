import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ProductVariant } from '../catalog/product-variant.entity';
import { Cart } from './cart.entity';

@Entity('cart_items')
@Index('cart_items_cart_variant_key', ['cartId', 'variantId'], { unique: true })
@Index('cart_items_variant_id_idx', ['variantId'])
@Check('cart_items_quantity_check', `"quantity" > 0 AND "quantity" <= 999`)
export class CartItem {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) cartId: string;
  @ManyToOne(() => Cart, (c) => c.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cart_id', foreignKeyConstraintName: 'cart_items_cart_id_fkey' })
  cart?: Cart;
  @Column({ type: 'uuid' }) variantId: string;
  @ManyToOne(() => ProductVariant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'variant_id', foreignKeyConstraintName: 'cart_items_variant_id_fkey' })
  variant?: ProductVariant;
  @Column({ type: 'integer' }) quantity: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
