import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Tx } from '../database/tx';
import { DeliveryMethod } from './delivery-method.entity';
import { DiscountRedemption } from './discount-redemption.entity';
import { Discount } from './discount.entity';
import { TaxRate } from './tax-rate.entity';

interface QuoteLookupRow {
  id: string | null;
  name: string;
  description: string | null;
  price: number;
  countries: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
  rate_bps: number | null;
}

@Injectable()
export class PricingRepository {
  constructor(
    @InjectRepository(DeliveryMethod) private readonly methods: Repository<DeliveryMethod>,
    @InjectRepository(Discount) private readonly discounts: Repository<Discount>,
    @InjectRepository(TaxRate) private readonly taxRates: Repository<TaxRate>,
  ) {}

  // ---- delivery methods ----

  listDeliveryMethods(opts: { country?: string; activeOnly: boolean }): Promise<DeliveryMethod[]> {
    const q = this.methods.createQueryBuilder('m').orderBy('m.price', 'ASC').addOrderBy('m.name', 'ASC');
    if (opts.activeOnly) q.andWhere('m.active');
    if (opts.country) q.andWhere(`(cardinality(m.countries) = 0 OR :country = ANY(m.countries))`, { country: opts.country });
    return q.getMany();
  }

  findDeliveryMethod(id: string, tx?: Tx): Promise<DeliveryMethod | null> {
    return (tx?.getRepository(DeliveryMethod) ?? this.methods).findOneBy({ id });
  }

  /** A quote's lookups in one round trip: the delivery method (null when not asked or unknown) and the country's tax rate. */
  async quoteLookups(methodId: string | null, country: string | null, tx?: Tx): Promise<{ method: DeliveryMethod | null; rateBps: number | null }> {
    const rows = (await (tx ?? this.methods.manager).query(
      `SELECT m.id, m.name, m.description, m.price, m.countries, m.active, m.created_at, m.updated_at,
              (SELECT t.rate_bps FROM tax_rates t WHERE t.country = $2) AS rate_bps
         FROM (SELECT 1) AS one LEFT JOIN delivery_methods m ON m.id = $1::uuid`,
      [methodId, country],
    )) as QuoteLookupRow[];
    const r = rows[0]!;
    const method = r.id === null ? null : Object.assign(new DeliveryMethod(), {
      id: r.id, name: r.name, description: r.description, price: r.price, countries: r.countries, active: r.active, createdAt: r.created_at, updatedAt: r.updated_at,
    });
    return { method, rateBps: r.rate_bps };
  }

  saveDeliveryMethod(m: Partial<DeliveryMethod>): Promise<DeliveryMethod> {
    return this.methods.save(this.methods.create(m));
  }

  async deleteDeliveryMethod(id: string): Promise<boolean> {
    return ((await this.methods.delete({ id })).affected ?? 0) > 0;
  }

  // ---- discounts ----

  listDiscounts(): Promise<Discount[]> {
    return this.discounts.find({ order: { createdAt: 'DESC', id: 'DESC' } });
  }

  findDiscount(id: string): Promise<Discount | null> {
    return this.discounts.findOneBy({ id });
  }

  findDiscountByCode(code: string, tx?: Tx): Promise<Discount | null> {
    return (tx?.getRepository(Discount) ?? this.discounts)
      .createQueryBuilder('d')
      .where('lower(d.code) = lower(:code)', { code })
      .getOne();
  }

  saveDiscount(d: Partial<Discount>): Promise<Discount> {
    return this.discounts.save(this.discounts.create(d));
  }

  async deleteDiscount(id: string): Promise<boolean> {
    return ((await this.discounts.delete({ id })).affected ?? 0) > 0;
  }

  /** Locks the discount row: redemptions of one code serialize, so both limits hold under concurrency. */
  lockDiscount(tx: Tx, id: string): Promise<Discount | null> {
    return tx.getRepository(Discount).createQueryBuilder('d').setLock('pessimistic_write').where('d.id = :id', { id }).getOne();
  }

  countRedemptions(tx: Tx, discountId: string, customerId: string): Promise<number> {
    return tx.getRepository(DiscountRedemption).countBy({ discountId, customerId });
  }

  async recordRedemption(tx: Tx, discountId: string, customerId: string, orderId: string): Promise<void> {
    await tx.getRepository(DiscountRedemption).insert({ discountId, customerId, orderId });
    await tx.getRepository(Discount).increment({ id: discountId }, 'usedCount', 1);
  }

  // ---- tax ----

  listTaxRates(): Promise<TaxRate[]> {
    return this.taxRates.find({ order: { country: 'ASC' } });
  }

  findTaxRate(country: string, tx?: Tx): Promise<TaxRate | null> {
    return (tx?.getRepository(TaxRate) ?? this.taxRates).findOneBy({ country });
  }

  async upsertTaxRate(country: string, rateBps: number): Promise<TaxRate> {
    await this.taxRates.upsert({ country, rateBps, updatedAt: new Date() }, ['country']);
    return (await this.taxRates.findOneBy({ country }))!;
  }

  async deleteTaxRate(country: string): Promise<boolean> {
    return ((await this.taxRates.delete({ country })).affected ?? 0) > 0;
  }
}
