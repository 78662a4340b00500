import { Injectable } from '@nestjs/common';
import { VARIANT_INFO_COLUMNS, type VariantInfoColumns } from '../catalog/catalog.service';
import type { Tx } from '../database/tx';
import type { Cart } from './cart.entity';

/** A cart row as `Cart` (a plain object: the carts hot paths are raw SQL, TypeORM neither builds nor hydrates). */
const CART_COLUMNS = `id, customer_id AS "customerId", session_hash AS "sessionHash", status, discount_code AS "discountCode",
       expires_at AS "expiresAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * A line of a cart with its variant (catalog's columns, mapped by `variantInfoOf`) and `available`
 * (`on_hand - reserved`, 0 without a stock row, as InventoryService.availability). `itemId` is null only for
 * the variant asked for with `lines(…, alsoVariantId)` when the cart does not hold it.
 */
export type CartLineRow = VariantInfoColumns & { itemId: string | null; quantity: number; available: number };

/**
 * The lines query: the lines of the cart `cartId` (an SQL expression: `$1`, `c.id`) and the variant `$2`, each
 * with its variant and availability, as `CartLineRow` (plus `extra` columns); no ORDER BY.
 */
function linesOf(cartId: string, extra?: string): string {
  return `SELECT i.id AS "itemId", COALESCE(i.quantity, 0) AS quantity, ${VARIANT_INFO_COLUMNS},
                 COALESCE(st.on_hand - st.reserved, 0) AS available${extra ? `, ${extra}` : ''}
            FROM product_variants v
            JOIN products p ON p.id = v.product_id
            LEFT JOIN cart_items i ON i.cart_id = ${cartId} AND i.variant_id = v.id
            LEFT JOIN stock_items st ON st.variant_id = v.id
           WHERE v.id = ANY (ARRAY(SELECT ci.variant_id FROM cart_items ci WHERE ci.cart_id = ${cartId}) || $2::uuid)`;
}

@Injectable()
export class CartRepository {
  /** `lock`: SELECT … FOR UPDATE, so writes to one cart serialize. */
  async findActiveByCustomer(tx: Tx, customerId: string, lock = false): Promise<Cart | null> {
    const rows: Cart[] = await tx.query(
      lock
        ? `SELECT ${CART_COLUMNS} FROM carts WHERE customer_id = $1 AND status = 'active' FOR UPDATE`
        : `SELECT ${CART_COLUMNS} FROM carts WHERE customer_id = $1 AND status = 'active'`,
      [customerId],
    );
    return rows[0] ?? null;
  }

  async findBySessionHash(tx: Tx, sessionHash: string, lock = false): Promise<Cart | null> {
    const rows: Cart[] = await tx.query(
      lock ? `SELECT ${CART_COLUMNS} FROM carts WHERE session_hash = $1 FOR UPDATE` : `SELECT ${CART_COLUMNS} FROM carts WHERE session_hash = $1`,
      [sessionHash],
    );
    return rows[0] ?? null;
  }

  /**
   * The customer's active cart, created when missing, and locked (the conflict arm's UPDATE takes the row
   * lock, as SELECT … FOR UPDATE would). Race-safe: concurrent first writes end with the same single cart.
   */
  async getOrCreateForCustomer(tx: Tx, customerId: string): Promise<Cart> {
    const [cart] = (await tx.query(
      `INSERT INTO carts (customer_id) VALUES ($1)
       ON CONFLICT (customer_id) WHERE status = 'active' AND customer_id IS NOT NULL DO UPDATE SET updated_at = now()
       RETURNING ${CART_COLUMNS}`,
      [customerId],
    )) as Cart[];
    return cart!;
  }

  async createForSession(tx: Tx, sessionHash: string, expiresAt: Date): Promise<Cart> {
    const [cart] = (await tx.query(`INSERT INTO carts (session_hash, expires_at) VALUES ($1, $2) RETURNING ${CART_COLUMNS}`, [sessionHash, expiresAt])) as Cart[];
    return cart!;
  }

  /**
   * A new guest cart with its first line, in one statement. No transaction or lock is needed: nobody else
   * knows the session yet.
   */
  async createForSessionWithItem(tx: Tx, sessionHash: string, expiresAt: Date, variantId: string, quantity: number): Promise<{ cart: Cart; itemId: string }> {
    const [row] = (await tx.query(
      `WITH c AS (INSERT INTO carts (session_hash, expires_at) VALUES ($1, $2) RETURNING ${CART_COLUMNS}),
            i AS (INSERT INTO cart_items (cart_id, variant_id, quantity) SELECT c.id, $3, $4 FROM c RETURNING id)
       SELECT c.*, i.id AS "itemId" FROM c, i`,
      [sessionHash, expiresAt, variantId, quantity],
    )) as (Cart & { itemId: string })[];
    const { itemId, ...cart } = row!;
    return { cart, itemId };
  }

  /**
   * One statement for a guest's add: pushes the cart's expiry (its row lock, held while the statement runs,
   * serializes adds to one cart and waits for a checkout or merge of it; a cart no longer live gets nothing),
   * then adds `quantity` to the line, creating it, unless the line would pass `max` or the stock available.
   * Returns the line's id, stored quantity and place in (created_at, id) order and the cart's new expiry, or
   * null when nothing was written to the line.
   */
  async addQuantity(
    tx: Tx,
    a: { cartId: string; variantId: string; quantity: number; max: number; expiresAt: Date },
  ): Promise<{ id: string; quantity: number; position: number; expiresAt: Date } | null> {
    const rows = (await tx.query(
      `WITH c AS (
         UPDATE carts SET expires_at = $5, updated_at = now()
          WHERE id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, expires_at),
       s AS (SELECT coalesce((SELECT on_hand - reserved FROM stock_items WHERE variant_id = $2), 0) AS available)
       INSERT INTO cart_items (cart_id, variant_id, quantity) SELECT c.id, $2, $3 FROM c, s WHERE $3 <= s.available
       ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()
         WHERE cart_items.quantity + EXCLUDED.quantity <= least($4, (SELECT available FROM s))
       RETURNING id, quantity, (SELECT expires_at FROM c) AS "expiresAt",
                 (SELECT count(*)::int FROM cart_items o
                   WHERE o.cart_id = $1 AND (o.created_at, o.id) < (cart_items.created_at, cart_items.id)) AS position`,
      [a.cartId, a.variantId, a.quantity, a.max, a.expiresAt],
    )) as { id: string; quantity: number; position: number; expiresAt: Date }[];
    return rows[0] ?? null;
  }

  /**
   * Locks a live guest cart and pushes its expiry forward, in one statement; null when the session is unknown,
   * spent (merged) or expired.
   */
  async touchGuest(tx: Tx, sessionHash: string, expiresAt: Date): Promise<Cart | null> {
    const [rows] = (await tx.query(
      `UPDATE carts SET expires_at = $2, updated_at = now()
        WHERE session_hash = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now())
       RETURNING ${CART_COLUMNS}`,
      [sessionHash, expiresAt],
    )) as [Cart[], number];
    return rows[0] ?? null;
  }

  async setDiscountCode(tx: Tx, id: string, code: string | null): Promise<void> {
    await tx.query(`UPDATE carts SET discount_code = $2, updated_at = now() WHERE id = $1`, [id, code]);
  }

  /**
   * The cart's lines in order (created_at, id), each with its variant and availability; with `alsoVariantId`,
   * that variant too (last, `itemId` null) when the cart does not hold it. One statement. Inside a write, run
   * it after the cart row is locked: it must see the lines as the lock holder left them.
   */
  lines(tx: Tx, cartId: string | null, alsoVariantId: string | null = null): Promise<CartLineRow[]> {
    return tx.query(`${linesOf('$1')} ORDER BY i.created_at, i.id`, [cartId, alsoVariantId]);
  }

  /**
   * A guest's cart (any status) and its lines as `lines(…, alsoVariantId)` returns them, in one statement: the
   * reads of a guest's add and of `GET /cart`. No lock: a writer re-checks under the cart's row lock.
   */
  async guestCartWithLines(tx: Tx, sessionHash: string, alsoVariantId: string | null = null): Promise<{ cart: Cart; lines: CartLineRow[] } | null> {
    const rows: (CartLineRow & { cart: Record<keyof Cart, unknown> })[] = await tx.query(
      `WITH c AS (SELECT ${CART_COLUMNS} FROM carts WHERE session_hash = $1)
       SELECT row_to_json(c) AS cart, l.*
         FROM c LEFT JOIN LATERAL (${linesOf('c.id', 'i.created_at AS line_created_at')}) l ON true
        ORDER BY l.line_created_at, l."itemId"`,
      [sessionHash, alsoVariantId],
    );
    if (!rows.length) return null;
    const j = rows[0]!.cart;
    const date = (v: unknown) => (v == null ? null : new Date(v as string));
    const cart = { ...j, expiresAt: date(j.expiresAt), createdAt: date(j.createdAt), updatedAt: date(j.updatedAt) } as Cart;
    // A cart without lines (and no `alsoVariantId`) is one row of nulls from the LEFT JOIN.
    const lines = rows.filter((r) => r.variantId != null).map(({ cart: _cart, line_created_at: _at, ...line }: CartLineRow & { cart: unknown; line_created_at?: unknown }) => line);
    return { cart, lines };
  }

  /**
   * Sets a variant's quantity, adding the line if needed. Returns the line's id and its index among the
   * cart's lines in (created_at, id) order, so a caller holding the lines can place a new one without re-reading.
   */
  async setQuantity(tx: Tx, cartId: string, variantId: string, quantity: number): Promise<{ id: string; position: number }> {
    const [row] = (await tx.query(
      `INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
       RETURNING id, (SELECT count(*)::int FROM cart_items o
                       WHERE o.cart_id = $1 AND (o.created_at, o.id) < (cart_items.created_at, cart_items.id)) AS position`,
      [cartId, variantId, quantity],
    )) as { id: string; position: number }[];
    return row!;
  }

  async updateQuantity(tx: Tx, cartId: string, id: string, quantity: number): Promise<void> {
    await tx.query(`UPDATE cart_items SET quantity = $3, updated_at = now() WHERE id = $2 AND cart_id = $1`, [cartId, id, quantity]);
  }

  async deleteItem(tx: Tx, cartId: string, id: string): Promise<void> {
    await tx.query(`DELETE FROM cart_items WHERE id = $2 AND cart_id = $1`, [cartId, id]);
  }

  /** Deletes the lines and the discount code, in one statement; the cart as it is now, or null if it is gone. */
  async empty(tx: Tx, id: string): Promise<Cart | null> {
    const [rows] = (await tx.query(
      `WITH gone AS (DELETE FROM cart_items WHERE cart_id = $1)
       UPDATE carts SET discount_code = NULL, updated_at = now() WHERE id = $1
       RETURNING ${CART_COLUMNS}`,
      [id],
    )) as [Cart[], number];
    return rows[0] ?? null;
  }

  /** A guest cart moved into a customer's: its lines go, the session is spent. One statement. */
  async markMerged(tx: Tx, id: string): Promise<void> {
    await tx.query(
      `WITH gone AS (DELETE FROM cart_items WHERE cart_id = $1)
       UPDATE carts SET status = 'merged', updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** Abandoned guest carts past their expiry; idempotent, so every instance may run it. */
  async deleteExpiredGuestCarts(tx: Tx, now: Date): Promise<number> {
    const [, deleted] = (await tx.query(`DELETE FROM carts WHERE expires_at < $1`, [now])) as [unknown[], number];
    return deleted;
  }
}
