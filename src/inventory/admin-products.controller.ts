import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Create a product with its variants and initial stock' })
  @ApiCreatedResponse({ type: AdminProductEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'DUPLICATE_SKU', 401, 403, 'SKU_TAKEN')
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateProductDto): Promise<AdminProductEnvelope> {
    return { product: await this.products.create(dto, user.id) };
  }

  @Get()
  @ApiOperation({ summary: 'All products, newest first (archived ones with `includeArchived=true`)' })
  @ApiOkResponse({ type: AdminProductListResponse, description: 'Active and inactive products, newest first' })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR', 401, 403)
  list(@Query() query: AdminProductListQueryDto): Promise<AdminProductListResponse> {
    return this.products.adminList(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One product with every variant and its stock' })
  @ApiOkResponse({ type: AdminProductEnvelope })
  @ApiErrors('BAD_REQUEST', 401, 403, 'PRODUCT_NOT_FOUND')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<AdminProductEnvelope> {
    return { product: await this.products.adminGet(id) };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update name, description or active flag' })
  @ApiOkResponse({ type: AdminProductEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'PRODUCT_NOT_FOUND', 'PRODUCT_ARCHIVED')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateProductDto): Promise<AdminProductEnvelope> {
    return { product: await this.products.update(id, dto) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Archive a product (never hard-deleted)' })
  @ApiOkResponse({ type: MessageResponse, description: 'Archived: hidden from the storefront, kept for order history' })
  @ApiErrors('BAD_REQUEST', 401, 403, 'PRODUCT_NOT_FOUND')
  async archive(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<MessageResponse> {
    await this.products.archive(id, user.id);
    return { message: 'Product archived' };
  }

  @Post(':id/variants')
  @ApiOperation({ summary: 'Add a variant' })
  @ApiCreatedResponse({ type: AdminVariantEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'PRODUCT_NOT_FOUND', 'SKU_TAKEN', 'PRODUCT_ARCHIVED')
  async addVariant(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddVariantDto,
  ): Promise<AdminVariantEnvelope> {
    return { variant: await this.products.addVariant(id, dto, user.id) };
  }

  @Patch(':id/variants/:variantId')
  @ApiOperation({ summary: 'Update a variant (SKU, name, price, active)' })
  @ApiOkResponse({ type: AdminVariantEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'PRODUCT_NOT_FOUND', 'VARIANT_NOT_FOUND', 'SKU_TAKEN', 'PRODUCT_ARCHIVED')
  async updateVariant(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('variantId', ParseUUIDPipe) variantId: string,
    @Body() dto: UpdateVariantDto,
  ): Promise<AdminVariantEnvelope> {
    return { variant: await this.products.updateVariant(id, variantId, dto) };
  }

  @Delete(':id/variants/:variantId')
  @ApiOperation({ summary: 'Delete a variant that nothing refers to' })
  @ApiOkResponse({ type: MessageResponse, description: 'Deleted with its stock and ledger' })
  @ApiErrors('BAD_REQUEST', 401, 403, 'PRODUCT_NOT_FOUND', 'VARIANT_NOT_FOUND', 'LAST_VARIANT', 'VARIANT_RESERVED', 'VARIANT_IN_USE', 'PRODUCT_ARCHIVED')
  async deleteVariant(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('variantId', ParseUUIDPipe) variantId: string,
  ): Promise<MessageResponse> {
    await this.products.deleteVariant(id, variantId);
    return { message: 'Variant deleted' };
  }
}
