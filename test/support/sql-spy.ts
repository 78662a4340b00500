import { Client } from 'pg';

/**
 * Every statement the app sends to PostgreSQL while `work` runs, as node-postgres sees it (transaction control
 * and prepared statements included): for statement budgets and "no re-read" checks.
 */
export async function sqlDuring<T>(work: () => Promise<T>): Promise<{ result: T; texts: string[] }> {
  const texts: string[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
    const q = args[0] as string | { text: string };
    texts.push(typeof q === 'string' ? q : q.text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query);
  try {
    return { result: await work(), texts };
  } finally {
    spy.mockRestore();
  }
}
