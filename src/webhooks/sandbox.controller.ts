import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Public } from '../common/auth/auth.decorators';
import { ConflictError, NotFoundError } from '../common/errors/domain-error';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AppConfig } from '../config/app-config';
import { SandboxProvider } from '../payments/sandbox.provider';
import { checkoutSessionObject, eventOf, paymentIntentObject } from '../payments/stripe-shapes';
import { StripeEvents } from '../payments/stripe-events';
import { WEBHOOK_OUTCOMES, WebhookHandler, type WebhookOutcome } from './webhook-handler.service';

export class SandboxFailDto {
  @ApiPropertyOptional({ example: 'Your card was declined.' }) @IsOptional() @IsString() @MaxLength(200) message?: string;
}

class SandboxDelivery {
  @ApiProperty({ example: 'evt_sandbox_5f0c…' }) eventId!: string;
  @ApiProperty({ example: 'payment_intent.succeeded' }) type!: string;
  @ApiProperty({ enum: WEBHOOK_OUTCOMES, description: 'What the webhook handler did with the event' }) outcome!: WebhookOutcome;
}

/**
 * The sandbox provider's "payment page": settles an offline intent or session, then delivers the event a
 * real Stripe account would send, signed with STRIPE_WEBHOOK_SECRET and verified by the same code as
 * `/payments/stripe/webhook`. Only with PAYMENT_PROVIDER=sandbox; 404 otherwise.
 */
@ApiTags('payments')
@Public()
@Controller('payments/sandbox')
export class SandboxController {
  constructor(
    private readonly sandbox: SandboxProvider,
    private readonly events: StripeEvents,
    private readonly handler: WebhookHandler,
    private readonly config: AppConfig,
  ) {}

  @Post('intents/:id/succeed')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sandbox: the buyer pays; delivers payment_intent.succeeded' })
  @ApiOkResponse({ type: SandboxDelivery })
  @ApiErrors('NOT_FOUND', 'PAYMENT_INTENT_UNEXPECTED_STATE')
  async succeed(@Param('id') id: string): Promise<SandboxDelivery> {
    this.assertSandbox();
    const o = await this.sandbox.settleIntent(id, 'succeeded');
    if (!o) throw new ConflictError('The payment intent cannot be paid in its current state', 'PAYMENT_INTENT_UNEXPECTED_STATE');
    return this.deliver('payment_intent.succeeded', paymentIntentObject(o));
  }

  @Post('intents/:id/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sandbox: the card is declined; delivers payment_intent.payment_failed' })
  @ApiOkResponse({ type: SandboxDelivery })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'PAYMENT_INTENT_UNEXPECTED_STATE')
  async fail(@Param('id') id: string, @Body() dto: SandboxFailDto): Promise<SandboxDelivery> {
    this.assertSandbox();
    const o = await this.sandbox.settleIntent(id, 'failed');
    if (!o) throw new ConflictError('The payment intent cannot fail in its current state', 'PAYMENT_INTENT_UNEXPECTED_STATE');
    return this.deliver('payment_intent.payment_failed', paymentIntentObject(o, { code: 'card_declined', message: dto.message ?? 'Your card was declined.' }));
  }

  @Post('sessions/:id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sandbox: the buyer pays on the hosted page; delivers checkout.session.completed' })
  @ApiOkResponse({ type: SandboxDelivery })
  @ApiErrors('NOT_FOUND', 'CHECKOUT_SESSION_NOT_OPEN')
  async complete(@Param('id') id: string): Promise<SandboxDelivery> {
    this.assertSandbox();
    const o = await this.sandbox.settleSession(id, 'complete');
    if (!o) throw new ConflictError('The checkout session is not open', 'CHECKOUT_SESSION_NOT_OPEN');
    return this.deliver('checkout.session.completed', checkoutSessionObject(o));
  }

  @Post('sessions/:id/expire')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sandbox: the hosted session expires; delivers checkout.session.expired' })
  @ApiOkResponse({ type: SandboxDelivery })
  @ApiErrors('NOT_FOUND', 'CHECKOUT_SESSION_NOT_OPEN')
  async expire(@Param('id') id: string): Promise<SandboxDelivery> {
    this.assertSandbox();
    const o = await this.sandbox.settleSession(id, 'expired');
    if (!o) throw new ConflictError('The checkout session is not open', 'CHECKOUT_SESSION_NOT_OPEN');
    return this.deliver('checkout.session.expired', checkoutSessionObject(o));
  }

  private assertSandbox() {
    if (this.config.payments.provider !== 'sandbox') throw new NotFoundError('Sandbox payments are disabled', 'NOT_FOUND');
  }

  /** Serialise, sign, verify, handle: exactly what happens to an event posted by Stripe. */
  private async deliver(type: string, object: Record<string, unknown>): Promise<SandboxDelivery> {
    const payload = JSON.stringify(eventOf(type, object));
    const event = this.events.verify(Buffer.from(payload), this.events.sign(payload));
    return { eventId: event.id, type, outcome: await this.handler.handle(event) };
  }
}
