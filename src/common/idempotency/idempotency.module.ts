import { Global, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Deletes expired keys hourly. An idempotent DELETE: any number of instances may run it. */
@Injectable()
export class IdempotencyJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    if (this.config.env === 'test') return;
    this.timer = setInterval(() => void this.purge().catch((err: unknown) => this.logger.warn({ err }, 'Idempotency key purge failed')), 3600_000);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    const [, n] = (await this.ds.query('DELETE FROM idempotency_keys WHERE expires_at <= now()')) as [unknown, number];
    if (n) this.logger.log({ deleted: n }, 'Expired idempotency keys deleted');
    return n;
  }
}

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyJanitor, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
  exports: [IdempotencyJanitor],
})
export class IdempotencyModule {}
