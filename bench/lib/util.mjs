// Small helpers shared by the harness: timing, percentiles, formatting, output.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';

export const now = () => performance.now();
export const sleep = (ms) => delay(ms);

/** Writes a line to stdout (the repo's lint forbids console.*). */
export function log(...parts) {
  process.stdout.write(`${parts.join(' ')}\n`);
}

/** A progress line prefixed with the elapsed time of the run. */
const T0 = Date.now();
export function step(msg) {
  const s = ((Date.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${s}s] ${msg}\n`);
}

/**
 * Nearest-rank percentile of an unsorted array of numbers (ms). `null` when empty.
 * @param {number[]} values
 * @param {number} p 0..100
 */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** p50/p95/p99/max/mean of a latency sample, rounded to 0.1 ms. */
export function summarize(values) {
  const r = (x) => (x == null ? null : Math.round(x * 10) / 10);
  if (!values.length) return { n: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { n: sorted.length, p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(sorted[sorted.length - 1]), mean: r(mean) };
}

export const round = (x, d = 1) => (x == null || Number.isNaN(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

export function fmtMs(x) {
  if (x == null) return '–';
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1);
}

export function fmtBytes(n) {
  if (n == null) return '–';
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * Deterministic, ordered UUIDs for seeded rows: `<prefix>0000000-0000-4000-8000-<n as 12 hex digits>`.
 * Byte order = numeric order, so "variant k1 < variant k2" holds for the uuid too (lock order in pgbench).
 * The SQL twin is `benchIdSql` below; keep them in step.
 * @param {string} prefix one hex digit
 * @param {number} n
 */
export function benchId(prefix, n) {
  return `${prefix}0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** SQL expression producing benchId(prefix, <expr>). */
export function benchIdSql(prefix, expr) {
  return `('${prefix}0000000-0000-4000-8000-' || lpad(to_hex(${expr}), 12, '0'))::uuid`;
}

/** The app's keyset cursor (src/common/pagination.ts encodeCursor): base64url of `<ISO createdAt>|<id>`. */
export function encodeCursor(createdAt, id) {
  return Buffer.from(`${new Date(createdAt).toISOString()}|${id}`).toString('base64url');
}

/** Runs `fn(i)` for i in 0..n-1 concurrently and waits for all. */
export async function parallel(n, fn) {
  await Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

/** Rejects after `ms` with a labelled error (the promise itself is not cancelled). */
export async function withTimeout(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
