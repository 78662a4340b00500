import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { type AuthUser, CurrentUser, Public, Roles } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { MarkPaidDto, OrderListQueryDto, OrderListResponse, OrderLookupDto, OrderMessageResponse } from './dto/order-management.dto';
import { OrderEnvelope } from './dto/order.dto';
import { OrdersService } from './orders.service';

const actorOf = (u: AuthUser) => ({ role: u.role, id: u.id });

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller\'s orders, newest first (archived ones hidden), with lines and history' })
  @ApiOkResponse({ type: OrderListResponse })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR', 401)
  list(@CurrentUser() user: AuthUser, @Query() q: OrderListQueryDto): Promise<OrderListResponse> {
    return this.orders.listForCustomer(user.id, q);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('lookup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Guest order lookup by email and order number (rate limited; any mismatch is 404)' })
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'ORDER_NOT_FOUND', 'RATE_LIMITED')
  async lookup(@Body() dto: OrderLookupDto): Promise<OrderEnvelope> {
    return { order: await this.orders.lookup(dto.email, dto.orderNumber) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of the caller’s orders, with lines, addresses and history' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors('BAD_REQUEST', 401, 'ORDER_NOT_FOUND')
  async get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderEnvelope> {
    return { order: await this.orders.view(id, { customerId: user.id }) };
  }

  @Delete(':id')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Archive (soft-delete): the owner or an admin; only cancelled orders, or pending unpaid ones (cancelled and restocked first)' })
  @ApiOkResponse({ type: OrderMessageResponse })
  @ApiErrors('BAD_REQUEST', 401, 'ORDER_NOT_FOUND', 'ORDER_NOT_ARCHIVABLE')
  async archive(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderMessageResponse> {
    await this.orders.archive(id, actorOf(user));
    return { message: 'Order deleted successfully' };
  }

  @Patch(':id/paid')
  @ApiBearerAuth()
  @Roles('admin')
  @ApiTags('admin')
  @ApiOperation({ summary: 'Admin: mark an unpaid order paid (cash received, bank transfer)' })
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'ORDER_ALREADY_PAID', 401, 403, 'ORDER_NOT_FOUND', 'INVALID_STATUS_TRANSITION', 'ORDER_ARCHIVED')
  async markPaid(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: MarkPaidDto): Promise<OrderEnvelope> {
    return { order: await this.orders.markPaid(id, actorOf(user), dto.note) };
  }
}
