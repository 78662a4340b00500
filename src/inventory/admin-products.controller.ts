import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, Roles } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import {
  AddVariantDto,
  AdminProductEnvelope,
  AdminProductListQueryDto,
  AdminProductListResponse,
  AdminVariantEnvelope,
  CreateProductDto,
  MessageResponse,
  UpdateProductDto,
  UpdateVariantDto,
} from './dto/product.dto';
import { ProductsService } from './products.service';

/** Catalog administration. Lives here, not in catalog/, because variants come with stock: see ProductsService. */
@ApiTags('admin: catalog')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/products')
export class AdminProductsController {
  constructor(private readonly products: ProductsService) {}

  @Post()
  @ApiCreatedResponse({ type: AdminProductEnvelope })
  @ApiErrors(400, 401, 403, 409)
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateProductDto): Promise<AdminProductEnvelope> {
    return { product: await this.products.create(dto, user.id) };
  }

  @Get()
  @ApiOkResponse({ type: AdminProductListResponse, description: 'Active and inactive products, newest first' })
  @ApiErrors(400, 401, 403)
  list(@Query() query: AdminProductListQueryDto): Promise<AdminProductListResponse> {
    return this.products.adminList(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: AdminProductEnvelope })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<AdminProductEnvelope> {
    return { product: await this.products.adminGet(id) };
  }

  @Patch(':id')
  @ApiOkResponse({ type: AdminProductEnvelope })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateProductDto): Promise<AdminProductEnvelope> {
    return { product: await this.products.update(id, dto) };
  }

  @Delete(':id')
  @ApiOkResponse({ type: MessageResponse, description: 'Archived: hidden from the storefront, kept for order history' })
  @ApiErrors(400, 401, 403, 404)
  async archive(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<MessageResponse> {
    await this.products.archive(id, user.id);
    return { message: 'Product archived' };
  }

  @Post(':id/variants')
  @ApiCreatedResponse({ type: AdminVariantEnvelope })
  @ApiErrors(400, 401, 403, 404, 409)
  async addVariant(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddVariantDto,
  ): Promise<AdminVariantEnvelope> {
    return { variant: await this.products.addVariant(id, dto, user.id) };
  }

  @Patch(':id/variants/:variantId')
  @ApiOkResponse({ type: AdminVariantEnvelope })
  @ApiErrors(400, 401, 403, 404, 409)
  async updateVariant(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('variantId', ParseUUIDPipe) variantId: string,
    @Body() dto: UpdateVariantDto,
  ): Promise<AdminVariantEnvelope> {
    return { variant: await this.products.updateVariant(id, variantId, dto) };
  }

  @Delete(':id/variants/:variantId')
  @ApiOkResponse({ type: MessageResponse, description: 'Deleted with its stock and ledger' })
  @ApiErrors(400, 401, 403, 404, 409)
  async deleteVariant(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('variantId', ParseUUIDPipe) variantId: string,
  ): Promise<MessageResponse> {
    await this.products.deleteVariant(id, variantId);
    return { message: 'Variant deleted' };
  }
}
