import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CartService, type CheckoutCart } from '../cart/cart.service';
import type { AuthUser } from '../common/auth/auth.decorators';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { bigintMoney } from '../database/columns';
import type { Customer } from '../customers/customer.entity';
import { CustomersService } from '../customers/customers.service';
import { together, type Tx, TxRunner } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../notifications/outbox.service';
import { addressSnapshot } from '../orders/address-snapshot';
import type { AddressSnapshot } from '../orders/order.entity';
import { orderLineOf, OrdersService, type OrderView } from '../orders/orders.service';
import { PAYMENT_PROVIDER, type PaymentProvider, PaymentProviderError } from '../payments/payment-provider';
import { PricingService } from '../pricing/pricing.service';
import { CheckoutCompletion } from './checkout-completion.service';
import { Checkout, type CheckoutSnapshot } from './checkout.entity';
import { CheckoutRepository } from './checkout.repository';
import { cartEmpty, emailRegistered, guestDetailsRequired, PaymentInitError, PaymentLookupError, PaymentNotCompletedError, sessionRequired } from './checkout.errors';
import type { CardCheckoutResponse, CheckoutDto, CheckoutStatusResponse } from './dto/checkout.dto';

type OwnedCheckout = Pick<Checkout, 'id' | 'orderId' | 'status' | 'paymentFlow' | 'paymentIntentId' | 'providerSessionId' | 'amount' | 'currency' | 'lastPaymentError' | 'expiresAt'>;

interface OwnedCheckoutRow {
  id: string;
  customer_id: string;
  session_hash: string | null;
  order_id: string;
  status: Checkout['status'];
  payment_flow: Checkout['paymentFlow'];
  payment_intent_id: string | null;
  provider_session_id: string | null;
  amount: string;
  currency: string;
  last_payment_error: string | null;
  expires_at: Date;
}

export type CheckoutResult = { kind: 'card'; body: CardCheckoutResponse } | { kind: 'order'; order: OrderView };

/** Who is checking out: a signed-in customer, or a guest with a session. */
interface Caller {
  user?: AuthUser;
  sessionId?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Stripe Checkout Sessions live 30 min – 24 h; the reservation expires with the session. */
const HOSTED_MIN_TTL = 1860; // 31 min: Stripe measures 30 min from when it receives the request
const HOSTED_MAX_TTL = 86_400;


/**
 * `POST /api/checkout`: freezes the cart into a snapshot, reserves its stock and asks the provider for a
 * payment (card), or creates the order at once (cash on delivery). The order itself is made by
 * CheckoutCompletion when the payment is confirmed.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly carts: CartService,
    private readonly customers: CustomersService,
    private readonly inventory: InventoryService,
    private readonly pricing: PricingService,
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
    private readonly completion: CheckoutCompletion,
    private readonly checkouts: CheckoutRepository,
    private readonly tx: TxRunner,
    private readonly config: AppConfig,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  async start(caller: Caller, dto: CheckoutDto): Promise<CheckoutResult> {
    const owner = this.carts.owner(caller.user?.id, caller.sessionId);
    if (owner.kind === 'anonymous') throw sessionRequired();
    if (owner.kind === 'guest') {
      if (!dto.email || !dto.name || !dto.phone || !dto.shippingAddress) throw guestDetailsRequired();
      if (dto.shippingAddressId || dto.billingAddressId) throw new ValidationError('Guests give addresses inline, not by id', 'ADDRESS_BOOK_REQUIRES_LOGIN');
    } else if (!dto.shippingAddressId === !dto.shippingAddress) {
      throw new ValidationError('Give exactly one of shippingAddressId and shippingAddress', 'SHIPPING_ADDRESS_REQUIRED');
    }
    if (dto.billingAddressId && dto.billingAddress) throw new ValidationError('Give at most one of billingAddressId and billingAddress');
    if (dto.paymentMethod === 'cash_on_delivery' && dto.paymentFlow) throw new ValidationError('paymentFlow applies to card payments only');

    const checkoutId = randomUUID();
    const orderId = randomUUID();
    const flow = dto.paymentFlow ?? 'payment_intent';
    const ttl = flow === 'hosted' ? Math.min(Math.max(this.config.store.reservationTtlSeconds, HOSTED_MIN_TTL), HOSTED_MAX_TTL) : this.config.store.reservationTtlSeconds;

    const prepared = await this.tx.run(async (tx) => {
      const locked = await this.carts.lockForCheckout(tx, owner);
      if (!locked) throw cartEmpty();
      // With the cart locked, independent statements in one round trip (pipelined): the customer (unless
      // registering, which may email a claim link, so only once the cart is known good), the cart's lines and
      // its earlier unpaid checkout (locked: cart → checkout, the order everywhere).
      const early = caller.user ? this.customers.get(caller.user.id, tx) : dto.password ? null : this.guestCustomer(tx, dto);
      const [customerR, linesR, olderR] = await Promise.allSettled([early, this.carts.checkoutLines(tx, locked.id), this.checkouts.awaitingForCart(tx, locked.id)]);
      // A failed statement makes the ones behind it fail as "transaction aborted": report the first (send order).
      if (linesR.status === 'rejected' || olderR.status === 'rejected') throw [customerR, linesR, olderR].find((r) => r.status === 'rejected')!.reason;
      const cart: CheckoutCart = { cart: locked, lines: linesR.value };
      // The cart's own errors come before the customer's (a guest's email held by an account, …).
      if (!cart.lines.length) throw cartEmpty();
      const unavailable = cart.lines.find((l) => !l.variant.purchasable);
      if (unavailable) throw new ValidationError(`${unavailable.variant.label} is no longer available`, 'PRODUCT_UNAVAILABLE', { variantId: unavailable.variant.variantId });
      if (customerR.status === 'rejected') throw customerR.reason;
      const older = olderR.value;
      const customer = customerR.value ?? (await this.guestCustomer(tx, dto));

      const userId = caller.user ? caller.user.id : customer.isGuest ? null : customer.id;
      const shipping = dto.shippingAddressId ? { id: dto.shippingAddressId, snap: await this.savedAddress(tx, customer.id, dto.shippingAddressId) } : { id: null, snap: addressSnapshot(dto.shippingAddress!) };
      const billing = dto.billingAddressId
        ? { id: dto.billingAddressId, snap: await this.savedAddress(tx, customer.id, dto.billingAddressId) }
        : dto.billingAddress
          ? { id: null, snap: addressSnapshot(dto.billingAddress) }
          : shipping;

      const snapshot = await this.price(tx, cart, customer, userId, dto, shipping, billing);
      const stockLines = snapshot.pricingSnapshot.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity }));
      const superseded = await this.supersede(tx, older, stockLines);

      if (dto.paymentMethod === 'cash_on_delivery') {
        await this.inventory.decrement(tx, stockLines, `order:${orderId}`);
        const order = await this.createCodOrder(tx, orderId, snapshot, caller);
        await this.carts.clearAfterOrder(tx, cart.cart.id);
        return { kind: 'order' as const, orderId: order.id, superseded };
      }

      const p = snapshot.pricingSnapshot;
      const expiresAt = new Date(Date.now() + ttl * 1000);
      // The reservation and the checkout row in one round trip (pipelined): if the stock is not there, the
      // reservation throws and the transaction, row included, rolls back.
      await together([
        this.inventory.reserve(tx, stockLines, `checkout:${checkoutId}`),
        this.checkouts.insert(tx, {
          id: checkoutId,
          cartId: cart.cart.id,
          customerId: customer.id,
          sessionHash: owner.kind === 'guest' ? sha256(owner.sessionId) : null,
          orderId,
          paymentFlow: flow,
          provider: this.provider.name,
          amount: p.total,
          currency: p.currency,
          snapshot,
          expiresAt,
        }),
      ]);
      return { kind: 'card' as const, superseded, snapshot, expiresAt };
    });

    void this.cancelAtProvider(prepared.superseded);
    if (prepared.kind === 'order') return { kind: 'order', order: await this.orders.view(prepared.orderId) };
    return { kind: 'card', body: await this.initPayment(checkoutId, orderId, flow, prepared.snapshot, prepared.expiresAt) };
  }

  /** Asks the provider for the payment; on failure the checkout fails and its stock goes back (502). */
  private async initPayment(checkoutId: string, orderId: string, flow: Checkout['paymentFlow'], s: CheckoutSnapshot, expiresAt: Date): Promise<CardCheckoutResponse> {
    const amount = s.pricingSnapshot.total;
    const currency = s.pricingSnapshot.currency;
    const metadata = { checkoutId, orderId, customerId: s.customerId };
    try {
      if (flow === 'hosted') {
        const fill = (url: string) => url.replace('{CHECKOUT_ID}', checkoutId);
        const session = await this.provider.createSession({
          amount,
          currency,
          metadata,
          idempotencyKey: checkoutId,
          expiresAt,
          successUrl: fill(this.config.payments.successUrl),
          cancelUrl: fill(this.config.payments.cancelUrl),
          lineName: `Order ${orderId.slice(0, 8)}`,
          customerEmail: s.email,
        });
        await this.attachPayment(checkoutId, { providerSessionId: session.id });
        return { checkoutId, orderId, url: session.url, amount, currency, expiresAt, status: 'awaiting_payment' };
      }
      const intent = await this.provider.createIntent({ amount, currency, metadata, idempotencyKey: checkoutId, receiptEmail: s.email, description: `Checkout ${checkoutId}` });
      await this.attachPayment(checkoutId, { paymentIntentId: intent.id });
      return { checkoutId, orderId, clientSecret: intent.clientSecret, paymentIntentId: intent.id, amount, currency, expiresAt, status: 'awaiting_payment' };
    } catch (e) {
      if (!(e instanceof PaymentProviderError)) throw e;
      await this.tx.run(async (tx) => {
        const c = await this.completion.lock(tx, checkoutId);
        if (c) await this.completion.close(tx, c, 'failed');
        if (c) await tx.getRepository(Checkout).update({ id: checkoutId }, { lastPaymentError: e.message.slice(0, 500) });
      });
      this.logger.warn({ checkoutId, err: e.message }, 'Payment initialisation failed; reservation released');
      throw new PaymentInitError(e.message);
    }
  }

  /** `GET /api/checkout/:id`: only for the customer or guest session that made it. */
  async status(caller: Caller, id: string): Promise<CheckoutStatusResponse> {
    const c = await this.owned(caller, id);
    const body: CheckoutStatusResponse = {
      checkoutId: c.id,
      status: c.status,
      orderId: c.orderId,
      amount: c.amount,
      currency: c.currency,
      expiresAt: c.expiresAt,
      lastPaymentError: c.lastPaymentError,
    };
    if (c.status === 'completed') body.order = await this.orders.view(c.orderId);
    return body;
  }

  /** `POST /api/checkout/:id/confirm`: asks the provider, and completes through the webhook's path if paid. */
  async confirm(caller: Caller, id: string): Promise<OrderView> {
    const c = await this.owned(caller, id);
    if (c.status === 'completed') return this.orders.view(c.orderId);
    let paid: { paymentIntentId: string | null; amount: number; currency: string } | null = null;
    let providerStatus = 'none';
    try {
      if (c.paymentFlow === 'hosted' && c.providerSessionId) {
        const s = await this.provider.retrieveSession(c.providerSessionId);
        providerStatus = `${s.status ?? 'unknown'}/${s.paymentStatus}`;
        if (s.paymentStatus === 'paid') paid = { paymentIntentId: s.paymentIntentId, amount: s.amountTotal, currency: s.currency };
      } else if (c.paymentIntentId) {
        const pi = await this.provider.retrieveIntent(c.paymentIntentId);
        providerStatus = pi.status;
        if (pi.status === 'succeeded') paid = { paymentIntentId: pi.id, amount: pi.amountReceived, currency: pi.currency };
      }
    } catch (e) {
      if (e instanceof PaymentProviderError) throw new PaymentLookupError(e.message);
      throw e;
    }
    if (!paid) throw new PaymentNotCompletedError(providerStatus, c.status);
    const actor = caller.user ? `customer:${caller.user.id}` : 'guest';
    const done = await this.tx.run((tx) => this.completion.completePaid(tx, c.id, { ...paid, actor: `${actor} (confirm)` }));
    if (!done) throw checkoutNotFound();
    return this.orders.view(done.order.id);
  }

  // ---- helpers ----

  /** The checkout's state without its snapshot (status polls are frequent; the snapshot is the bulk of the row). */
  private async owned(caller: Caller, id: string): Promise<OwnedCheckout> {
    const [r] = (await this.tx.manager.query(
      `SELECT id, customer_id, session_hash, order_id, status, payment_flow, payment_intent_id, provider_session_id, amount, currency,
              last_payment_error, expires_at
         FROM checkouts WHERE id = $1`,
      [id],
    )) as OwnedCheckoutRow[];
    const mine = r && (caller.user ? r.customer_id === caller.user.id : !!caller.sessionId && r.session_hash === sha256(caller.sessionId));
    if (!mine) throw checkoutNotFound();
    return {
      id: r.id,
      orderId: r.order_id,
      status: r.status,
      paymentFlow: r.payment_flow,
      paymentIntentId: r.payment_intent_id,
      providerSessionId: r.provider_session_id,
      amount: bigintMoney.from(r.amount) as number,
      currency: r.currency,
      lastPaymentError: r.last_payment_error,
      expiresAt: r.expires_at,
    };
  }

  private async guestCustomer(tx: Tx, dto: CheckoutDto): Promise<Customer> {
    const details = { email: dto.email!, name: dto.name!, phone: dto.phone ?? null };
    if (dto.password) {
      // register() refuses an email held by a guest (409 ACCOUNT_CLAIM_REQUIRED) or an account (409 EMAIL_TAKEN).
      const existing = await this.customers.findByEmail(details.email, tx);
      if (existing && !existing.isGuest) throw emailRegistered();
      if (existing) {
        // Earlier guest orders are not handed to whoever sets a password first: the owner gets a claim link.
        await this.customers.requestClaim(details.email).catch((e: unknown) => this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'Could not queue the claim email'));
      }
      return this.customers.register({ ...details, phone: dto.phone, password: dto.password }, tx);
    }
    const guest = await this.customers.findOrCreateGuest(details, tx);
    if (!guest) throw emailRegistered();
    return guest;
  }

  private async savedAddress(tx: Tx, customerId: string, id: string): Promise<AddressSnapshot> {
    return addressSnapshot(await this.customers.getAddress(customerId, id, tx));
  }

  /**
   * Ends the cart's earlier unpaid checkouts (read and locked by the caller) and releases their stock; returns
   * provider objects to cancel. Stock rows of both the old and the new lines are locked first, in variant-id
   * order (see lockRows).
   */
  private async supersede(tx: Tx, older: Checkout[], newLines: { variantId: string }[]): Promise<Checkout[]> {
    if (older.length) {
      const oldLines = older.filter((c) => c.reservation === 'held').flatMap((c) => c.snapshot.pricingSnapshot.lines);
      await this.inventory.lockRows(tx, [...oldLines, ...newLines].map((l) => l.variantId));
    }
    for (const c of older) await this.completion.close(tx, c, 'superseded');
    return older;
  }

  /**
   * Stores the provider's object on the checkout. If a newer checkout superseded this one while the
   * provider call ran, the new intent or session is cancelled at once and the caller gets 409.
   */
  private async attachPayment(checkoutId: string, patch: { paymentIntentId?: string; providerSessionId?: string }): Promise<void> {
    const rows = (await this.tx.manager.query(
      `UPDATE checkouts SET payment_intent_id = coalesce($2, payment_intent_id), provider_session_id = coalesce($3, provider_session_id), updated_at = now()
       WHERE id = $1 RETURNING status`,
      [checkoutId, patch.paymentIntentId ?? null, patch.providerSessionId ?? null],
    )) as [{ status: string }[], number];
    const status = rows[0][0]?.status;
    if (status === 'awaiting_payment' || status === 'completed') return;
    await this.cancelAtProvider([{ id: checkoutId, paymentIntentId: patch.paymentIntentId ?? null, providerSessionId: patch.providerSessionId ?? null } as Checkout]);
    throw new ConflictError(`This checkout was ${status ?? 'closed'} while its payment was being created; use the newer checkout`, 'CHECKOUT_SUPERSEDED');
  }

  private async cancelAtProvider(checkouts: Checkout[]): Promise<void> {
    for (const c of checkouts) {
      try {
        if (c.providerSessionId) await this.provider.expireSession(c.providerSessionId);
        else if (c.paymentIntentId) await this.provider.cancelIntent(c.paymentIntentId);
      } catch (e) {
        this.logger.warn({ checkoutId: c.id, err: e instanceof Error ? e.message : String(e) }, 'Could not cancel a superseded payment');
      }
    }
  }

  private async price(
    tx: Tx,
    cart: CheckoutCart,
    customer: Customer,
    userId: string | null,
    dto: CheckoutDto,
    shipping: { id: string | null; snap: AddressSnapshot },
    billing: { id: string | null; snap: AddressSnapshot },
  ): Promise<CheckoutSnapshot> {
    const quote = await this.pricing.quote(
      {
        lines: cart.lines.map((l) => ({ unitPrice: l.variant.price, quantity: l.quantity })),
        discountCode: dto.discountCode ?? cart.cart.discountCode,
        customerId: customer.id,
        deliveryMethodId: dto.deliveryMethodId,
        country: shipping.snap.country,
        mode: 'strict',
      },
      tx,
    );
    const t = quote.totals;
    return {
      customerId: customer.id,
      userId,
      email: customer.email,
      shippingAddressId: shipping.id,
      billingAddressId: billing.id,
      shippingAddress: shipping.snap,
      billingAddress: billing.snap,
      deliveryMethod: quote.deliveryMethod!,
      shippingCost: t.shipping,
      discountSnapshot: quote.discount,
      pricingSnapshot: {
        lines: cart.lines.map((l) => orderLineOf(l.variant, l.quantity)),
        subtotal: t.subtotal,
        discount: t.discount,
        shipping: t.shipping,
        tax: t.tax,
        total: t.total,
        taxRateBps: quote.taxRateBps,
        currency: quote.currency,
      },
      notes: dto.notes ?? null,
      createdAt: new Date().toISOString(),
    };
  }

  private async createCodOrder(tx: Tx, orderId: string, s: CheckoutSnapshot, caller: Caller) {
    const p = s.pricingSnapshot;
    if (s.discountSnapshot) await this.pricing.redeemDiscount(tx, s.discountSnapshot.id, s.customerId, orderId);
    const actor = caller.user ? `customer:${caller.user.id}` : `customer:${s.customerId}`;
    const order = await this.orders.create(tx, {
      id: orderId,
      checkoutId: null,
      customerId: s.customerId,
      email: s.email,
      status: 'pending',
      paymentStatus: 'unpaid',
      paymentMethod: 'cash_on_delivery',
      currency: p.currency,
      subtotal: p.subtotal,
      discount: p.discount,
      discountCode: s.discountSnapshot?.code ?? null,
      discountId: s.discountSnapshot?.id ?? null,
      shipping: p.shipping,
      tax: p.tax,
      taxRateBps: p.taxRateBps,
      total: p.total,
      amountPaid: 0,
      shippingAddress: s.shippingAddress,
      billingAddress: s.billingAddress,
      deliveryMethod: s.deliveryMethod,
      notes: s.notes,
      paymentIntentId: null,
      lines: p.lines,
      history: [{ status: 'pending', actor, note: 'Cash on delivery order placed' }],
    });
    await this.outbox.enqueue(tx, 'email.order_confirmation', { orderId: order.id, number: order.number, email: order.email });
    return order;
  }
}

export const checkoutNotFound = () => new NotFoundError('Checkout not found', 'CHECKOUT_NOT_FOUND');
