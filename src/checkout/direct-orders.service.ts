import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CatalogService, productNotFound, type VariantInfo } from '../catalog/catalog.service';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors/domain-error';
import { CustomersService } from '../customers/customers.service';
import { type Tx, TxRunner } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../notifications/outbox.service';
import { addressSnapshot } from '../orders/address-snapshot';
import { OrderPayments } from '../orders/order-payments.service';
import { orderLineOf, OrdersService, type OrderView } from '../orders/orders.service';
import { PAYMENT_PROVIDER, type PaymentProvider, PaymentProviderError } from '../payments/payment-provider';
import { PricingService } from '../pricing/pricing.service';
import { PaymentInitError } from './checkout.errors';
import type { DirectOrderDto, OrderPaymentResponse } from './dto/direct-order.dto';


/**
 * `POST /api/orders`: an order placed directly (cash on delivery / pay later), without a cart or checkout.
 * One transaction validates, prices with the shared pricing function, takes the stock (conditional UPDATE per
 * line), redeems the discount and writes the order `pending` / `unpaid`. `POST /api/orders/:id/pay` then
 * opens a PaymentIntent whose webhook marks it paid.
 */
@Injectable()
export class DirectOrdersService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly customers: CustomersService,
    private readonly inventory: InventoryService,
    private readonly pricing: PricingService,
    private readonly orders: OrdersService,
    private readonly payments: OrderPayments,
    private readonly outbox: OutboxService,
    private readonly tx: TxRunner,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  async place(customerId: string, dto: DirectOrderDto): Promise<OrderView> {
    if (!dto.items?.length) throw new ValidationError('Order must include at least one item', 'ORDER_ITEMS_REQUIRED');
    if (!dto.shippingAddressId === !dto.shippingAddress) throw new ValidationError('Give exactly one of shippingAddressId and shippingAddress', 'SHIPPING_ADDRESS_REQUIRED');
    const orderId = randomUUID();
    await this.tx.run(async (tx) => {
      const customer = await this.customers.get(customerId, tx);
      const address = dto.shippingAddressId ? addressSnapshot(await this.customers.getAddress(customerId, dto.shippingAddressId, tx)) : addressSnapshot(dto.shippingAddress!);
      const lines = await this.resolveLines(tx, dto);
      const quote = await this.pricing.quote(
        {
          lines: lines.map((l) => ({ unitPrice: l.variant.price, quantity: l.quantity })),
          discountCode: dto.discountCode,
          customerId,
          deliveryMethodId: dto.deliveryMethodId,
          country: address.country,
          mode: 'strict',
        },
        tx,
      );
      await this.inventory.decrement(tx, lines.map((l) => ({ variantId: l.variant.variantId, quantity: l.quantity })), `order:${orderId}`);
      if (quote.discount) await this.pricing.redeemDiscount(tx, quote.discount.id, customerId, orderId);
      const t = quote.totals;
      const order = await this.orders.create(tx, {
        id: orderId,
        checkoutId: null,
        customerId,
        email: customer.email,
        status: 'pending',
        paymentStatus: 'unpaid',
        paymentMethod: 'cash_on_delivery',
        currency: quote.currency,
        subtotal: t.subtotal,
        discount: t.discount,
        discountCode: quote.discount?.code ?? null,
        discountId: quote.discount?.id ?? null,
        shipping: t.shipping,
        tax: t.tax,
        taxRateBps: quote.taxRateBps,
        total: t.total,
        amountPaid: 0,
        shippingAddress: address,
        billingAddress: address,
        deliveryMethod: quote.deliveryMethod,
        notes: dto.notes ?? null,
        paymentIntentId: null,
        lines: lines.map((l) => orderLineOf(l.variant, l.quantity)),
        history: [{ status: 'pending', actor: `customer:${customerId}`, note: 'Order placed' }],
      });
      await this.outbox.enqueue(tx, 'email.order_confirmation', { orderId: order.id, number: order.number, email: order.email });
    });
    return this.orders.view(orderId);
  }

  /** A PaymentIntent for a pending, unpaid order of the caller; the same intent on every retry. */
  async pay(customerId: string, orderId: string): Promise<OrderPaymentResponse> {
    const order = await this.orders.view(orderId, { customerId });
    if (order.status !== 'pending' || order.paymentStatus !== 'unpaid') {
      throw new ConflictError(`Order ${order.number} is ${order.status}/${order.paymentStatus} and cannot be paid`, 'ORDER_NOT_PAYABLE');
    }
    try {
      const intent = await this.provider.createIntent({
        amount: order.total,
        currency: order.currency,
        metadata: { orderId: order.id, orderNumber: order.number, customerId },
        idempotencyKey: `order:${order.id}`,
        receiptEmail: order.email,
        description: `Order ${order.number}`,
      });
      await this.payments.attachIntent(this.tx.manager, order.id, intent.id);
      return { orderId: order.id, paymentIntentId: intent.id, clientSecret: intent.clientSecret, amount: order.total, currency: order.currency };
    } catch (e) {
      if (e instanceof PaymentProviderError) throw new PaymentInitError(e.message);
      throw e;
    }
  }

  /** Sums repeated lines per variant; an unknown product or variant is 404 "Product <id> not found". */
  private async resolveLines(tx: Tx, dto: DirectOrderDto): Promise<{ variant: VariantInfo; quantity: number }[]> {
    const byVariant = new Map<string, { variant: VariantInfo; quantity: number }>();
    for (const item of dto.items) {
      if (!item.productId && !item.variantId) throw new ValidationError('Each item needs a productId or a variantId', 'VARIANT_REQUIRED');
      let variant: VariantInfo;
      try {
        variant = await this.catalog.resolveVariant(item, tx);
      } catch (e) {
        if (e instanceof NotFoundError) throw productNotFound(item.variantId ?? item.productId);
        throw e;
      }
      const line = byVariant.get(variant.variantId);
      if (line) line.quantity += item.quantity;
      else byVariant.set(variant.variantId, { variant, quantity: item.quantity });
    }
    return [...byVariant.values()];
  }
}
