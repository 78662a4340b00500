import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One `Idempotency-Key` per caller and route. `in_progress` while the first request runs (its lease lets a
 * crashed request's key be taken over), then the stored response is replayed until `expires_at`.
 */
@Entity('idempotency_keys')
@Index('idempotency_keys_expires_at_idx', ['expiresAt'])
export class IdempotencyKey {
  /** `user:<id>`, `session:<sha256>` or `ip:<address>`. */
  @PrimaryColumn({ type: 'varchar', length: 100 }) scope: string;
  /** Method and route pattern, e.g. `POST /api/checkout`. */
  @PrimaryColumn({ type: 'varchar', length: 200 }) route: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) key: string;
  /** SHA-256 of the request (route params and body): the same key with another request is refused. */
  @Column({ type: 'char', length: 64 }) requestHash: string;
  @Column({ type: 'varchar', length: 16 }) state: 'in_progress' | 'completed';
  @Column({ type: 'integer', nullable: true }) responseStatus: number | null;
  @Column({ type: 'jsonb', nullable: true }) responseBody: unknown;
  /** While in progress: after this, the request is presumed dead and the key may be retried. */
  @Column({ type: 'timestamptz' }) lockedUntil: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
