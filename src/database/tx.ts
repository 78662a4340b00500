import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/** A transaction handle passed explicitly between services (no ambient context). */
export type Tx = EntityManager;

@Injectable()
export class TxRunner {
  constructor(private readonly ds: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>, isolation: IsolationLevel = 'READ COMMITTED'): Promise<T> {
    return this.ds.transaction(isolation, work);
  }

  /** The non-transactional manager, for single-statement reads. */
  get manager(): Tx {
    return this.ds.manager;
  }
}
