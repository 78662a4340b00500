import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ProductEnvelope, ProductListQueryDto, ProductListResponse } from './dto/product.dto';
import { ProductsService } from './products.service';

/** Storefront catalog (public). Lives here, not in catalog/, because it shows stock: see ProductsService. */
@ApiTags('catalog')
@Public()
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @ApiOperation({ summary: 'Storefront products, newest first; `q` searches names, descriptions and SKUs' })
  @ApiOkResponse({ type: ProductListResponse, description: 'Active products, newest first, with active variants and availability' })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CURSOR')
  list(@Query() query: ProductListQueryDto): Promise<ProductListResponse> {
    return this.products.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One storefront product with its active variants, prices and availability' })
  @ApiOkResponse({ type: ProductEnvelope })
  @ApiErrors('BAD_REQUEST', 'PRODUCT_NOT_FOUND')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ProductEnvelope> {
    return { product: await this.products.get(id) };
  }
}
