import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { type Tx, TxRunner } from '../database/tx';
import { EmailComposer, UndeliverableError } from './email-composer';
import { MAILER, type Mailer } from './mailer';
import { NotificationsRepository, type OutboxRow } from './notifications.repository';

export interface DrainResult {
  /** Emails handed to the transport. */
  sent: number;
  /** Processed with nothing to send (e.g. on-hold notice without ADMIN_EMAIL). */
  skipped: number;
  /** Failed and rescheduled with backoff. */
  retried: number;
  /** Given up on: `failed_at` set (dead letter). */
  failed: number;
}

/** Retry n (1-based) waits base × 2^(n−1) seconds, capped: 30 s, 60 s, 120 s, … up to the cap. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(baseSeconds * 2 ** exp, maxSeconds);
}

/**
 * A failure that retrying cannot fix: the message itself is bad, or the SMTP server refused the recipient
 * for good (5xx on RCPT TO). Anything else (connection refused, timeouts, 4xx, authentication, a 5xx on
 * another command, which is usually configuration) is retried until OUTBOX_MAX_ATTEMPTS.
 */
export function isPermanentFailure(e: unknown): boolean {
  if (e instanceof UndeliverableError) return true;
  const err = e as { permanent?: boolean; command?: string } | null;
  return !!err && err.permanent === true && typeof err.command === 'string' && /^RCPT\b/i.test(err.command);
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 1000);

/**
 * Delivers the transactional outbox. Each batch is one transaction: due rows are claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so any number of instances drain the same table and a message is only
 * ever in one worker's hands; each is rendered, sent, and marked (processed, or retried with exponential
 * backoff, or dead-lettered), and the marks commit with the batch. Delivery is at least once: a crash after
 * a send and before the commit sends that batch's messages again. Runs every OUTBOX_POLL_SECONDS outside
 * tests; tests call `drain()`.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private timer?: NodeJS.Timeout;
  private ticking = false;
  /** Every drain in progress (the timer's, or a direct call), so shutdown can wait for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly tx: TxRunner,
    private readonly repo: NotificationsRepository,
    private readonly composer: EmailComposer,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {}

  onApplicationBootstrap() {
    if (this.config.env === 'test') return; // tests call drain() directly
    this.timer = setInterval(() => this.tick(), this.config.outbox.pollSeconds * 1000);
    this.timer.unref();
  }

  /**
   * Stops polling and lets the batches in flight finish (their marks commit) before Nest closes the
   * database connection (that happens in onApplicationShutdown), then closes the transport.
   */
  async beforeApplicationShutdown() {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    await this.mailer.close();
  }

  private tick() {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    this.drain()
      .catch((e: unknown) => this.logger.warn({ err: describe(e) }, 'Outbox drain failed; will retry'))
      .finally(() => (this.ticking = false));
  }

  /**
   * Handles every due message, batch after batch, until none is left (or shutdown begins). `now` replaces
   * the database clock for what is due and for the retry schedule (tests).
   */
  drain(now?: Date): Promise<DrainResult> {
    const run = this.drainBatches(now ?? null);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  private async drainBatches(now: Date | null): Promise<DrainResult> {
    const total: DrainResult = { sent: 0, skipped: 0, retried: 0, failed: 0 };
    const { batchSize } = this.config.outbox;
    while (!this.stopping) {
      const { claimed, result } = await this.tx.run(async (tx) => {
        const rows = await this.repo.claimDue(tx, batchSize, now);
        const r: DrainResult = { sent: 0, skipped: 0, retried: 0, failed: 0 };
        const done: string[] = [];
        for (const row of rows) {
          if (this.stopping) break; // the rest stay due; their locks go with the commit
          const outcome = await this.handle(tx, row, now);
          if (outcome === 'sent' || outcome === 'skipped') done.push(row.id);
          r[outcome] += 1;
        }
        await this.repo.markProcessed(tx, done);
        return { claimed: rows.length, result: r };
      });
      for (const k of Object.keys(total) as (keyof DrainResult)[]) total[k] += result[k];
      if (claimed < batchSize) break;
    }
    return total;
  }

  /** Sends one message; a success is marked with the batch (markProcessed), a failure here. */
  private async handle(tx: Tx, row: OutboxRow, now: Date | null): Promise<keyof DrainResult> {
    const attempts = row.attempts + 1;
    const { maxAttempts, retryBaseSeconds, retryMaxSeconds } = this.config.outbox;
    try {
      // Composing reads outside the batch's transaction: a failed query there cannot abort the batch (and
      // with it the marks of messages already sent), so no savepoint per message is needed.
      const email = await this.composer.compose(this.tx.manager, row.topic, row.payload);
      if (email) {
        const info = await this.mailer.send(email);
        this.logger.log({ outboxId: row.id, topic: row.topic, messageId: info.messageId, attempts }, 'Email sent');
      }
      return email ? 'sent' : 'skipped';
    } catch (e) {
      const error = describe(e);
      if (isPermanentFailure(e) || attempts >= maxAttempts) {
        await this.repo.markFailed(tx, row.id, attempts, error);
        this.logger.error({ outboxId: row.id, topic: row.topic, attempts, err: error }, 'Email dead-lettered (failed_at set)');
        return 'failed';
      }
      const delay = retryDelaySeconds(attempts, retryBaseSeconds, retryMaxSeconds);
      await this.repo.markRetry(tx, row.id, attempts, error, delay, now);
      this.logger.warn({ outboxId: row.id, topic: row.topic, attempts, retryInSeconds: delay, err: error }, 'Email failed; will retry');
      return 'retried';
    }
  }
}
