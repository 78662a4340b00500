import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Order, type OrderStatus } from './order.entity';

/** Append-only: one row per status change, with who made it (`system`, `customer:<id>`, `admin:<id>`, `webhook:<event>`). */
@Entity('order_history')
@Index('order_history_order_id_idx', ['orderId', 'at'])
export class OrderHistory {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) orderId: string;
  @ManyToOne(() => Order, (o) => o.history, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_history_order_id_fkey' })
  order?: Relation<Order>;
  @Column({ type: 'varchar', length: 16 }) status: OrderStatus;
  @Column({ type: 'varchar', length: 120 }) actor: string;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) at: Date;
}
