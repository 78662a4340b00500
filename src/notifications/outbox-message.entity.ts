import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: written in the same transaction as the change it announces (an order created,
 * shipped, …), delivered afterwards by `OutboxWorker`, which claims due rows with `FOR UPDATE SKIP LOCKED`
 * (docs/notifications.md). Pending: `processed_at IS NULL AND failed_at IS NULL`.
 */
@Entity('outbox_messages')
@Index('outbox_messages_pending_idx', ['availableAt'], { where: '"processed_at" IS NULL AND "failed_at" IS NULL' })
export class OutboxMessage {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** e.g. `email.order_confirmation` */
  @Column({ type: 'varchar', length: 64 }) topic: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'timestamptz', default: () => 'now()' }) availableAt: Date;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'timestamptz', nullable: true }) processedAt: Date | null;
  @Column({ type: 'text', nullable: true }) lastError: string | null;
  /**
   * Dead letter: set when the worker gave up (OUTBOX_MAX_ATTEMPTS reached, or a permanent failure such as a
   * recipient the server refused for good). `processed_at` stays NULL; requeue by clearing `failed_at`.
   */
  @Column({ type: 'timestamptz', nullable: true }) failedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
