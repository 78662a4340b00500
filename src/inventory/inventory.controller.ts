import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Stock levels of a variant' })
  @ApiOkResponse({ type: StockLevelsResponse })
  @ApiErrors('BAD_REQUEST', 401, 403, 'VARIANT_NOT_FOUND')
  levels(@Param('variantId', ParseUUIDPipe) variantId: string): Promise<StockLevelsResponse> {
    return this.inventory.levels(variantId);
  }

  @Post(':variantId/adjustments')
  @ApiOperation({ summary: 'Adjust on-hand stock (signed delta, with a reason)' })
  @Idempotent()
  @ApiCreatedResponse({ type: StockLevelsResponse, description: 'The new levels' })
  @ApiErrors('VALIDATION_FAILED', 'INSUFFICIENT_STOCK', 'INVALID_IDEMPOTENCY_KEY', 401, 403, 'VARIANT_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS')
  adjust(
    @CurrentUser() user: AuthUser,
    @Param('variantId', ParseUUIDPipe) variantId: string,
    @Body() dto: AdjustStockDto,
  ): Promise<StockLevelsResponse> {
    return this.inventory.adjust(variantId, dto.delta, dto.reason, user.id);
  }

  @Get(':variantId/movements')
  @ApiOperation({ summary: 'The stock ledger of a variant, newest first' })
  @ApiOkResponse({ type: MovementListResponse, description: 'The stock ledger, newest first' })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR', 401, 403, 'VARIANT_NOT_FOUND')
  async movements(@Param('variantId', ParseUUIDPipe) variantId: string, @Query() query: PageQueryDto): Promise<MovementListResponse> {
    const page = await this.inventory.movements(variantId, query.limit, query.cursor);
    return { movements: page.items.map(toMovementResponse), count: page.items.length, nextCursor: page.nextCursor };
  }
}
