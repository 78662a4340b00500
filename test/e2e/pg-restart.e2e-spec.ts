import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { runMigrations } from '../../src/database/migrate';
import { withDatabase } from '../../src/database/url';
import { createTestApp, type TestApp } from '../test-app';

/**
 * The database server itself stops and starts again under a running app: requests fail cleanly (503 on
 * readiness, never a hang) while it is down, and the app serves again on its own once it is back.
 * Its own PostgreSQL, so the rest of the suite is not disturbed.
 */
const ROOT = join(__dirname, '..', '..');

/** Starts (or restarts) the server on `dir`; resolves with its URL and the process to stop it with. */
function startServer(dir: string, port?: number): Promise<{ url: string; port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.js'), join(ROOT, 'test/support/pg-server.js'), dir, ...(port ? [String(port)] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout!.once('data', (c: Buffer) => resolve({ ...(JSON.parse(c.toString()) as { url: string; port: number }), proc }));
    proc.once('exit', (code) => reject(new Error(`pg-server exited with ${code}: ${err}`)));
  });
}
const stopServer = (proc: ChildProcess) => new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : (proc.once('exit', () => resolve()), proc.kill('SIGTERM'))));

describe('PostgreSQL restart', () => {
  let parent: string;
  let pg: { url: string; port: number; proc: ChildProcess };
  let t: TestApp;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'co-restart-'));
    chmodSync(parent, 0o755);
    pg = await startServer(join(parent, 'pg'));
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE restart_test');
    await admin.end();
    const url = withDatabase(pg.url, 'restart_test');
    await runMigrations(url);
    t = await createTestApp({ DATABASE_URL: url });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    if (pg) await stopServer(pg.proc);
    rmSync(parent, { recursive: true, force: true });
  });

  it('serves again after the server restarts, without an app restart', async () => {
    await request(t.http).get('/health/ready').expect(200);
    await request(t.http).get('/api/products').expect(200);

    await stopServer(pg.proc);
    const down = await request(t.http).get('/health/ready');
    expect(down.status).toBe(503);
    expect((await request(t.http).get('/api/products')).status).toBeGreaterThanOrEqual(500);

    pg = await startServer(join(parent, 'pg'), pg.port);
    let ready = 0;
    for (let i = 0; i < 60 && ready !== 200; i++) {
      ready = (await request(t.http).get('/health/ready')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready).toBe(200);
    const products = await request(t.http).get('/api/products').expect(200);
    expect(products.body).toHaveProperty('products');
  });
});
