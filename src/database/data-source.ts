import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { SnakeNamingStrategy } from './naming.strategy';
import { AppClient } from './app-client';

/** The one set of connection options, used by the app, the migration CLI and the tests. Never `synchronize`. */
export function dataSourceOptions(url: string, poolSize = 10, replicaUrls: string[] = [], prepared = true): DataSourceOptions {
  return {
    type: 'postgres',
    // With replicas, TypeORM keeps one pool per server. `defaultMode: master`: only reads that ask for a
    // replica (TxRunner.read) go there; every other query, transactional or not, stays on the primary.
    ...(replicaUrls.length ? { replication: { master: { url }, slaves: replicaUrls.map((u) => ({ url: u })), defaultMode: 'master' as const } } : { url }),
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install.
    uuidExtension: 'pgcrypto',
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: poolSize, connectionTimeoutMillis: 10_000, application_name: 'checkout-orders', Client: AppClient, preparedStatements: prepared },
  };
}

/** Entities by file, for the typeorm CLI (the app registers them per module with autoLoadEntities). */
export const ENTITY_GLOBS = [join(__dirname, '..', '**', '*.entity.{js,ts}')];
