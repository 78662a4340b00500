import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, UpdateDateColumn } from 'typeorm';
import { Customer } from './customer.entity';

@Entity('addresses')
@Index('addresses_customer_id_idx', ['customerId', 'createdAt'])
export class Address {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) customerId: string;
  @ManyToOne(() => Customer, (c) => c.addresses, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'addresses_customer_id_fkey' })
  /** `Relation<>` keeps the decorator metadata from touching `Customer` while the two entity files load each other. */
  customer?: Relation<Customer>;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 300 }) street: string;
  @Column({ type: 'varchar', length: 120 }) city: string;
  @Column({ type: 'varchar', length: 120, nullable: true }) state: string | null;
  @Column({ type: 'varchar', length: 20 }) postalCode: string;
  @Column({ type: 'varchar', length: 120, nullable: true }) district: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  @Column({ type: 'char', length: 2 }) country: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) phone: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
