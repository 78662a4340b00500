import { Injectable } from '@nestjs/common';
import type { Keyset } from '../common/pagination';
import type { Tx } from '../database/tx';
import { InventoryMovement } from './inventory-movement.entity';
import { StockItem } from './stock-item.entity';

export interface Levels {
  onHand: number;
  reserved: number;
}

export type NewMovement = Pick<InventoryMovement, 'variantId' | 'deltaOnHand' | 'deltaReserved' | 'kind' | 'reason' | 'reference' | 'actorId'>;

/**
 * Every stock change is ONE conditional UPDATE: the condition is re-checked by PostgreSQL on the latest row
 * version after any concurrent writer commits, so there is no read-modify-write and no lost update. Each
 * returns the new levels, or `undefined` when no row matched (missing variant or condition false).
 */
@Injectable()
export class InventoryRepository {
  private async change(tx: Tx, variantId: string, set: { onHand?: string; reserved?: string }, condition: string, quantity: number): Promise<Levels | undefined> {
    const r = await tx
      .createQueryBuilder()
      .update(StockItem)
      .set({
        ...(set.onHand ? { onHand: () => set.onHand! } : {}),
        ...(set.reserved ? { reserved: () => set.reserved! } : {}),
      })
      .where(`variant_id = :variantId AND ${condition}`)
      .setParameters({ variantId, q: quantity })
      .returning(['onHand', 'reserved']) // property paths; the raw rows carry column names
      .execute();
    const row = (r.raw as { on_hand: number; reserved: number }[])[0];
    return row ? { onHand: row.on_hand, reserved: row.reserved } : undefined;
  }

  /** Admin adjustment by a signed delta; never takes on_hand below what is reserved. */
  adjust(tx: Tx, variantId: string, delta: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { onHand: 'on_hand + :q' }, 'on_hand + :q >= reserved', delta);
  }

  reserve(tx: Tx, variantId: string, q: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { reserved: 'reserved + :q' }, 'on_hand - reserved >= :q', q);
  }

  release(tx: Tx, variantId: string, q: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { reserved: 'reserved - :q' }, 'reserved >= :q', q);
  }

  /** Reserved units leave the warehouse: both counters drop (reserved ≤ on_hand holds, so on_hand ≥ q). */
  commit(tx: Tx, variantId: string, q: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { onHand: 'on_hand - :q', reserved: 'reserved - :q' }, 'reserved >= :q', q);
  }

  /** Sells unreserved units directly (orders without a checkout reservation). */
  decrement(tx: Tx, variantId: string, q: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { onHand: 'on_hand - :q' }, 'on_hand - reserved >= :q', q);
  }

  restock(tx: Tx, variantId: string, q: number): Promise<Levels | undefined> {
    return this.change(tx, variantId, { onHand: 'on_hand + :q' }, 'TRUE', q);
  }

  async insertStock(tx: Tx, rows: { variantId: string; onHand: number }[]): Promise<void> {
    if (rows.length) await tx.createQueryBuilder().insert().into(StockItem).values(rows.map((r) => ({ ...r, reserved: 0 }))).execute();
  }

  async insertMovements(tx: Tx, rows: NewMovement[]): Promise<void> {
    if (rows.length) await tx.createQueryBuilder().insert().into(InventoryMovement).values(rows).execute();
  }

  async levels(tx: Tx, variantIds: string[], opts: { lock?: boolean } = {}): Promise<Map<string, Levels>> {
    const out = new Map<string, Levels>();
    if (!variantIds.length) return out;
    const rows: { variant_id: string; on_hand: number; reserved: number }[] = await tx.query(
      `SELECT variant_id, on_hand, reserved FROM stock_items WHERE variant_id = ANY($1::uuid[]) ORDER BY variant_id${opts.lock ? ' FOR UPDATE' : ''}`,
      [variantIds],
    );
    for (const r of rows) out.set(r.variant_id, { onHand: r.on_hand, reserved: r.reserved });
    return out;
  }

  /** One page (limit + 1 rows) of a variant's ledger, newest first. */
  movements(tx: Tx, variantId: string, limit: number, after?: Keyset): Promise<InventoryMovement[]> {
    const q = tx.getRepository(InventoryMovement).createQueryBuilder('m').where('m.variant_id = :variantId', { variantId });
    if (after) q.andWhere('(m.created_at, m.id) < (:afterAt, :afterId)', { afterAt: after.createdAt, afterId: after.id });
    return q.orderBy('m.createdAt', 'DESC').addOrderBy('m.id', 'DESC').limit(limit + 1).getMany();
  }
}
