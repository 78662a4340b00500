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
 * The change and its ledger row in ONE statement. The UPDATE's condition is re-checked by PostgreSQL on the
 * latest row version after any concurrent writer commits, so there is no read-modify-write and no lost update;
 * the ledger row is written only when the UPDATE matched, so the ledger always sums to the stock row.
 *
 * One condition serves every kind: the new counters must keep `0 ≤ reserved ≤ on_hand` (the table's CHECKs).
 * Reserve and decrement: `on_hand - reserved ≥ q`; release and commit: `reserved ≥ q`; restock: always;
 * an adjustment: `on_hand + delta ≥ reserved`.
 */
const MOVE = `WITH u AS (
    UPDATE stock_items SET on_hand = on_hand + $2, reserved = reserved + $3, updated_at = now()
    WHERE variant_id = $1 AND on_hand + $2 >= reserved + $3 AND reserved + $3 >= 0
    RETURNING variant_id, on_hand, reserved),
  m AS (
    INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason, reference, actor_id)
    SELECT variant_id, $2, $3, $4::varchar, $5::varchar, $6::varchar, $7::uuid FROM u)
  SELECT on_hand, reserved FROM u`;

/**
 * MOVE for several variants of one movement (a cart's lines) in ONE statement. The rows are locked first, in
 * variant-id order (the uncorrelated sub-select is an InitPlan, run before the UPDATE touches a row), so
 * concurrent multi-line movements cannot deadlock; the UPDATE then re-checks each condition on the latest
 * row version, as MOVE does. Returns the rows that moved: fewer than asked means a line's stock is not there.
 */
const MOVE_MANY = `WITH locked AS (
    SELECT variant_id FROM stock_items WHERE variant_id = ANY($1::uuid[]) ORDER BY variant_id FOR UPDATE),
  w AS (SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[]) AS w(variant_id, d_on, d_res)),
  u AS (
    UPDATE stock_items s SET on_hand = s.on_hand + w.d_on, reserved = s.reserved + w.d_res, updated_at = now()
      FROM w
     WHERE s.variant_id = ANY($1::uuid[]) AND s.variant_id = w.variant_id -- the ANY keeps it an index scan (EXPLAIN)
       AND s.on_hand + w.d_on >= s.reserved + w.d_res AND s.reserved + w.d_res >= 0
       AND (SELECT count(*) FROM locked) >= 0
    RETURNING s.variant_id, s.on_hand, s.reserved, w.d_on, w.d_res),
  m AS (
    INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason, reference, actor_id)
    SELECT variant_id, d_on, d_res, $4::varchar, $5::varchar, $6::varchar, $7::uuid FROM u)
  SELECT variant_id FROM u`;

@Injectable()
export class InventoryRepository {
  /**
   * One movement's lines (distinct variants, the same kind, reason, reference and actor) in one statement.
   * Returns the variant ids that moved.
   */
  async moveMany(tx: Tx, lines: NewMovement[]): Promise<Set<string>> {
    const [first] = lines;
    if (!first) return new Set();
    const rows: { variant_id: string }[] = await tx.query(MOVE_MANY, [
      lines.map((l) => l.variantId),
      lines.map((l) => l.deltaOnHand),
      lines.map((l) => l.deltaReserved),
      first.kind,
      first.reason,
      first.reference,
      first.actorId,
    ]);
    return new Set(rows.map((r) => r.variant_id));
  }

  /**
   * Moves one variant's counters by the movement's deltas and writes the movement, in one statement. Returns
   * the new levels, or `undefined` when no row matched (unknown variant, or the stock is not there).
   */
  async move(tx: Tx, m: NewMovement): Promise<Levels | undefined> {
    const rows: { on_hand: number; reserved: number }[] = await tx.query(MOVE, [m.variantId, m.deltaOnHand, m.deltaReserved, m.kind, m.reason, m.reference, m.actorId]);
    return rows.length ? { onHand: rows[0].on_hand, reserved: rows[0].reserved } : undefined;
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
