import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ProductVariant } from './product-variant.entity';

/**
 * A product as the catalog sells it. Never hard-deleted: archiving sets `deletedAt`, which hides it from the
 * storefront while orders keep pointing at it. `createdAt` has millisecond precision so the keyset cursor
 * (`common/pagination.ts`, ISO timestamps) round-trips exactly.
 */
@Entity('products')
@Index('products_created_at_id_idx', ['createdAt', 'id'])
export class Product {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  /** Archived when set. A plain column (not @DeleteDateColumn) so every query states whether it wants archived rows. */
  @Column({ type: 'timestamptz', nullable: true }) deletedAt: Date | null;
  @OneToMany(() => ProductVariant, (v) => v.product) variants?: ProductVariant[];
}
