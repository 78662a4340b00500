import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { OrderEnvelope } from './dto/order.dto';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get(':id')
  @ApiOkResponse({ type: OrderEnvelope })
  @ApiErrors(400, 401, 404)
  async get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderEnvelope> {
    return { order: await this.orders.view(id, { customerId: user.id }) };
  }
}
