import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors/domain-error';
import { isReferenced, isUniqueViolation } from '../common/errors/pg';
import { AppConfig } from '../config/app-config';
import { type Tx, TxRunner } from '../database/tx';
import { DeliveryMethod } from './delivery-method.entity';
import { Discount } from './discount.entity';
import type { CreateDeliveryMethodDto, CreateDiscountDto, UpdateDeliveryMethodDto, UpdateDiscountDto } from './dto/pricing.dto';
import { computeTotals, type DiscountRule, meetsMinimum, type PriceLine, type Totals } from './pricing';
import { PricingRepository } from './pricing.repository';
import { TaxRate } from './tax-rate.entity';

/** What a priced cart or order froze: enough to explain the totals later without the live tables. */
export interface Quote {
  currency: string;
  totals: Totals;
  taxRateBps: number;
  discount: { id: string; code: string; type: DiscountRule['type']; value: number; minSubtotal: number | null } | null;
  /** Why a requested code was not applied (lenient quotes only). */
  discountProblem: string | null;
  deliveryMethod: { id: string; name: string; price: number } | null;
}

export interface QuoteInput {
  lines: PriceLine[];
  discountCode?: string | null;
  customerId?: string | null;
  deliveryMethodId?: string | null;
  /** Destination country (ISO alpha-2) for tax and delivery; none → default tax rate, no delivery check. */
  country?: string | null;
  /** strict (checkout, orders): a bad code or method throws. lenient (cart view): reported, not thrown. */
  mode: 'strict' | 'lenient';
}

const invalidCode = (message: string) => new ValidationError(message, 'INVALID_DISCOUNT_CODE');

@Injectable()
export class PricingService {
  constructor(
    private readonly repo: PricingRepository,
    private readonly config: AppConfig,
    private readonly txRunner: TxRunner,
  ) {}

  get currency(): string {
    return this.config.store.currency;
  }

  // ---- delivery methods ----

  listDeliveryMethods(country?: string, includeInactive = false): Promise<DeliveryMethod[]> {
    return this.repo.listDeliveryMethods({ country, activeOnly: !includeInactive });
  }

  async getDeliveryMethod(id: string, tx?: Tx): Promise<DeliveryMethod> {
    return found(await this.repo.findDeliveryMethod(id, tx));
  }

  /** The method for an order to `country`: 404 if unknown, 400 DELIVERY_METHOD_UNAVAILABLE if inactive or not serving it. */
  async deliveryMethodFor(id: string, country: string | null | undefined, tx?: Tx): Promise<DeliveryMethod> {
    return serving(await this.getDeliveryMethod(id, tx), country);
  }

  createDeliveryMethod(dto: CreateDeliveryMethodDto): Promise<DeliveryMethod> {
    return this.repo.saveDeliveryMethod({ ...dto, description: dto.description ?? null, countries: [...new Set(dto.countries)], active: dto.active ?? true });
  }

  async updateDeliveryMethod(id: string, dto: UpdateDeliveryMethodDto): Promise<DeliveryMethod> {
    const m = await this.getDeliveryMethod(id);
    const patch = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (dto.countries) patch.countries = [...new Set(dto.countries)];
    return this.repo.saveDeliveryMethod({ ...m, ...patch });
  }

  async deleteDeliveryMethod(id: string): Promise<void> {
    if (!(await this.repo.deleteDeliveryMethod(id))) throw new NotFoundError('Delivery method not found', 'DELIVERY_METHOD_NOT_FOUND');
  }

  // ---- discounts ----

  listDiscounts(): Promise<Discount[]> {
    return this.repo.listDiscounts();
  }

  async getDiscount(id: string): Promise<Discount> {
    const d = await this.repo.findDiscount(id);
    if (!d) throw new NotFoundError('Discount not found', 'DISCOUNT_NOT_FOUND');
    return d;
  }

  private checkRule(d: Pick<Discount, 'type' | 'value' | 'startsAt' | 'endsAt'>) {
    if (d.type === 'percentage' && d.value > 100) throw new ValidationError('a percentage value must be at most 100');
    if (d.startsAt && d.endsAt && d.endsAt <= d.startsAt) throw new ValidationError('endsAt must be after startsAt');
  }

  private async saveDiscount(d: Partial<Discount>): Promise<Discount> {
    try {
      return await this.repo.saveDiscount(d);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`Discount code ${d.code} already exists`, 'DISCOUNT_CODE_TAKEN');
      throw e;
    }
  }

  async createDiscount(dto: CreateDiscountDto): Promise<Discount> {
    const d: Partial<Discount> = {
      code: dto.code,
      type: dto.type,
      value: dto.value,
      minSubtotal: dto.minSubtotal ?? null,
      startsAt: dto.startsAt ?? null,
      endsAt: dto.endsAt ?? null,
      usageLimit: dto.usageLimit ?? null,
      perCustomerLimit: dto.perCustomerLimit ?? null,
      active: dto.active ?? true,
    };
    this.checkRule(d as Discount);
    return this.saveDiscount(d);
  }

  async updateDiscount(id: string, dto: UpdateDiscountDto): Promise<Discount> {
    const current = await this.getDiscount(id);
    const next = { ...current, ...Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) } as Discount;
    this.checkRule(next);
    if (next.usageLimit != null && next.usageLimit < current.usedCount) {
      throw new ValidationError(`usageLimit cannot be below the ${current.usedCount} redemptions already made`);
    }
    return this.saveDiscount(next);
  }

  async deleteDiscount(id: string): Promise<void> {
    try {
      if (!(await this.repo.deleteDiscount(id))) throw new NotFoundError('Discount not found', 'DISCOUNT_NOT_FOUND');
    } catch (e) {
      if (isReferenced(e)) throw new ConflictError('The discount has been redeemed; deactivate it instead', 'DISCOUNT_IN_USE');
      throw e;
    }
  }

  /**
   * The discount for `code` if it may be used now by this customer on this subtotal; otherwise a 400
   * INVALID_DISCOUNT_CODE saying why (unknown, inactive, not started, expired, used up, below minimum).
   */
  async applicableDiscount(code: string, ctx: { subtotal: number; customerId?: string | null; now?: Date }, tx?: Tx): Promise<Discount> {
    const d = await this.repo.findDiscountByCode(code, tx);
    if (!d || !d.active) throw invalidCode(`Discount code ${code} is not valid`);
    this.assertUsable(d, ctx.now ?? new Date());
    if (ctx.customerId && d.perCustomerLimit != null && (await this.repo.countRedemptions(tx ?? this.txRunner.manager, d.id, ctx.customerId)) >= d.perCustomerLimit) {
      throw invalidCode(`Discount code ${d.code} has already been used the maximum number of times by this customer`);
    }
    if (!meetsMinimum(ctx.subtotal, d)) {
      throw invalidCode(`Discount code ${d.code} needs a subtotal of at least ${d.minSubtotal} (${this.currency} minor units)`);
    }
    return d;
  }

  private assertUsable(d: Discount, now: Date) {
    if (d.startsAt && now < d.startsAt) throw invalidCode(`Discount code ${d.code} is not active yet`);
    if (d.endsAt && now >= d.endsAt) throw invalidCode(`Discount code ${d.code} has expired`);
    if (d.usageLimit != null && d.usedCount >= d.usageLimit) throw invalidCode(`Discount code ${d.code} has been used up`);
  }

  /**
   * Counts one use of a discount for an order, atomically: the discount row is locked, both limits are
   * re-checked inside the caller's transaction, then the redemption is written. Concurrent orders can
   * never exceed `usageLimit` or `perCustomerLimit`. Idempotent per order (unique order_id).
   */
  async redeemDiscount(tx: Tx, discountId: string, customerId: string, orderId: string, now = new Date()): Promise<void> {
    const d = await this.repo.lockDiscount(tx, discountId);
    if (!d || !d.active) throw invalidCode('Discount code is no longer valid');
    this.assertUsable(d, now);
    if (d.perCustomerLimit != null && (await this.repo.countRedemptions(tx, d.id, customerId)) >= d.perCustomerLimit) {
      throw invalidCode(`Discount code ${d.code} has already been used the maximum number of times by this customer`);
    }
    await this.repo.recordRedemption(tx, d.id, customerId, orderId);
  }

  // ---- tax ----

  listTaxRates(): Promise<TaxRate[]> {
    return this.repo.listTaxRates();
  }

  putTaxRate(country: string, rateBps: number): Promise<TaxRate> {
    return this.repo.upsertTaxRate(country, rateBps);
  }

  async deleteTaxRate(country: string): Promise<void> {
    if (!(await this.repo.deleteTaxRate(country))) throw new NotFoundError('No tax rate for this country', 'TAX_RATE_NOT_FOUND');
  }

  get defaultTaxRateBps(): number {
    return this.config.store.defaultTaxRateBps;
  }

  async taxRateBps(country: string | null | undefined, tx?: Tx): Promise<number> {
    if (!country) return this.defaultTaxRateBps;
    return (await this.repo.findTaxRate(country.toUpperCase(), tx))?.rateBps ?? this.defaultTaxRateBps;
  }

  // ---- quotes ----

  /** Prices lines with a discount code, a delivery method and the destination's tax, through computeTotals. */
  async quote(input: QuoteInput, tx?: Tx): Promise<Quote> {
    const subtotal = computeTotals({ lines: input.lines }).subtotal;
    let discount: Discount | null = null;
    let discountProblem: string | null = null;
    if (input.discountCode) {
      try {
        discount = await this.applicableDiscount(input.discountCode, { subtotal, customerId: input.customerId }, tx);
      } catch (e) {
        if (input.mode === 'strict' || !(e instanceof ValidationError)) throw e;
        discountProblem = e.message;
      }
    }
    let method: DeliveryMethod | null = null;
    let taxRateBps = this.defaultTaxRateBps;
    if (input.deliveryMethodId || input.country) {
      const lookups = await this.repo.quoteLookups(input.deliveryMethodId ?? null, input.country?.toUpperCase() ?? null, tx);
      if (input.deliveryMethodId) method = input.mode === 'strict' ? serving(found(lookups.method), input.country) : found(lookups.method);
      taxRateBps = lookups.rateBps ?? this.defaultTaxRateBps;
    }
    const totals = computeTotals({ lines: input.lines, discount, shipping: method?.price ?? 0, taxRateBps });
    return {
      currency: this.currency,
      totals,
      taxRateBps,
      discount: discount && { id: discount.id, code: discount.code, type: discount.type, value: discount.value, minSubtotal: discount.minSubtotal },
      discountProblem,
      deliveryMethod: method && { id: method.id, name: method.name, price: method.price },
    };
  }
}

function found(m: DeliveryMethod | null): DeliveryMethod {
  if (!m) throw new NotFoundError('Delivery method not found', 'DELIVERY_METHOD_NOT_FOUND');
  return m;
}

function serving(m: DeliveryMethod, country: string | null | undefined): DeliveryMethod {
  const serves = !country || m.countries.length === 0 || m.countries.includes(country.toUpperCase());
  if (!m.active || !serves) {
    throw new ValidationError(`Delivery method ${m.name} is not available${country ? ` for ${country.toUpperCase()}` : ''}`, 'DELIVERY_METHOD_UNAVAILABLE');
  }
  return m;
}
