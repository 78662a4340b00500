// Ceiling: S1's database work as one SQL transaction (bench/pgbench/checkout.sql), run by pgbench.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cpuDelta, cpuSnapshot } from '../lib/proc.mjs';
import { round, sleep, step } from '../lib/util.mjs';

const exec = promisify(execFile);

/** pgbench on PATH or in /usr/lib/postgresql/<version>/bin; installs postgresql-contrib (root, Debian) if missing. */
export async function findPgbench({ install = true } = {}) {
  const look = async () => {
    try {
      const { stdout } = await exec('sh', ['-c', 'command -v pgbench']);
      if (stdout.trim()) return stdout.trim();
    } catch {
      // not on PATH
    }
    const base = '/usr/lib/postgresql';
    if (existsSync(base)) {
      for (const v of readdirSync(base).sort().reverse()) {
        const p = join(base, v, 'bin/pgbench');
        if (existsSync(p)) return p;
      }
    }
    return null;
  };
  let bin = await look();
  if (!bin && install && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    step('pgbench not found: apt-get install postgresql-contrib');
    try {
      await exec('apt-get', ['update'], { timeout: 180_000 });
      await exec('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql-contrib'], { timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (e) {
      step(`  apt-get failed: ${e.message.split('\n')[0]}`);
    }
    bin = await look();
  }
  return bin;
}

/** Parses pgbench's summary. */
function parse(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : null;
  };
  return {
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/) ?? num(/tps = ([\d.]+)/),
    transactions: num(/number of transactions actually processed: (\d+)/),
    failed: num(/number of failed transactions: (\d+)/) ?? 0,
    latencyAvgMs: num(/latency average = ([\d.]+) ms/),
  };
}

/**
 * pgbench at each concurrency of S1, against the bench database.
 * @param {object} ctx
 */
export async function ceiling(ctx) {
  const { levels, seconds } = ctx.plan.ceiling;
  const bin = await findPgbench();
  if (!bin) {
    step('Ceiling: pgbench not available (install postgresql-contrib); skipped');
    return { skipped: 'pgbench not found' };
  }
  const { stdout: v } = await exec(bin, ['--version']);
  step(`Ceiling: ${bin} (${v.trim()}), bench/pgbench/checkout.sql, ${seconds} s per level`);
  await ctx.settle();
  const script = join(ctx.root, 'bench/pgbench/checkout.sql');
  const runs = [];
  // Every level with prepared statements (the best PostgreSQL can do), and concurrency 16 once more with
  // unnamed statements parsed and planned every time (-M extended), which is what the app's driver does.
  const plan = [...levels.map((c) => ({ c, mode: 'prepared' })), ...(levels.includes(16) ? [{ c: 16, mode: 'extended' }] : [])];
  for (const { c, mode } of plan) {
    const args = ['-n', '-M', mode, '-c', String(c), '-j', String(Math.min(c, 2)), '-T', String(seconds), '-f', script, ctx.db.url];
    try {
      const who = { appPids: [], postmasterPid: ctx.postmasterPid };
      const cpu0 = cpuSnapshot(who);
      const { stdout, stderr } = await exec(bin, args, { timeout: (seconds + 60) * 1000, maxBuffer: 16 * 1024 * 1024 });
      // pgbench's backends exit as it disconnects: give the postmaster a moment to reap them, or their CPU
      // time is in neither the live backends nor the postmaster's reaped-children total (seen at c=1).
      await sleep(500);
      const cpu = cpuDelta(cpu0, cpuSnapshot(who));
      const r = { clients: c, mode, ...parse(stdout + stderr), cpu: { pgPct: cpu.pgPct, pgbenchPct: cpu.childrenPct, otherPct: cpu.otherPct, machineBusyPct: cpu.machineBusyPct } };
      // PostgreSQL CPU per transaction (ms), comparable with S1's PostgreSQL CPU per order: all of the
      // server's CPU in the window over the transactions pgbench ran (-T seconds at the reported TPS).
      r.pgCpuMsPerTx = r.tps && cpu.pgPct != null ? round(((cpu.pgPct / 100) * cpu.secs * 1000) / (r.tps * seconds), 2) : null;
      step(
        `  c=${c} ${mode}: ${r.tps?.toFixed(1)} TPS, latency avg ${r.latencyAvgMs} ms${r.failed ? `, ${r.failed} failed` : ''}, ` +
          `PostgreSQL ${r.pgCpuMsPerTx} ms CPU/tx; CPU % of a core: pg ${cpu.pgPct ?? '?'} pgbench ${cpu.childrenPct} other ${cpu.otherPct}`,
      );
      runs.push(r);
    } catch (e) {
      step(`  c=${c} ${mode}: pgbench failed: ${String(e.stderr || e.message).split('\n').slice(0, 3).join(' | ')}`);
      runs.push({ clients: c, mode, error: String(e.stderr || e.message).slice(0, 500) });
    }
    await ctx.settle();
  }
  return { pgbench: v.trim(), script: 'bench/pgbench/checkout.sql', statementsPerTx: 15, runs };
}
