import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, Roles } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { CancelOrderDto, RefundOrderDto } from './dto/order-actions.dto';
import { OrderEnvelope } from './dto/order.dto';
import { OrderCancellation } from './order-cancellation.service';

/** Actions that move money and stock: cancel (customer or admin) and refunds (admin). */
@ApiTags('orders')
@ApiBearerAuth()
@Controller()
export class OrderActionsController {
  constructor(private readonly cancellation: OrderCancellation) {}

  @Post('orders/:id/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel: the owner while pending or paid, an admin until shipped. Restocks; a paid card order is refunded in full.' })
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_IDEMPOTENCY_KEY', 401, 'ORDER_NOT_FOUND', 'INVALID_STATUS_TRANSITION', 'ORDER_ARCHIVED', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'PAYMENT_PROVIDER_ERROR')
  async cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CancelOrderDto): Promise<OrderEnvelope> {
    const role = user.role === 'admin' ? 'admin' : 'customer';
    return { order: await this.cancellation.cancel(id, { role, id: user.id }, dto.reason) };
  }

  @Post('admin/orders/:id/refunds')
  @Roles('admin')
  @Idempotent()
  @ApiTags('admin')
  @ApiOperation({ summary: 'Refund in full or in part (validated against what is left), optionally restocking' })
  @ApiCreatedResponse({ type: OrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'REFUND_EXCEEDS_PAID', 'NOTHING_TO_REFUND', 'INVALID_IDEMPOTENCY_KEY', 401, 403, 'ORDER_NOT_FOUND', 'ORDER_ARCHIVED', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS', 'PAYMENT_PROVIDER_ERROR')
  async refund(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RefundOrderDto): Promise<OrderEnvelope> {
    return { order: await this.cancellation.refund(id, { role: 'admin', id: user.id }, dto) };
  }
}
