import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env';
import { dataSourceOptions, ENTITY_GLOBS } from './data-source';

/** For the typeorm CLI only; run through `npm run migration:*` (scripts/db.ts provides DATABASE_URL). */
const url = validateEnv(process.env).DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set: run migrations through `npm run migration:<cmd>`');

export default new DataSource({ ...dataSourceOptions(url, 2), entities: ENTITY_GLOBS });
