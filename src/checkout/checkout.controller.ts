import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthUser, CurrentUser, OptionalAuth } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { OrderEnvelope } from '../orders/dto/order.dto';
import { CheckoutService } from './checkout.service';
import { CardCheckoutResponse, CheckoutDto, CheckoutStatusResponse } from './dto/checkout.dto';

@ApiTags('checkout')
@ApiBearerAuth()
@ApiSecurity('guest-session')
@ApiHeader({ name: 'X-Session-Id', required: false, description: 'Guest checkout: the cart session' })
@ApiExtraModels(CardCheckoutResponse, OrderEnvelope)
@OptionalAuth()
@Controller('checkout')
export class CheckoutController {
  constructor(private readonly checkout: CheckoutService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Check out the caller’s cart',
    description:
      'Card: reserves the stock, freezes prices and returns a PaymentIntent `clientSecret` (or a hosted `url`); the order is created when the payment succeeds. Cash on delivery: creates the order at once.',
  })
  @ApiCreatedResponse({ schema: { oneOf: [{ $ref: getSchemaPath(CardCheckoutResponse) }, { $ref: getSchemaPath(OrderEnvelope) }] } })
  @ApiErrors(400, 401, 404, 409, 502)
  async start(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') sessionId: string | undefined,
    @Body() dto: CheckoutDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CardCheckoutResponse | OrderEnvelope> {
    const r = await this.checkout.start({ user, sessionId }, dto);
    res.status(201);
    return r.kind === 'card' ? r.body : { order: r.order };
  }

  @Get(':id')
  @ApiOkResponse({ type: CheckoutStatusResponse })
  @ApiErrors(400, 401, 404)
  status(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') sessionId: string | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<CheckoutStatusResponse> {
    return this.checkout.status({ user, sessionId }, id);
  }

  @Post(':id/confirm')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask the provider whether the payment succeeded; if so, create the order (same path as the webhook)' })
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors(400, 401, 404, 409, 502)
  async confirm(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') sessionId: string | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<OrderEnvelope> {
    return { order: await this.checkout.confirm({ user, sessionId }, id) };
  }
}
