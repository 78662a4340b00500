import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Tx } from '../database/tx';
import { DeliveryMethod } from './delivery-method.entity';
import { DiscountRedemption } from './discount-redemption.entity';
import { Discount } from './discount.entity';
import { TaxRate } from './tax-rate.entity';

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
