import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { CartItem } from './cart-item.entity';

export type CartStatus = 'active' | 'merged' | 'converted';

/**
 * A registered customer's cart (one active per customer) or a guest's, found by the SHA-256 of its
 * server-issued session id (the id itself is a bearer secret and is never stored).
 */
@Entity('carts')
@Index('carts_customer_active_key', ['customerId'], { unique: true, where: `"status" = 'active' AND "customer_id" IS NOT NULL` })
@Index('carts_session_hash_key', ['sessionHash'], { unique: true })
@Index('carts_expires_at_idx', ['expiresAt'])
@Check('carts_status_check', `"status" IN ('active', 'merged', 'converted')`)
@Check('carts_owner_check', `"customer_id" IS NOT NULL OR "session_hash" IS NOT NULL`)
export class Cart {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid', nullable: true }) customerId: string | null;
  @ManyToOne(() => Customer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'carts_customer_id_fkey' })
  customer?: Customer;
  @Column({ type: 'char', length: 64, nullable: true }) sessionHash: string | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status: CartStatus;
  @Column({ type: 'varchar', length: 64, nullable: true }) discountCode: string | null;
  /** Guest carts only: pushed forward on every write; past it the cart is gone. */
  @Column({ type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @OneToMany(() => CartItem, (i) => i.cart) items?: CartItem[];
}
