import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { PaymentEvent } from './payment-event.entity';
import { PAYMENT_PROVIDER, type PaymentProvider } from './payment-provider';
import { SandboxObject } from './sandbox-object.entity';
import { SandboxProvider } from './sandbox.provider';
import { StripeEvents } from './stripe-events';
import { StripeProvider } from './stripe.provider';

/**
 * The payment provider behind one interface (`PAYMENT_PROVIDER`): Stripe with a key, the sandbox without.
 * No knowledge of checkouts or orders: callers pass ids in metadata.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PaymentEvent, SandboxObject])],
  providers: [
    StripeEvents,
    SandboxProvider,
    {
      provide: PAYMENT_PROVIDER,
      inject: [AppConfig, SandboxProvider],
      useFactory: (config: AppConfig, sandbox: SandboxProvider): PaymentProvider =>
        config.payments.provider === 'stripe' ? new StripeProvider(config) : sandbox,
    },
  ],
  exports: [PAYMENT_PROVIDER, StripeEvents, SandboxProvider],
})
export class PaymentsModule {}

