import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: written in the same transaction as the change it announces (an order created,
 * shipped, …), delivered afterwards by a worker that claims rows with `FOR UPDATE SKIP LOCKED`.
 */
@Entity('outbox_messages')
@Index('outbox_messages_pending_idx', ['availableAt'], { where: '"processed_at" IS NULL' })
export class OutboxMessage {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** e.g. `email.order_confirmation` */
  @Column({ type: 'varchar', length: 64 }) topic: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'timestamptz', default: () => 'now()' }) availableAt: Date;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'timestamptz', nullable: true }) processedAt: Date | null;
  @Column({ type: 'text', nullable: true }) lastError: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
