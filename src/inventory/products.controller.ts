import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiOkResponse({ type: ProductListResponse, description: 'Active products, newest first, with active variants and availability' })
  @ApiErrors(400)
  list(@Query() query: ProductListQueryDto): Promise<ProductListResponse> {
    return this.products.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProductEnvelope })
  @ApiErrors(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ProductEnvelope> {
    return { product: await this.products.get(id) };
  }
}
