import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { createHash, randomBytes } from 'node:crypto';
import { CatalogService, type VariantInfo, variantInfoOf, variantNotFound } from '../catalog/catalog.service';
import { NotFoundError, ValidationError } from '../common/errors/domain-error';
import { SIGNED_IN, type SignedInEvent } from '../common/events';
import { AppConfig } from '../config/app-config';
import { type Tx, TxRunner } from '../database/tx';
import { PricingService } from '../pricing/pricing.service';
import type { Cart } from './cart.entity';
import { type CartLineRow, CartRepository } from './cart.repository';
import { type CartItemResponse, type CartResponse, MAX_LINE_QUANTITY } from './dto/cart.dto';

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

/** A cart line with its variant and the units available of it now. */
interface Line {
  itemId: string;
  variant: VariantInfo;
  quantity: number;
  available: number;
}

/** What a write leaves in the cart: the response is built from it, without reading the cart again. */
interface WriteResult {
  cart: Cart;
  lines: Line[];
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const MAX_LINES = 100;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const insufficient = (v: VariantInfo, available: number) =>
  new ValidationError(`Insufficient stock for ${v.label}. Available: ${available}`, 'INSUFFICIENT_STOCK', { variantId: v.variantId, available });
const sessionNotFound = () => new NotFoundError('Cart session not found or expired', 'CART_SESSION_NOT_FOUND');
const lineOf = (r: CartLineRow): Line => ({ itemId: r.itemId!, variant: variantInfoOf(r), quantity: r.quantity, available: r.available });
const quantityLimit = () => new ValidationError(`At most ${MAX_LINE_QUANTITY} of one item per cart`, 'QUANTITY_LIMIT');

/**
 * Checks adding `quantity` of a variant to a cart whose lines (and the variant's own row) are `rows`: the
 * variant must be purchasable (and of `ref.productId` when given, as CatalogService.resolveVariant), the cart
 * not full, the line within its cap and the stock there. Returns the line's new quantity and how to build the
 * lines after the write (the line's id, its place in (created_at, id) order and its stored quantity).
 */
function planAdd(rows: CartLineRow[], variantId: string, ref: { productId?: string }, quantity: number) {
  const lines = rows.filter((r) => r.itemId !== null).map(lineOf);
  const row = rows.find((r) => r.variantId === variantId);
  const variant = row && variantInfoOf(row);
  if (!row || !variant?.purchasable || (ref.productId && variant.productId !== ref.productId.toLowerCase())) throw variantNotFound();
  const existing = lines.find((l) => l.variant.variantId === variantId);
  if (!existing && lines.length >= MAX_LINES) throw new ValidationError(`A cart holds at most ${MAX_LINES} different items`, 'CART_FULL');
  const quantityNow = (existing?.quantity ?? 0) + quantity;
  if (quantityNow > MAX_LINE_QUANTITY) throw quantityLimit();
  if (quantityNow > row.available) throw insufficient(variant, row.available);
  return {
    quantity: quantityNow,
    after(itemId: string, position: number, stored: number): Line[] {
      if (existing) return lines.map((l) => (l === existing ? { ...l, quantity: stored } : l));
      return lines.toSpliced(Math.min(position, lines.length), 0, { itemId, variant, quantity: stored, available: row.available });
    },
  };
}

const itemOf = ({ itemId, variant: v, quantity, available }: Line): CartItemResponse => ({
  id: itemId,
  productId: v.productId,
  variantId: v.variantId,
  sku: v.sku,
  name: v.label,
  unitPrice: v.price,
  quantity,
  lineTotal: v.price * quantity,
  available,
  inStock: v.purchasable && available >= quantity,
  purchasable: v.purchasable,
});

@Injectable()
export class CartService {
  private readonly logger = new Logger(CartService.name);

  constructor(
    private readonly repo: CartRepository,
    private readonly catalog: CatalogService,
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
  private async find(owner: CartOwner, tx: Tx, lock = false): Promise<Cart | null> {
    if (owner.kind === 'anonymous') return null;
    if (owner.kind === 'customer') return this.repo.findActiveByCustomer(tx, owner.customerId, lock);
    const cart = await this.repo.findBySessionHash(tx, sha256(owner.sessionId), lock);
    if (!isLiveGuestCart(cart)) throw sessionNotFound();
    return cart;
  }

  /** A guest's cart and its lines (with `alsoVariantId`, as `CartRepository.lines`) in one read; 404 as `find`. */
  private async findGuestWithLines(owner: Extract<CartOwner, { kind: 'guest' }>, tx: Tx, alsoVariantId: string | null = null) {
    const r = await this.repo.guestCartWithLines(tx, sha256(owner.sessionId), alsoVariantId);
    if (!r || !isLiveGuestCart(r.cart)) throw sessionNotFound();
    return r;
  }

  /**
   * Locks the owner's cart for a write (one statement), creating it first when needed (guests get a new
   * session id). A guest cart's expiry moves forward in the same statement.
   */
  private async forWrite(tx: Tx, owner: CartOwner, create: boolean): Promise<{ cart: Cart; issuedSessionId?: string }> {
    if (owner.kind === 'customer') return { cart: await this.repo.getOrCreateForCustomer(tx, owner.customerId) };
    if (owner.kind === 'guest') {
      const cart = await this.repo.touchGuest(tx, sha256(owner.sessionId), this.guestExpiry());
      if (!cart) throw sessionNotFound();
      return { cart };
    }
    if (!create) throw new NotFoundError('Cart not found: send the X-Session-Id of the guest cart or a Bearer token', 'CART_NOT_FOUND');
    const sessionId = randomBytes(32).toString('base64url');
    return { cart: await this.repo.createForSession(tx, sha256(sessionId), this.guestExpiry()), issuedSessionId: sessionId };
  }

  /**
   * Only adding an item may create a cart; other writes on an anonymous request are a 404. `work` runs with
   * the cart locked and returns the lines as it leaves them (it may change `cart.discountCode`): the response
   * is built from those after commit, with no re-read.
   */
  private async write(owner: CartOwner, work: (tx: Tx, cart: Cart) => Promise<Line[]>, create = false): Promise<CartWrite> {
    const { result, issuedSessionId } = await this.tx.run(async (tx) => {
      const w = await this.forWrite(tx, owner, create);
      const lines = await work(tx, w.cart);
      return { result: { cart: w.cart, lines }, issuedSessionId: w.issuedSessionId };
    });
    return { cart: await this.render(result), issuedSessionId };
  }

  async view(owner: CartOwner, opts: ViewOptions = {}): Promise<CartResponse> {
    const m = this.tx.manager;
    if (owner.kind === 'guest') {
      const { cart, lines } = await this.findGuestWithLines(owner, m);
      return this.render({ cart, lines: lines.map(lineOf) }, opts);
    }
    const cart = await this.find(owner, m);
    return cart ? this.render({ cart, lines: await this.lines(m, cart.id) }, opts) : this.emptyView();
  }

  /**
   * Adds units of a variant. A signed-in customer's cart, or an add by productId, runs in a transaction with
   * the cart locked. Guests adding by variantId, the storefront's hot path, take fewer round trips:
   * - no cart yet: one read, then the cart and its line in one statement (nobody else knows the new session);
   * - a guest cart: read it and its lines, then one statement that pushes the expiry (taking the cart's row
   *   lock for its duration) and adds to the line in place (`quantity + n`), capped in SQL by the line limit and
   *   the stock available: concurrent adds to one line never lose units nor exceed the stock. The line-count
   *   check reads without the lock: concurrent adds of different variants may pass it together.
   */
  async addItem(owner: CartOwner, ref: { productId?: string; variantId?: string }, quantity: number): Promise<CartWrite> {
    if (owner.kind === 'anonymous' && ref.variantId) return this.addToNewGuestCart(ref.variantId.toLowerCase(), ref, quantity);
    if (owner.kind === 'guest' && ref.variantId) return this.addToGuestCart(owner, ref.variantId.toLowerCase(), ref, quantity);
    return this.write(
      owner,
      async (tx, cart) => {
        // By productId: the catalog decides which variant (one active variant, else VARIANT_REQUIRED).
        // Ids are compared as strings: lowercase, as PostgreSQL returns uuids (clients may send uppercase).
        const variantId = (ref.variantId ?? (await this.catalog.resolveVariant(ref, tx)).variantId).toLowerCase();
        const plan = planAdd(await this.repo.lines(tx, cart.id, variantId), variantId, ref, quantity);
        const { id, position } = await this.repo.setQuantity(tx, cart.id, variantId, plan.quantity);
        return plan.after(id, position, plan.quantity);
      },
      true,
    );
  }

  private async addToNewGuestCart(variantId: string, ref: { productId?: string }, quantity: number): Promise<CartWrite> {
    const m = this.tx.manager;
    const plan = planAdd(await this.repo.lines(m, null, variantId), variantId, ref, quantity);
    const sessionId = randomBytes(32).toString('base64url');
    const { cart, itemId } = await this.repo.createForSessionWithItem(m, sha256(sessionId), this.guestExpiry(), variantId, plan.quantity);
    return { cart: await this.render({ cart, lines: plan.after(itemId, 0, plan.quantity) }), issuedSessionId: sessionId };
  }

  private async addToGuestCart(owner: Extract<CartOwner, { kind: 'guest' }>, variantId: string, ref: { productId?: string }, quantity: number): Promise<CartWrite> {
    const m = this.tx.manager;
    // Reads first (the cart and its lines, one statement), so a refused add writes nothing.
    const { cart, lines } = await this.findGuestWithLines(owner, m, variantId);
    const plan = planAdd(lines, variantId, ref, quantity);
    const added = await this.repo.addQuantity(m, { cartId: cart.id, variantId, quantity, max: MAX_LINE_QUANTITY, expiresAt: this.guestExpiry() });
    if (!added) {
      // A concurrent write got there between the read and the upsert: read again for the precise refusal.
      planAdd((await this.findGuestWithLines(owner, m, variantId)).lines, variantId, ref, quantity);
      throw quantityLimit();
    }
    return { cart: await this.render({ cart: { ...cart, expiresAt: added.expiresAt }, lines: plan.after(added.id, added.position, added.quantity) }) };
  }

  updateItem(owner: CartOwner, itemId: string, quantity: number): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const lines = await this.lines(tx, cart.id);
      const item = this.item(lines, itemId);
      if (quantity === 0) {
        await this.repo.deleteItem(tx, cart.id, item.itemId);
        return lines.filter((l) => l !== item);
      }
      if (quantity > item.quantity) {
        if (!item.variant.purchasable) throw new ValidationError('This item is no longer available', 'VARIANT_UNAVAILABLE');
        if (quantity > item.available) throw insufficient(item.variant, item.available);
      }
      await this.repo.updateQuantity(tx, cart.id, item.itemId, quantity);
      return lines.map((l) => (l === item ? { ...l, quantity } : l));
    });
  }

  removeItem(owner: CartOwner, itemId: string): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const lines = await this.lines(tx, cart.id);
      const item = this.item(lines, itemId);
      await this.repo.deleteItem(tx, cart.id, item.itemId);
      return lines.filter((l) => l !== item);
    });
  }

  /** Empties the cart and drops its code (a guest cart's expiry stays as it was). */
  async clear(owner: CartOwner): Promise<CartResponse> {
    if (owner.kind === 'anonymous') return this.emptyView();
    const cart = await this.tx.run(async (tx) => {
      const found = await this.find(owner, tx, true);
      return found && this.repo.empty(tx, found.id);
    });
    return cart ? this.render({ cart, lines: [] }) : this.emptyView();
  }

  /** Saves a code on the cart after checking it against the current subtotal: 400 INVALID_DISCOUNT_CODE if it does not apply. */
  applyDiscount(owner: CartOwner, code: string): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const lines = await this.lines(tx, cart.id);
      const subtotal = lines.reduce((s, l) => s + l.variant.price * l.quantity, 0);
      const d = await this.pricing.applicableDiscount(code, { subtotal, customerId: cart.customerId }, tx);
      await this.repo.setDiscountCode(tx, cart.id, d.code);
      cart.discountCode = d.code;
      return lines;
    });
  }

  removeDiscount(owner: CartOwner): Promise<CartWrite> {
    return this.write(owner, async (tx, cart) => {
      const lines = await this.lines(tx, cart.id);
      await this.repo.setDiscountCode(tx, cart.id, null);
      cart.discountCode = null;
      return lines;
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
      const guest = await this.repo.findBySessionHash(tx, sha256(e.sessionId!), true);
      if (!guest || guest.status !== 'active' || guest.customerId) return;
      const target = await this.repo.getOrCreateForCustomer(tx, e.customerId);
      const from = await this.lines(tx, guest.id);
      const into = await this.lines(tx, target.id);
      for (const item of from) {
        if (!item.variant.purchasable) continue;
        const current = into.find((i) => i.variant.variantId === item.variant.variantId)?.quantity ?? 0;
        const capped = Math.min(current + item.quantity, item.available, MAX_LINE_QUANTITY);
        if (capped > current) await this.repo.setQuantity(tx, target.id, item.variant.variantId, capped);
      }
      if (!target.discountCode && guest.discountCode) await this.repo.setDiscountCode(tx, target.id, guest.discountCode);
      await this.repo.markMerged(tx, guest.id);
    });
  }

  /** Deletes abandoned guest carts; returns how many. */
  purgeExpired(now = new Date()): Promise<number> {
    return this.repo.deleteExpiredGuestCarts(this.tx.manager, now);
  }

  // ---- for checkout (next issue) ----

  /**
   * Locks the owner's cart inside the caller's transaction (one statement); `checkoutLines` then reads its
   * lines. Not one statement (`… FOR UPDATE OF c` over the join): after waiting for the lock, that statement
   * would still return the lines of its older snapshot, missing what the previous lock holder changed.
   */
  async lockForCheckout(tx: Tx, owner: CartOwner): Promise<Cart | null> {
    return this.find(owner, tx, true);
  }

  /** The lines of a cart locked by `lockForCheckout`, as checkout prices them (one statement). */
  async checkoutLines(tx: Tx, cartId: string): Promise<CheckoutCart['lines']> {
    return this.lines(tx, cartId);
  }

  /** Empties a cart once its order exists (the caller holds the cart's lock). One statement. */
  async clearAfterOrder(tx: Tx, cartId: string): Promise<void> {
    await this.repo.empty(tx, cartId);
  }

  // ---- helpers ----

  private async lines(tx: Tx, cartId: string): Promise<Line[]> {
    return (await this.repo.lines(tx, cartId)).map(lineOf);
  }

  private item(lines: Line[], itemId: string): Line {
    const id = itemId.toLowerCase();
    const item = lines.find((l) => l.itemId === id);
    if (!item) throw new NotFoundError('Cart item not found', 'CART_ITEM_NOT_FOUND');
    return item;
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

  /** Live prices and availability as read; totals through the shared pricing function (lenient about the code). */
  private async render({ cart, lines }: WriteResult, opts: ViewOptions = {}): Promise<CartResponse> {
    const items = lines.map(itemOf);
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

/** A guest cart that can still be used: found, active, not expired. */
function isLiveGuestCart(cart: Cart | null): cart is Cart {
  return !!cart && cart.status === 'active' && !(cart.expiresAt && cart.expiresAt <= new Date());
}
