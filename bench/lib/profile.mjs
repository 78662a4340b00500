// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package, app frames mapped
// back to their TypeScript file:line through the build's source maps.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const maps = new Map();
function sourceMapFor(file) {
  if (!maps.has(file)) {
    let m = null;
    try {
      const mapFile = `${file}.map`;
      if (existsSync(mapFile)) m = { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), dir: dirname(file) };
    } catch {
      m = null;
    }
    maps.set(file, m);
  }
  return maps.get(file);
}

/** Where a frame's code lives: app source (TS file:line), a package, or Node itself. */
function locate(callFrame, root, buildDir) {
  const url = callFrame.url || '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (!file) return { group: callFrame.functionName ? '(native/V8)' : '(program)', where: '' };
  if (file.startsWith('node:') || !file.startsWith('/')) return { group: '(node core)', where: file };
  if (buildDir && file.startsWith(buildDir)) {
    const sm = sourceMapFor(file);
    const e = sm?.map.findEntry(callFrame.lineNumber, callFrame.columnNumber);
    if (e && e.originalSource) {
      const src = relative(root, resolve(sm.dir, e.originalSource.replace(/^file:\/\//, '')));
      return { group: `app: ${src.split('/').slice(0, 2).join('/')}`, where: `${src}:${e.originalLine + 1}` };
    }
    return { group: 'app', where: `${relative(buildDir, file)}:${callFrame.lineNumber + 1}` };
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (m) return { group: m[1], where: `${m[1]}/${file.split(`node_modules/${m[1]}/`).pop()}:${callFrame.lineNumber + 1}` };
  return { group: 'other', where: `${file}:${callFrame.lineNumber + 1}` };
}

/**
 * @param {string} file a .cpuprofile
 * @param {{ root: string, buildDir: string, top?: number, window?: { fromUs: number, toUs: number } }} o
 */
export function summarizeProfile(file, o) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Only the samples inside the load window (µs of CLOCK_MONOTONIC, as process.hrtime in the harness): start-up
  // and shutdown are not what we are profiling. Falls back to every sample if the clocks do not line up.
  const collect = (win) => {
    const self = new Map();
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (win && (t < win.fromUs || t > win.toUs)) continue;
      const id = p.samples[i];
      self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
    return self;
  };
  let self = collect(o.window);
  const windowed = o.window != null && self.size > 0;
  if (!windowed) self = collect(null);
  const totalUs = [...self.values()].reduce((s, x) => s + x, 0);
  const fns = new Map();
  const groups = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const { group, where } = locate(n.callFrame, o.root, o.buildDir);
    const name = n.callFrame.functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const f = fns.get(key) ?? { function: name, where, group, us: 0 };
    f.us += us;
    fns.set(key, f);
    const g = name === '(garbage collector)' || name === '(program)' ? name : group;
    if (name !== '(idle)') groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const idleUs = [...fns.values()].filter((f) => f.function === '(idle)').reduce((s, f) => s + f.us, 0);
  // Percentages of the busy (non-idle) time.
  const busyUs = totalUs - idleUs;
  const pct = (us) => Math.round((us / busyUs) * 1000) / 10;
  return {
    file,
    windowed,
    sampledS: Math.round(totalUs / 1e4) / 100,
    busyPct: Math.round((busyUs / totalUs) * 1000) / 10,
    topFunctions: [...fns.values()]
      .filter((f) => f.function !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, o.top ?? 30)
      .map((f) => ({ selfPct: pct(f.us), selfMs: Math.round(f.us / 1000), function: f.function, where: f.where, group: f.group })),
    byGroup: [...groups.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([group, us]) => ({ group, selfPct: pct(us), selfMs: Math.round(us / 1000) })),
  };
}
