import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Provider events already handled. Written in the same transaction as the handling, so an event is either
 * fully applied and logged, or neither; a duplicate delivery finds its id here and is a no-op.
 */
@Entity('payment_events')
export class PaymentEvent {
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @Column({ type: 'varchar', length: 100 }) type: string;
  /** What handling did: `applied`, `ignored`, `duplicate-order`, `on_hold`, … */
  @Column({ type: 'varchar', length: 40 }) outcome: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) objectId: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) receivedAt: Date;
}
