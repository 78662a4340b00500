import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CartService } from './cart.service';

const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes abandoned guest carts every 10 minutes. The DELETE is idempotent, so any number of instances
 * may run it at once without harm; no lock or job queue is needed for this one.
 */
@Injectable()
export class CartJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CartJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly carts: CartService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    if (this.config.env === 'test') return; // tests call CartService.purgeExpired() directly
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      const n = await this.carts.purgeExpired();
      if (n) this.logger.log({ deleted: n }, 'Expired guest carts deleted');
    } catch (e) {
      this.logger.warn({ err: e }, 'Guest cart purge failed; will retry');
    }
  }
}
