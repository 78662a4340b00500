import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('delivery_methods')
@Check('delivery_methods_price_check', `"price" >= 0`)
export class DeliveryMethod {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 120 }) name: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) description: string | null;
  /** Minor units of the store currency. */
  @Column({ type: 'integer' }) price: number;
  /** ISO alpha-2 codes served; an empty list serves every country. */
  @Column({ type: 'char', length: 2, array: true, default: () => "'{}'" }) countries: string[];
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
