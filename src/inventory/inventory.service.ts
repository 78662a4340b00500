import { Injectable, Logger } from '@nestjs/common';
import { CatalogService, variantNotFound } from '../catalog/catalog.service';
import { ValidationError } from '../common/errors/domain-error';
import { decodeCursor, toPage } from '../common/pagination';
import { type Tx, TxRunner } from '../database/tx';
import type { InventoryMovement, MovementKind } from './inventory-movement.entity';
import { InsufficientStockError, StockNotReservedError, VariantReservedError } from './inventory.errors';
import { InventoryRepository, type Levels } from './inventory.repository';

export interface StockLine {
  variantId: string;
  quantity: number;
}

export interface StockLevels {
  variantId: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface MovementOptions {
  /** Ledger text; each kind has a default. */
  reason?: string;
  actorId?: string | null;
}

type LineKind = 'reserve' | 'release' | 'commit' | 'decrement' | 'restock';

const DEFAULT_REASON: Record<LineKind, string> = {
  reserve: 'Reserved for checkout',
  release: 'Reservation released',
  commit: 'Reservation committed to order',
  decrement: 'Sold',
  restock: 'Restocked',
};

/** How each kind moves the two counters, per unit. */
const DELTAS: Record<LineKind, { onHand: number; reserved: number }> = {
  reserve: { onHand: 0, reserved: 1 },
  release: { onHand: 0, reserved: -1 },
  commit: { onHand: -1, reserved: -1 },
  decrement: { onHand: -1, reserved: 0 },
  restock: { onHand: 1, reserved: 0 },
};

const MAX_QUANTITY = 1_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const toLevels = (variantId: string, l: Levels): StockLevels => ({ variantId, ...l, available: l.onHand - l.reserved });

/**
 * Stock per variant and its ledger. Every change is one conditional UPDATE with its ledger row, in one
 * statement. The line methods take the caller's `tx`, lock rows in variant-id order (no deadlocks between
 * two multi-line checkouts) and throw on the first line that cannot be applied, so the caller's transaction
 * rolls back as a whole.
 */
@Injectable()
export class InventoryService {
  private readonly logger = new Logger(InventoryService.name);

  constructor(
    private readonly repo: InventoryRepository,
    private readonly catalog: CatalogService,
    private readonly txRunner: TxRunner,
  ) {}

  /** Creates the stock rows of new variants (`initialStock` defaults to 0), with an `initial` ledger row where > 0. */
  async track(tx: Tx, lines: { variantId: string; initialStock?: number }[], opts: MovementOptions = {}): Promise<void> {
    const rows = lines.map((l) => ({ variantId: l.variantId, onHand: l.initialStock ?? 0 }));
    await this.repo.insertStock(tx, rows);
    await this.repo.insertMovements(
      tx,
      rows
        .filter((r) => r.onHand > 0)
        .map((r) => ({ variantId: r.variantId, deltaOnHand: r.onHand, deltaReserved: 0, kind: 'initial', reason: opts.reason ?? 'Initial stock', reference: null, actorId: opts.actorId ?? null })),
    );
  }

  async levels(variantId: string, tx: Tx = this.txRunner.manager): Promise<StockLevels> {
    const l = (await this.repo.levels(tx, [variantId])).get(variantId);
    if (!l) throw variantNotFound();
    return toLevels(variantId, l);
  }

  /** Levels of many variants in one query; variants without a stock row are absent. */
  async levelsMany(variantIds: string[], tx: Tx = this.txRunner.manager): Promise<Map<string, StockLevels>> {
    const rows = await this.repo.levels(tx, [...new Set(variantIds)]);
    return new Map([...rows].map(([id, l]) => [id, toLevels(id, l)]));
  }

  /** `onHand - reserved` per requested variant (0 for unknown ones), in one query. */
  async availability(variantIds: string[], tx: Tx = this.txRunner.manager): Promise<Map<string, number>> {
    const levels = await this.levelsMany(variantIds, tx);
    return new Map(variantIds.map((id) => [id, levels.get(id)?.available ?? 0]));
  }

  /**
   * Admin stock adjustment by a signed delta, atomically: `on_hand + delta` must stay ≥ `reserved`.
   * 404 VARIANT_NOT_FOUND when the variant has no stock row, 400 INSUFFICIENT_STOCK otherwise.
   */
  async adjust(variantId: string, delta: number, reason: string, actorId: string | null): Promise<StockLevels> {
    if (!Number.isInteger(delta) || delta === 0 || Math.abs(delta) > MAX_QUANTITY) {
      throw new ValidationError('delta must be a non-zero integer of at most 1000000 in absolute value');
    }
    const levels = await this.txRunner.run(async (tx) => {
      const after = await this.repo.move(tx, { variantId, deltaOnHand: delta, deltaReserved: 0, kind: 'adjustment', reason, reference: null, actorId });
      if (!after) throw await this.failure(tx, 'adjust', { variantId, quantity: delta });
      return toLevels(variantId, after);
    });
    this.logger.log({ variantId, delta, onHand: levels.onHand, actorId }, 'Stock adjusted');
    return levels;
  }

  /**
   * Locks the stock rows of these variants in variant-id order. A transaction that changes stock in more
   * than one pass (release an old checkout, then reserve a new one) takes its locks here first, so every
   * transaction acquires stock locks in one global order and none can deadlock.
   */
  async lockRows(tx: Tx, variantIds: string[]): Promise<void> {
    if (variantIds.length) await this.repo.levels(tx, [...new Set(variantIds.map((id) => id.toLowerCase()))].sort(), { lock: true });
  }

  /** Holds stock for a checkout: `reserved += q` where `on_hand - reserved >= q`. */
  reserve(tx: Tx, lines: StockLine[], reference: string, opts?: MovementOptions): Promise<void> {
    return this.apply(tx, 'reserve', lines, reference, opts);
  }

  /** Gives reserved stock back (expiry, failure, cancel): `reserved -= q`. */
  release(tx: Tx, lines: StockLine[], reference: string, opts?: MovementOptions): Promise<void> {
    return this.apply(tx, 'release', lines, reference, opts);
  }

  /** Turns a reservation into a sale: `on_hand -= q, reserved -= q`. */
  commit(tx: Tx, lines: StockLine[], reference: string, opts?: MovementOptions): Promise<void> {
    return this.apply(tx, 'commit', lines, reference, opts);
  }

  /** Sells without a reservation (direct orders): `on_hand -= q` where `on_hand - reserved >= q`. */
  decrement(tx: Tx, lines: StockLine[], reference: string, opts?: MovementOptions): Promise<void> {
    return this.apply(tx, 'decrement', lines, reference, opts);
  }

  /** Puts sold units back (cancel, refund with restock): `on_hand += q`. */
  restock(tx: Tx, lines: StockLine[], reference: string, opts?: MovementOptions): Promise<void> {
    return this.apply(tx, 'restock', lines, reference, opts);
  }

  /**
   * Units still sold under these ledger references (an order and its checkout), per variant: what a
   * cancellation may put back. Derived from the ledger, so restocking twice is impossible.
   */
  async soldUnder(tx: Tx, references: string[]): Promise<StockLine[]> {
    const rows: { variant_id: string; sold: number }[] = await tx.query(
      `SELECT variant_id, (-sum(delta_on_hand))::int AS sold FROM inventory_movements
       WHERE reference = ANY($1) GROUP BY variant_id HAVING sum(delta_on_hand) < 0 ORDER BY variant_id`,
      [references],
    );
    return rows.map((r) => ({ variantId: r.variant_id, quantity: r.sold }));
  }

  /** Locks the stock row and refuses (409) while checkouts hold some of it; used before deleting a variant. */
  async assertNotReserved(tx: Tx, variantId: string): Promise<void> {
    const l = (await this.repo.levels(tx, [variantId], { lock: true })).get(variantId);
    if (l && l.reserved > 0) throw new VariantReservedError(variantId, l.reserved);
  }

  async movements(variantId: string, limit: number, cursor?: string): Promise<{ items: InventoryMovement[]; nextCursor: string | null }> {
    const tx = this.txRunner.manager;
    const after = decodeCursor(cursor);
    if (!(await this.repo.levels(tx, [variantId])).has(variantId)) throw variantNotFound();
    return toPage(await this.repo.movements(tx, variantId, limit, after), limit);
  }

  /** One statement per line (the change with its ledger row), in variant-id order: the fixed lock order. */
  /** One statement for the whole movement (MOVE for one line, MOVE_MANY for several, locking in variant-id order). */
  private async apply(tx: Tx, kind: LineKind, lines: StockLine[], reference: string, opts: MovementOptions = {}): Promise<void> {
    const d = DELTAS[kind];
    const merged = mergeLines(lines);
    const movements = merged.map((line) => ({
      variantId: line.variantId,
      deltaOnHand: d.onHand * line.quantity,
      deltaReserved: d.reserved * line.quantity,
      kind: kind satisfies MovementKind,
      reason: opts.reason ?? DEFAULT_REASON[kind],
      reference,
      actorId: opts.actorId ?? null,
    }));
    if (movements.length === 1) {
      if (!(await this.repo.move(tx, movements[0]!))) throw await this.failure(tx, kind, merged[0]!);
      return;
    }
    const moved = await this.repo.moveMany(tx, movements);
    const missing = merged.find((line) => !moved.has(line.variantId));
    if (missing) throw await this.failure(tx, kind, missing);
  }

  /** Why a conditional UPDATE matched no row: the variant is unknown, or the stock is not there. */
  private async failure(tx: Tx, kind: LineKind | 'adjust', line: StockLine): Promise<Error> {
    const l = (await this.repo.levels(tx, [line.variantId])).get(line.variantId);
    if (!l) return variantNotFound();
    const [info] = await this.catalog.variants([line.variantId], tx);
    const label = info?.label ?? line.variantId;
    if (kind === 'release' || kind === 'commit') return new StockNotReservedError(label, line.variantId, l.reserved, line.quantity);
    return new InsufficientStockError(label, line.variantId, l.onHand - l.reserved);
  }
}

/** Sums duplicate variants and sorts by variant id: the fixed lock order. */
function mergeLines(lines: StockLine[]): StockLine[] {
  if (!lines.length) throw new ValidationError('At least one stock line is required');
  const byVariant = new Map<string, number>();
  for (const line of lines) {
    const variantId = line.variantId.toLowerCase();
    const { quantity } = line;
    if (!UUID.test(variantId)) throw new ValidationError(`Invalid variant id: ${line.variantId}`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new ValidationError(`quantity must be an integer between 1 and ${MAX_QUANTITY}`);
    }
    byVariant.set(variantId, (byVariant.get(variantId) ?? 0) + quantity);
  }
  return [...byVariant]
    .map(([variantId, quantity]) => ({ variantId, quantity }))
    .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
}
