import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TxRunner } from '../database/tx';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../payments/payment-provider';
import { CheckoutCompletion } from './checkout-completion.service';
import { Checkout } from './checkout.entity';

const EVERY_MS = 15_000;
const BATCH = 100;

/**
 * Releases the stock of checkouts whose reservation expired. Each instance claims due rows with
 * `FOR UPDATE SKIP LOCKED`, so several instances share the work and never release one twice; a checkout
 * being completed at that moment is locked, skipped, and (being completed) not due any more.
 */
@Injectable()
export class ReservationExpiry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReservationExpiry.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly tx: TxRunner,
    private readonly completion: CheckoutCompletion,
    private readonly config: AppConfig,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  onApplicationBootstrap() {
    if (this.config.env === 'test') return; // tests call sweep() directly
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'Reservation sweep failed; will retry'))
        .finally(() => (this.running = undefined));
    }, EVERY_MS);
    this.timer.unref();
  }

  /** Before the connection closes (TypeORM closes it in onApplicationShutdown): stop and let a sweep finish. */
  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Expires every due checkout; returns how many. One transaction per checkout: releasing several
   * checkouts in one transaction would lock their stock rows out of variant-id order and could deadlock
   * with a concurrent multi-line checkout.
   */
  async sweep(now = new Date()): Promise<number> {
    let total = 0;
    for (let i = 0; i < BATCH; i++) {
      const expired = await this.tx.run(async (tx) => {
        const due = await tx
          .getRepository(Checkout)
          .createQueryBuilder('c')
          .where(`c.status = 'awaiting_payment' AND c.expires_at <= :now`, { now })
          .orderBy('c.expires_at')
          .limit(1)
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getOne();
        if (due) await this.completion.close(tx, due, 'expired');
        return due;
      });
      if (!expired) break;
      total++;
      await this.cancelPayment(expired);
    }
    if (total) this.logger.log({ count: total }, 'Expired checkout reservations released');
    return total;
  }

  /** Best effort: a payment made after this still becomes an order (on hold if the stock is gone). */
  private async cancelPayment(c: Checkout) {
    try {
      if (c.providerSessionId) await this.provider.expireSession(c.providerSessionId);
      else if (c.paymentIntentId) await this.provider.cancelIntent(c.paymentIntentId);
    } catch (e) {
      this.logger.warn({ checkoutId: c.id, err: e instanceof Error ? e.message : String(e) }, 'Could not cancel an expired payment');
    }
  }
}
