import { Check, Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation, UpdateDateColumn } from 'typeorm';
import type { Role } from '../common/auth/auth.decorators';
import { Address } from './address.entity';

@Entity('customers')
@Index('customers_email_lower_key', { synchronize: false })
@Check('customers_role_check', `"role" IN ('customer', 'admin')`)
@Check('customers_guest_no_password_check', `NOT "is_guest" OR "password_hash" IS NULL`)
export class Customer {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Stored as given; unique case-insensitively through the `lower(email)` index. */
  @Column({ type: 'varchar', length: 254 }) email: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) phone: string | null;
  @Column({ type: 'text', nullable: true, select: false }) passwordHash: string | null;
  @Column({ type: 'varchar', length: 16, default: 'customer' }) role: Role;
  @Column({ type: 'boolean', default: false }) isGuest: boolean;
  @Column({ type: 'boolean', default: false }) emailVerified: boolean;
  /** When a claim email was last queued for this guest: at most one a minute, against mail-bombing. */
  @Column({ type: 'timestamptz', nullable: true, select: false }) claimRequestedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @OneToMany(() => Address, (a) => a.customer) addresses?: Relation<Address[]>;
}
