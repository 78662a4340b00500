import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { StripeEvents } from '../payments/stripe-events';
import { WEBHOOK_OUTCOMES, WebhookHandler, type WebhookOutcome } from './webhook-handler.service';

@ApiTags('payments')
@Public()
@Controller('payments/stripe')
export class WebhooksController {
  constructor(
    private readonly events: StripeEvents,
    private readonly handler: WebhookHandler,
  ) {}

  @Post('webhook')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stripe webhook endpoint (raw body, verified with Stripe-Signature)' })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: 'Set by Stripe (or the sandbox); checked against STRIPE_WEBHOOK_SECRET, 300 s tolerance' })
  @ApiOkResponse({
    description: 'Verified and handled (unknown event types too: `ignored`)',
    schema: { type: 'object', required: ['received', 'outcome'], properties: { received: { type: 'boolean', enum: [true] }, outcome: { type: 'string', enum: [...WEBHOOK_OUTCOMES] } } },
  })
  @ApiErrors('INVALID_SIGNATURE', 'INVALID_WEBHOOK')
  async webhook(@Req() req: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature: string | undefined): Promise<{ received: true; outcome: WebhookOutcome }> {
    const event = this.events.verify(req.rawBody, signature);
    return { received: true, outcome: await this.handler.handle(event) };
  }
}

