import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/** A transaction handle passed explicitly between services (no ambient context). */
export type Tx = EntityManager;

@Injectable()
export class TxRunner {
  constructor(private readonly ds: DataSource) {}

  /** READ COMMITTED (PostgreSQL's default) unless asked: no extra SET TRANSACTION round trip per transaction. */
  run<T>(work: (tx: Tx) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    return isolation ? this.ds.transaction(isolation, work) : this.ds.transaction(work);
  }

  /** The non-transactional manager, for single-statement reads. */
  get manager(): Tx {
    return this.ds.manager;
  }
}
