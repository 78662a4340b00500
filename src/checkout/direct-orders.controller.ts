import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { OrderEnvelope } from '../orders/dto/order.dto';
import { DirectOrdersService } from './direct-orders.service';
import { DirectOrderDto, OrderPaymentResponse } from './dto/direct-order.dto';

/** Orders placed without a cart: cash on delivery, or pay later by card. Reads live in the orders module. */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class DirectOrdersController {
  constructor(private readonly direct: DirectOrdersService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Place an order directly (pending, unpaid; stock taken at once)' })
  @ApiCreatedResponse({ type: OrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'ORDER_ITEMS_REQUIRED', 'VARIANT_REQUIRED', 'INSUFFICIENT_STOCK', 'INVALID_DISCOUNT_CODE', 'DELIVERY_METHOD_UNAVAILABLE', 'INVALID_IDEMPOTENCY_KEY', 401, 'PRODUCT_NOT_FOUND', 'VARIANT_NOT_FOUND', 'ADDRESS_NOT_FOUND', 'DELIVERY_METHOD_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS')
  async place(@CurrentUser() user: AuthUser, @Body() dto: DirectOrderDto): Promise<OrderEnvelope> {
    return { order: await this.direct.place(user.id, dto) };
  }

  @Post(':id/pay')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Open a card payment for a pending, unpaid order; the webhook marks it paid' })
  @ApiOkResponse({ type: OrderPaymentResponse })
  @ApiErrors('BAD_REQUEST', 'INVALID_IDEMPOTENCY_KEY', 401, 'ORDER_NOT_FOUND', 'ORDER_NOT_PAYABLE', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'PAYMENT_PROVIDER_ERROR')
  pay(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderPaymentResponse> {
    return this.direct.pay(user.id, id);
  }
}
