import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Customer } from './customer.entity';

/**
 * A single-use token that lets a guest customer set a password (account claiming). Only its SHA-256 hash
 * is stored. Tokens are minted by the notifications worker right before it sends the email that carries
 * them (claim email, guest order confirmation), so a raw token never rests in the database; they are
 * redeemed here (`POST /api/customers/claim`). A successful claim marks every open token of the customer used.
 */
@Entity('claim_tokens')
@Index('claim_tokens_token_hash_key', ['tokenHash'], { unique: true })
@Index('claim_tokens_customer_id_idx', ['customerId'])
export class ClaimToken {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) customerId: string;
  @ManyToOne(() => Customer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'claim_tokens_customer_id_fkey' })
  customer?: Relation<Customer>;
  /** Hex SHA-256 of the base64url token. */
  @Column({ type: 'char', length: 64 }) tokenHash: string;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) usedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
