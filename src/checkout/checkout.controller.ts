import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthUser, CurrentUser, OptionalAuth } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { OrderEnvelope } from '../orders/dto/order.dto';
import { CheckoutService } from './checkout.service';
import { CardCheckoutResponse, CheckoutDto, CheckoutStatusResponse } from './dto/checkout.dto';

@ApiTags('checkout')
@ApiSecurity('guest-session')
@ApiBearerAuth()
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
  @ApiErrors('VALIDATION_FAILED', 'CART_EMPTY', 'SESSION_REQUIRED', 'INVALID_SESSION_ID', 'GUEST_DETAILS_REQUIRED', 'EMAIL_REGISTERED', 'SHIPPING_ADDRESS_REQUIRED', 'ADDRESS_BOOK_REQUIRES_LOGIN', 'INSUFFICIENT_STOCK', 'PRODUCT_UNAVAILABLE', 'DELIVERY_METHOD_UNAVAILABLE', 'INVALID_DISCOUNT_CODE', 'INVALID_IDEMPOTENCY_KEY', 401, 'CART_SESSION_NOT_FOUND', 'ADDRESS_NOT_FOUND', 'DELIVERY_METHOD_NOT_FOUND', 'ACCOUNT_CLAIM_REQUIRED', 'CHECKOUT_SUPERSEDED', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'PAYMENT_PROVIDER_ERROR')
  async start(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') sessionId: string | undefined,
    @Body() dto: CheckoutDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CardCheckoutResponse | OrderEnvelope> {
    const r = await this.checkout.start({ user, sessionId }, dto);
    void res.status(201);
    return r.kind === 'card' ? r.body : { order: r.order };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Checkout status (poll it after paying); carries the order once completed' })
  @ApiOkResponse({ type: CheckoutStatusResponse })
  @ApiErrors('BAD_REQUEST', 'INVALID_SESSION_ID', 401, 'CHECKOUT_NOT_FOUND')
  status(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') sessionId: string | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<CheckoutStatusResponse> {
    return this.checkout.status({ user, sessionId }, id);
  }

  @Post(':id/confirm')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask the provider whether the payment succeeded; if so, create the order (same path as the webhook)' })
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors('BAD_REQUEST', 'INVALID_IDEMPOTENCY_KEY', 'INVALID_SESSION_ID', 401, 'CHECKOUT_NOT_FOUND', 'PAYMENT_NOT_COMPLETED', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'PAYMENT_PROVIDER_ERROR')
  async confirm(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') sessionId: string | undefined, @Param('id', ParseUUIDPipe) id: string): Promise<OrderEnvelope> {
    return { order: await this.checkout.confirm({ user, sessionId }, id) };
  }
}
