import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { copyOut } from './copy-out';

/** A transaction handle passed explicitly between services (no ambient context). */
export type Tx = EntityManager;

/**
 * Awaits work sent together on one transaction (its statements leave in one write and are pipelined, see
 * AppClient). Unlike `Promise.all`, it returns or throws only once every branch has settled, so no branch can
 * still send a statement after the caller's ROLLBACK; and on failure it throws the first failure in the order
 * the branches are given (send order): after a failed statement PostgreSQL answers the ones behind it with
 * "current transaction is aborted", which would hide the cause.
 */
export async function together<T extends readonly unknown[]>(branches: readonly [...{ [K in keyof T]: Promise<T[K]> | T[K] }]): Promise<T> {
  const settled = await Promise.allSettled(branches);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

@Injectable()
export class TxRunner {
  constructor(private readonly ds: DataSource) {}

  /** READ COMMITTED (PostgreSQL's default) unless asked: no extra SET TRANSACTION round trip per transaction. */
  run<T>(work: (tx: Tx) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    return isolation ? this.ds.transaction(isolation, work) : this.ds.transaction(work);
  }

  /**
   * Read-only work that tolerates replica lag (order history, admin lists): on a read replica when
   * `DATABASE_REPLICA_URLS` is set (TypeORM replication, round-robin over the replicas), on the primary
   * otherwise. Everything else, including reads that must see a write just made, stays on the primary.
   */
  async read<T>(work: (m: Tx) => Promise<T>): Promise<T> {
    const qr = this.ds.createQueryRunner('slave');
    try {
      return await work(qr.manager);
    } finally {
      await qr.release();
    }
  }

  /** A `COPY … TO STDOUT` streamed on a connection of its own (`copyOut`), on the primary. */
  copyOut(sql: string): Promise<Readable> {
    return copyOut(this.ds, sql);
  }

  /** The non-transactional manager, for single-statement reads. */
  get manager(): Tx {
    return this.ds.manager;
  }
}
