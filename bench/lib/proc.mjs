// Linux /proc readings: CPU time of the app, PostgreSQL and the harness, and memory of the app process.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setInterval, clearInterval } from 'node:timers';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we know of
}

/** Fields of /proc/<pid>/stat (after the command name), or null when the process is gone. */
function statFields(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime (own), and cutime + cstime (reaped children), in ticks. */
function ticksOf(pid) {
  const f = statFields(pid);
  if (!f) return { own: 0, children: 0, ppid: 0 };
  // After "pid (comm) ": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]), ppid: Number(f[1]) };
}

/** Every process whose parent is `ppid`. */
function childrenOf(ppid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(d);
    if (f && Number(f[1]) === ppid) out.push(Number(d));
  }
  return out;
}

/** The postmaster of a backend pid on this machine (null when the server is elsewhere). */
export function postmasterOf(backendPid) {
  if (!backendPid || !existsSync(`/proc/${backendPid}`)) return null;
  return ticksOf(backendPid).ppid || null;
}

/** Machine-wide busy and total ticks (all cores) from /proc/stat. */
function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((s, x) => s + x, 0);
  const idle = line[3] + (line[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * A CPU snapshot: app processes, the PostgreSQL server (postmaster + live backends + reaped ones), the
 * harness, and the machine. `cpuDelta(a, b)` turns two snapshots into percentages of one core.
 * @param {{ appPids: number[], postmasterPid: number | null }} who
 */
export function cpuSnapshot(who) {
  const t = Date.now();
  const apps = who.appPids.map((pid) => ticksOf(pid).own);
  let pg = null;
  if (who.postmasterPid) {
    const pm = ticksOf(who.postmasterPid);
    pg = pm.own + pm.children + childrenOf(who.postmasterPid).reduce((s, pid) => s + ticksOf(pid).own, 0);
  }
  const u = process.cpuUsage();
  // Reaped children of the harness (pgbench; app instances once stopped).
  const children = ticksOf(process.pid).children;
  return { t, apps, pg, harnessUs: u.user + u.system, children, machine: machineTicks() };
}

/** Percent of one core used between two snapshots (200 % = both cores of a 2-core machine). */
export function cpuDelta(a, b) {
  const secs = (b.t - a.t) / 1000;
  const pct = (ticks) => Math.round(((ticks / clkTck) / secs) * 1000) / 10;
  const m = { busy: b.machine.busy - a.machine.busy, total: b.machine.total - a.machine.total };
  const appPct = b.apps.map((x, i) => pct(x - (a.apps[i] ?? 0)));
  const pgPct = a.pg == null || b.pg == null ? null : pct(b.pg - a.pg);
  const harnessPct = Math.round(((b.harnessUs - a.harnessUs) / 1e6 / secs) * 1000) / 10;
  const childrenPct = pct(b.children - a.children);
  const machineBusyPct = m.total > 0 ? Math.round((m.busy / m.total) * 1000) / 10 : null;
  // Everything else on the machine (other jobs, the kernel), in % of one core: a noisy neighbour shows here.
  const cores = cpus().length;
  const otherPct =
    machineBusyPct == null ? null : Math.max(0, Math.round(machineBusyPct * cores - appPct.reduce((s, x) => s + x, 0) - (pgPct ?? 0) - harnessPct - childrenPct));
  return { appPct, pgPct, harnessPct, childrenPct, otherPct, machineBusyPct, secs };
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function memoryOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Samples VmRSS every `everyMs` until stopped; returns the largest value seen. */
export function sampleRss(pid, everyMs = 25) {
  let peak = memoryOf(pid).rss;
  const timer = setInterval(() => {
    const { rss } = memoryOf(pid);
    if (rss > peak) peak = rss;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const { rss } = memoryOf(pid);
      return Math.max(peak, Number.isNaN(rss) ? 0 : rss);
    },
  };
}
