import { Body, Controller, Get, Logger, Param, ParseUUIDPipe, Patch, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { pipeline } from 'node:stream/promises';
import { type AuthUser, CurrentUser, Roles } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AdminOrdersService, toOrderFilter } from './admin-orders.service';
import { AdminOrderEnvelope, AdminOrderExportQueryDto, AdminOrderListQueryDto, AdminOrderListResponse, UpdateOrderStatusDto } from './dto/order-management.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/orders')
export class AdminOrdersController {
  private readonly logger = new Logger(AdminOrdersController.name);

  constructor(private readonly admin: AdminOrdersService) {}

  @Get()
  @ApiOperation({ summary: 'All orders (archived included, see `archived`), newest first, with customer name and email' })
  @ApiOkResponse({ type: AdminOrderListResponse })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR', 401, 403)
  list(@Query() q: AdminOrderListQueryDto): Promise<AdminOrderListResponse> {
    return this.admin.list(toOrderFilter(q), q);
  }

  // Declared before `:id`, which would otherwise take "export" as an id.
  @Get('export')
  @ApiOperation({ summary: 'CSV of every order matching the filters (as the list), streamed in batches; money in minor units' })
  @ApiOkResponse({
    description: 'A CSV attachment (`orders-<timestamp>.csv`) with a header row',
    content: { 'text/csv': { schema: { type: 'string' }, example: 'number,id,createdAt,status,…\nORD-000042,…' } },
  })
  @ApiErrors('VALIDATION_FAILED', 401, 403)
  async export(@Query() q: AdminOrderExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const csv = await this.admin.exportCsv(toOrderFilter(q));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // Written straight to the Node response (pipeline: backpressure, and a client that hangs up destroys the COPY
    // stream). hijack(): Fastify sends nothing itself; headers set earlier on the raw response (X-Request-Id, CORS,
    // security headers) are kept, and the request line and metrics still see the response finish.
    reply.hijack();
    const res = reply.raw;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="orders-${stamp}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(csv, res);
    } catch (err) {
      this.logger.error({ err }, 'Order export failed mid-stream');
      // Headers are gone: the client sees a truncated transfer (no final chunk), never a partial "complete" file.
      res.destroy();
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order (archived included), with the customer' })
  @ApiOkResponse({ type: AdminOrderEnvelope })
  @ApiErrors('BAD_REQUEST', 401, 403, 'ORDER_NOT_FOUND')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<AdminOrderEnvelope> {
    return { order: await this.admin.get(id) };
  }

  @Patch(':id/status')
  @ApiOperation({ summary: 'Move an order through the lifecycle (docs/orders.md); `cancelled` restocks and refunds like POST /orders/:id/cancel' })
  @ApiOkResponse({ type: AdminOrderEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'ORDER_NOT_FOUND', 'INVALID_STATUS_TRANSITION', 'ORDER_ARCHIVED', 'PAYMENT_PROVIDER_ERROR')
  async updateStatus(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateOrderStatusDto): Promise<AdminOrderEnvelope> {
    return { order: await this.admin.updateStatus(id, { role: 'admin', id: user.id }, dto) };
  }
}
