import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { createHash, randomBytes } from 'node:crypto';
import { CatalogService, type VariantInfo } from '../catalog/catalog.service';
import { NotFoundError, ValidationError } from '../common/errors/domain-error';
import { SIGNED_IN, type SignedInEvent } from '../common/events';
import { AppConfig } from '../config/app-config';
import { type Tx, TxRunner } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { PricingService } from '../pricing/pricing.service';
import type { Cart } from './cart.entity';
import type { CartItem } from './cart-item.entity';
import { CartRepository } from './cart.repository';
import { type CartResponse, MAX_LINE_QUANTITY } from './dto/cart.dto';

/** Who a cart request is for: a signed-in customer, a guest session, or nobody yet. */
export type CartOwner =
  | { kind: 'customer'; customerId: string }
  | { kind: 'guest'; sessionId: string }
  | { kind: 'anonymous' };


export interface CartWrite {
  cart: CartResponse;
  /** Set when this write created a guest cart: the new X-Session-Id. */
  issuedSessionId?: string;
}

export interface ViewOptions {
  country?: string;
  deliveryMethodId?: string;
}

/** A cart's lines as checkout freezes them. */
export interface CheckoutCart {
  cart: Cart;
  lines: { itemId: string; variant: VariantInfo; quantity: number }[];
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const MAX_LINES = 100;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const insufficient = (v: VariantInfo, available: number) =>
  new ValidationError(`Insufficient stock for ${v.label}. Available: ${available}`, 'INSUFFICIENT_STOCK', { variantId: v.variantId, available });

@Injectable()
export class CartService {
  private readonly logger = new Logger(CartService.name);

  constructor(
    private readonly repo: CartRepository,
    private readonly catalog: CatalogService,
    private readonly inventory: InventoryService,
    private readonly pricing: PricingService,
    private readonly tx: TxRunner,
    private readonly config: AppConfig,
  ) {}

  /**
   * The owner of a request. A signed-in customer always gets their own cart (a session header sent along is
   * merged only at login/register). A malformed session id is a 400: it is never taken as a new cart's id.
   */
  owner(userId: string | undefined, sessionId: string | undefined): CartOwner {
    if (userId) return { kind: 'customer', customerId: userId };
    if (sessionId === undefined || sessionId === '') return { kind: 'anonymous' };
    if (!SESSION_ID.test(sessionId)) throw new ValidationError('X-Session-Id is malformed', 'INVALID_SESSION_ID');
    return { kind: 'guest', sessionId };
  }

  private guestExpiry(): Date {
    return new Date(Date.now() + this.config.store.guestCartTtlSeconds * 1000);
  }

  /** The owner's cart, or null when it has none yet. An unknown or expired guest session is a 404. */
  private async find(owner: CartOwner, tx?: Tx, lock = false): Promise<Cart | null> {
    if (owner.kind === 'anonymous') return null;
    if (owner.kind === 'customer') return this.repo.findActiveByCustomer(owner.customerId, tx, lock);
    const cart = await this.repo.findBySessionHash(sha256(owner.sessionId), tx, lock);
    if (!cart || cart.status !== 'active' || (cart.expiresAt && cart.expiresAt <= new Date())) {
      throw new NotFoundError('Cart session not found or expired', 'CART_SESSION_NOT_FOUND');
    }
    return cart;
  }

  /** Locks the owner's cart for a write, creating it first when needed (guests get a new session id). */
  private async forWrite(tx: Tx, owner: CartOwner, create: boolean): Promise<{ cart: Cart; issuedSessionId?: string }> {
    if (owner.kind === 'customer') return { cart: await this.repo.getOrCreateForCustomer(tx, owner.customerId) };
    if (owner.kind === 'guest') {
      const cart = (await this.find(owner, tx, true))!;
      await this.repo.update(tx, cart.id, { expiresAt: this.guestExpiry() });
      return { cart };
    }
    if (!create) throw new NotFoundError('Cart not found: send the X-Session-Id of the guest cart or a Bearer token', 'CART_NOT_FOUND');
    const sessionId = randomBytes(32).toString('base64url');
    return { cart: await this.repo.createForSession(tx, sha256(sessionId), this.guestExpiry()), issuedSessionId: sessionId };
  }

  /** Only adding an item may create a cart; other writes on an anonymous request are a 404. */
  private async write(owner: CartOwner, work: (tx: Tx, cart: Cart) => Promise<void>, create = false): Promise<CartWrite> {
    const { cart, issuedSessionId } = await this.tx.run(async (tx) => {
      const w = await this.forWrite(tx, owner, create);
      await work(tx, w.cart);
      return w;
    });
    return { cart: await this.viewOf(cart.id), issuedSessionId };
  }

  async view(owner: CartOwner, opts: ViewOptions = {}): Promise<CartResponse> {
    const cart = await this.find(owner);
    return cart ? this.viewOf(cart.id, opts) : this.emptyView();
  }

  addItem(owner: CartOwner, ref: { productId?: string; variantId?: string }, quantity: number): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const variant = await this.catalog.resolveVariant(ref, tx);
      const items = await this.repo.listItems(cart.id, tx);
      const existing = items.find((i) => i.variantId === variant.variantId);
      if (!existing && items.length >= MAX_LINES) throw new ValidationError(`A cart holds at most ${MAX_LINES} different items`, 'CART_FULL');
      const wanted = (existing?.quantity ?? 0) + quantity;
      if (wanted > MAX_LINE_QUANTITY) throw new ValidationError(`At most ${MAX_LINE_QUANTITY} of one item per cart`, 'QUANTITY_LIMIT');
      await this.assertAvailable(tx, variant, wanted);
      await this.repo.setQuantity(tx, cart.id, variant.variantId, wanted);
    }, true);
  }

  updateItem(owner: CartOwner, itemId: string, quantity: number): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const item = await this.item(tx, cart, itemId);
      if (quantity === 0) {
        await this.repo.deleteItem(tx, cart.id, item.id);
        return;
      }
      if (quantity > item.quantity) {
        const [variant] = await this.catalog.variants([item.variantId], tx);
        if (!variant?.purchasable) throw new ValidationError('This item is no longer available', 'VARIANT_UNAVAILABLE');
        await this.assertAvailable(tx, variant, quantity);
      }
      await this.repo.setQuantity(tx, cart.id, item.variantId, quantity);
    });
  }

  removeItem(owner: CartOwner, itemId: string): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      await this.item(tx, cart, itemId);
      await this.repo.deleteItem(tx, cart.id, itemId);
    });
  }

  async clear(owner: CartOwner): Promise<CartResponse> {
    const cart = await this.find(owner);
    if (!cart) return this.emptyView();
    await this.tx.run(async (tx) => {
      await this.repo.clear(tx, cart.id);
      await this.repo.update(tx, cart.id, { discountCode: null });
    });
    return this.viewOf(cart.id);
  }

  /** Saves a code on the cart after checking it against the current subtotal: 400 INVALID_DISCOUNT_CODE if it does not apply. */
  applyDiscount(owner: CartOwner, code: string): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const lines = await this.pricedLines(cart.id, tx);
      const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
      const d = await this.pricing.applicableDiscount(code, { subtotal, customerId: cart.customerId }, tx);
      await this.repo.update(tx, cart.id, { discountCode: d.code });
    });
  }

  removeDiscount(owner: CartOwner): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      await this.repo.update(tx, cart.id, { discountCode: null });
    });
  }

  /**
   * Moves a guest cart into the customer's at login/register: quantities summed and capped by what is
   * available; the customer's own code wins over the guest's. The guest session is spent afterwards.
   */
  @OnEvent(SIGNED_IN, { promisify: true, suppressErrors: false })
  async mergeOnSignIn(e: SignedInEvent): Promise<void> {
    if (!e.sessionId || !SESSION_ID.test(e.sessionId)) return;
    await this.tx.run(async (tx) => {
      const guest = await this.repo.findBySessionHash(sha256(e.sessionId!), tx, true);
      if (!guest || guest.status !== 'active' || guest.customerId) return;
      const target = await this.repo.getOrCreateForCustomer(tx, e.customerId);
      const [from, into] = await Promise.all([this.repo.listItems(guest.id, tx), this.repo.listItems(target.id, tx)]);
      const ids = from.map((i) => i.variantId);
      const [variants, available] = await Promise.all([this.catalog.variants(ids, tx), this.inventory.availability(ids, tx)]);
      const byId = new Map(variants.map((v) => [v.variantId, v]));
      for (const item of from) {
        if (!byId.get(item.variantId)?.purchasable) continue;
        const current = into.find((i) => i.variantId === item.variantId)?.quantity ?? 0;
        const capped = Math.min(current + item.quantity, available.get(item.variantId) ?? 0, MAX_LINE_QUANTITY);
        if (capped > current) await this.repo.setQuantity(tx, target.id, item.variantId, capped);
      }
      if (!target.discountCode && guest.discountCode) await this.repo.update(tx, target.id, { discountCode: guest.discountCode });
      await this.repo.clear(tx, guest.id);
      await this.repo.update(tx, guest.id, { status: 'merged' });
    });
  }

  /** Deletes abandoned guest carts; returns how many. */
  purgeExpired(now = new Date()): Promise<number> {
    return this.repo.deleteExpiredGuestCarts(now);
  }

  // ---- for checkout (next issue) ----

  /** Locks the owner's cart inside the caller's transaction and resolves its lines. */
  async lockForCheckout(tx: Tx, owner: CartOwner): Promise<CheckoutCart | null> {
    const cart = await this.find(owner, tx, true);
    if (!cart) return null;
    const items = await this.repo.listItems(cart.id, tx);
    const variants = new Map((await this.catalog.variants(items.map((i) => i.variantId), tx)).map((v) => [v.variantId, v]));
    const lines = items.flatMap((i) => {
      const variant = variants.get(i.variantId);
      return variant ? [{ itemId: i.id, variant, quantity: i.quantity }] : [];
    });
    return { cart, lines };
  }

  /** Locks a cart row by id (completion takes cart → checkout → stock, the same order as checkout itself). */
  async lockById(tx: Tx, cartId: string): Promise<void> {
    await tx.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [cartId]);
  }

  /** Empties a cart once its order exists. */
  async clearAfterOrder(tx: Tx, cartId: string): Promise<void> {
    await this.repo.clear(tx, cartId);
    await this.repo.update(tx, cartId, { discountCode: null });
  }

  // ---- helpers ----

  private async item(tx: Tx, cart: Cart, itemId: string): Promise<CartItem> {
    const item = await this.repo.findItem(tx, cart.id, itemId);
    if (!item) throw new NotFoundError('Cart item not found', 'CART_ITEM_NOT_FOUND');
    return item;
  }

  private async assertAvailable(tx: Tx, variant: VariantInfo, quantity: number): Promise<void> {
    const available = (await this.inventory.availability([variant.variantId], tx)).get(variant.variantId) ?? 0;
    if (quantity > available) throw insufficient(variant, available);
  }

  private async pricedLines(cartId: string, tx?: Tx) {
    const items = await this.repo.listItems(cartId, tx);
    const ids = items.map((i) => i.variantId);
    const [variants, available] = await Promise.all([this.catalog.variants(ids, tx), this.inventory.availability(ids, tx)]);
    const byId = new Map(variants.map((v) => [v.variantId, v]));
    return items.flatMap((i) => {
      const v = byId.get(i.variantId);
      if (!v) return [];
      const avail = available.get(i.variantId) ?? 0;
      return [
        {
          id: i.id,
          productId: v.productId,
          variantId: v.variantId,
          sku: v.sku,
          name: v.label,
          unitPrice: v.price,
          quantity: i.quantity,
          lineTotal: v.price * i.quantity,
          available: avail,
          inStock: v.purchasable && avail >= i.quantity,
          purchasable: v.purchasable,
        },
      ];
    });
  }

  private emptyView(): CartResponse {
    return {
      id: null,
      currency: this.pricing.currency,
      items: [],
      itemCount: 0,
      discountCode: null,
      discountProblem: null,
      totals: { subtotal: 0, discount: 0, shipping: 0, tax: 0, total: 0 },
      expiresAt: null,
    };
  }

  /** Live prices and availability now; totals through the shared pricing function (lenient about the code). */
  private async viewOf(cartId: string, opts: ViewOptions = {}): Promise<CartResponse> {
    const cart = await this.repo.findById(cartId);
    if (!cart) return this.emptyView();
    const items = await this.pricedLines(cart.id);
    const payable = items.filter((i) => i.purchasable);
    const quote = await this.pricing.quote({
      lines: payable.map((i) => ({ unitPrice: i.unitPrice, quantity: i.quantity })),
      discountCode: cart.discountCode,
      customerId: cart.customerId,
      deliveryMethodId: opts.deliveryMethodId,
      country: opts.country,
      mode: 'lenient',
    });
    return {
      id: cart.id,
      currency: quote.currency,
      items,
      itemCount: payable.reduce((n, i) => n + i.quantity, 0),
      discountCode: cart.discountCode,
      discountProblem: quote.discountProblem,
      totals: quote.totals,
      expiresAt: cart.expiresAt,
    };
  }
}
