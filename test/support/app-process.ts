import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { workerDatabaseUrl } from '../test-app';

export interface AppProcess {
  url: string;
  proc: ChildProcess;
  /** Every stdout line the app wrote (JSON logs). */
  lines: string[];
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * The real service (src/main.ts, compiled on load) as a child process on this worker's database, for tests
 * that SIGTERM or SIGKILL it. Resolves once it logs "Listening".
 */
export async function startAppProcess(env: Record<string, string> = {}): Promise<AppProcess> {
  const proc = spawn(process.execPath, ['-r', join(ROOT, 'test', 'support', 'register-ts.js'), join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: workerDatabaseUrl(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: '',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in 60 s:\n${stderr}\n${lines.join('\n')}`)), 60_000);
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        try {
          const log = JSON.parse(line) as { msg?: string; api?: string };
          if (log.msg === 'Listening' && log.api) {
            clearTimeout(timer);
            resolve(log.api.replace(/\/api$/, '').replace('localhost', '127.0.0.1'));
          }
        } catch {
          // the banner and other plain lines
        }
      }
    });
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { url, proc, lines, exited };
}
