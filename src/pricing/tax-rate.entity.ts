import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('tax_rates')
@Check('tax_rates_rate_bps_check', `"rate_bps" >= 0 AND "rate_bps" <= 10000`)
export class TaxRate {
  /** ISO alpha-2, upper case. */
  @PrimaryColumn({ type: 'char', length: 2 }) country: string;
  /** Basis points: 825 = 8.25 %. */
  @Column({ type: 'integer' }) rateBps: number;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
