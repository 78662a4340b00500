import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, Roles } from '../common/auth/auth.decorators';
import { Idempotent } from '../common/idempotency/idempotency.interceptor';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/pagination';
import { AdjustStockDto, MovementListResponse, StockLevelsResponse, toMovementResponse } from './dto/inventory.dto';
import { InventoryService } from './inventory.service';

@ApiTags('admin: inventory')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get(':variantId')
  @ApiOkResponse({ type: StockLevelsResponse })
  @ApiErrors(400, 401, 403, 404)
  levels(@Param('variantId', ParseUUIDPipe) variantId: string): Promise<StockLevelsResponse> {
    return this.inventory.levels(variantId);
  }

  @Post(':variantId/adjustments')
  @Idempotent()
  @ApiCreatedResponse({ type: StockLevelsResponse, description: 'The new levels' })
  @ApiErrors(400, 401, 403, 404)
  adjust(
    @CurrentUser() user: AuthUser,
    @Param('variantId', ParseUUIDPipe) variantId: string,
    @Body() dto: AdjustStockDto,
  ): Promise<StockLevelsResponse> {
    return this.inventory.adjust(variantId, dto.delta, dto.reason, user.id);
  }

  @Get(':variantId/movements')
  @ApiOkResponse({ type: MovementListResponse, description: 'The stock ledger, newest first' })
  @ApiErrors(400, 401, 403, 404)
  async movements(@Param('variantId', ParseUUIDPipe) variantId: string, @Query() query: PageQueryDto): Promise<MovementListResponse> {
    const page = await this.inventory.movements(variantId, query.limit, query.cursor);
    return { movements: page.items.map(toMovementResponse), count: page.items.length, nextCursor: page.nextCursor };
  }
}
