import { Module } from '@nestjs/common';
import { CheckoutModule } from '../checkout/checkout.module';
import { OrdersModule } from '../orders/orders.module';
import { PaymentsModule } from '../payments/payments.module';
import { SandboxController } from './sandbox.controller';
import { WebhookHandler } from './webhook-handler.service';
import { WebhooksController } from './webhooks.controller';

/** Provider events in: the Stripe webhook, and the sandbox's simulated deliveries through the same path. */
@Module({
  imports: [PaymentsModule, CheckoutModule, OrdersModule],
  controllers: [WebhooksController, SandboxController],
  providers: [WebhookHandler],
  exports: [WebhookHandler],
})
export class WebhooksModule {}
