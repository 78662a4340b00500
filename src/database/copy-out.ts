import { finished, type Readable } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';

/**
 * Runs a `COPY … TO STDOUT` on a connection of its own and returns its bytes as a stream (backpressure: a slow
 * reader pauses the connection, and PostgreSQL waits). Resolves once the first bytes (or the end) arrived, so
 * an error in the statement is thrown here, before any response is sent. The connection goes back to the pool
 * when the copy has been read to its end; a copy abandoned half-way (the reader went away, an error) closes its
 * connection instead, which is how a running COPY is stopped.
 */
export async function copyOut(ds: DataSource, sql: string): Promise<Readable> {
  const pool = (ds.driver as unknown as { master: Pool }).master;
  const client: PoolClient = await pool.connect();
  // node-postgres refuses a COPY on a pipelining connection (AppClient's); this one is idle until the copy ends.
  const pipelining = client as unknown as { pipeline: boolean };
  const pipeline = pipelining.pipeline;
  pipelining.pipeline = false;
  const copy = client.query(copyTo(sql));
  finished(copy, (err) => {
    // Only a connection that goes back to the pool pipelines again; one ended mid-copy must end at once
    // (a pipelining client's end() would wait for the COPY to finish first).
    if (!err) pipelining.pipeline = pipeline;
    client.release(err ?? undefined);
  });
  await new Promise<void>((resolve, reject) => {
    const onReadable = () => {
      copy.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      copy.off('readable', onReadable);
      reject(err);
    };
    copy.once('readable', onReadable);
    copy.once('error', onError);
  });
  return copy;
}
