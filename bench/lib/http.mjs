// The load generator: undici connection pools (keep-alive, bounded connections) on loopback.
import { Pool } from 'undici';
import { now } from './util.mjs';

const HEADERS_TIMEOUT_MS = 30_000;
const BODY_TIMEOUT_MS = 60_000;

/** A failed step of a scenario: which request, what status and error code came back. */
export class StepError extends Error {
  constructor(step, status, code, message) {
    super(`${step}: HTTP ${status} ${code ?? ''} ${message ?? ''}`.trim());
    this.step = step;
    this.status = status;
    this.code = code ?? null;
  }
}

/**
 * One app instance: an undici Pool with at most `connections` sockets.
 * @param {string} origin e.g. http://127.0.0.1:3100
 * @param {number} connections
 */
export function client(origin, connections) {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_TIMEOUT_MS });
}

/**
 * One JSON request; the body is always consumed. Returns status, parsed JSON (if any), latency (ms) and size.
 * @param {import('undici').Pool} pool
 * @param {string} method
 * @param {string} path
 * @param {{ headers?: Record<string,string>, body?: unknown, token?: string }} [opts]
 */
export async function call(pool, method, path, opts = {}) {
  const headers = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const t0 = now();
  const res = await pool.request({ method, path, headers, body });
  const text = await res.body.text();
  const ms = now() - t0;
  let json;
  if (text && String(res.headers['content-type'] ?? '').includes('json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.statusCode, headers: res.headers, json, ms, bytes: text.length };
}

/** Throws a StepError unless the response has the expected status. */
export function expectStatus(step, res, ...ok) {
  if (!ok.includes(res.status)) throw new StepError(step, res.status, res.json?.code, res.json?.message);
  return res;
}

/** Logs in and returns the access token. */
export async function login(pool, email, password) {
  const r = expectStatus('login', await call(pool, 'POST', '/api/auth/login', { body: { email, password } }), 200);
  return r.json.accessToken;
}

/**
 * Picks the next pool in turn: with several app instances every request may land on another instance,
 * like a load balancer without sticky sessions (the app is stateless).
 * @param {import('undici').Pool[]} pools
 */
export function roundRobin(pools) {
  let i = 0;
  return () => pools[i++ % pools.length];
}
