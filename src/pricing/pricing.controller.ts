import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import {
  CountryParam,
  CreateDeliveryMethodDto,
  CreateDiscountDto,
  DeliveryMethodEnvelope,
  DeliveryMethodList,
  DeliveryMethodQuery,
  DiscountEnvelope,
  DiscountList,
  PutTaxRateDto,
  TaxRateEnvelope,
  TaxRateList,
  toDeliveryMethodResponse,
  toDiscountResponse,
  toTaxRateResponse,
  UpdateDeliveryMethodDto,
  UpdateDiscountDto,
} from './dto/pricing.dto';
import { PricingService } from './pricing.service';

@ApiTags('delivery')
@Public()
@Controller('delivery-methods')
export class DeliveryMethodsController {
  constructor(private readonly pricing: PricingService) {}

  @Get()
  @ApiOkResponse({ type: DeliveryMethodList })
  @ApiErrors(400)
  async list(@Query() q: DeliveryMethodQuery): Promise<DeliveryMethodList> {
    const list = await this.pricing.listDeliveryMethods(q.country);
    return { deliveryMethods: list.map((m) => toDeliveryMethodResponse(m, this.pricing.currency)), count: list.length };
  }
}

@ApiTags('admin: delivery methods')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/delivery-methods')
export class AdminDeliveryMethodsController {
  constructor(private readonly pricing: PricingService) {}

  @Get()
  @ApiOkResponse({ type: DeliveryMethodList })
  @ApiErrors(401, 403)
  async list(): Promise<DeliveryMethodList> {
    const list = await this.pricing.listDeliveryMethods(undefined, true);
    return { deliveryMethods: list.map((m) => toDeliveryMethodResponse(m, this.pricing.currency)), count: list.length };
  }

  @Get(':id')
  @ApiOkResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.getDeliveryMethod(id), this.pricing.currency) };
  }

  @Post()
  @ApiCreatedResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors(400, 401, 403)
  async create(@Body() dto: CreateDeliveryMethodDto): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.createDeliveryMethod(dto), this.pricing.currency) };
  }

  @Patch(':id')
  @ApiOkResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors(400, 401, 403, 404)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateDeliveryMethodDto): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.updateDeliveryMethod(id, dto), this.pricing.currency) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.pricing.deleteDeliveryMethod(id);
  }
}

@ApiTags('admin: discounts')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/discounts')
export class AdminDiscountsController {
  constructor(private readonly pricing: PricingService) {}

  @Get()
  @ApiOkResponse({ type: DiscountList })
  @ApiErrors(401, 403)
  async list(): Promise<DiscountList> {
    const list = await this.pricing.listDiscounts();
    return { discounts: list.map(toDiscountResponse), count: list.length };
  }

  @Get(':id')
  @ApiOkResponse({ type: DiscountEnvelope })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.getDiscount(id)) };
  }

  @Post()
  @ApiCreatedResponse({ type: DiscountEnvelope })
  @ApiErrors(400, 401, 403, 409)
  async create(@Body() dto: CreateDiscountDto): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.createDiscount(dto)) };
  }

  @Patch(':id')
  @ApiOkResponse({ type: DiscountEnvelope })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateDiscountDto): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.updateDiscount(id, dto)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.pricing.deleteDiscount(id);
  }
}

@ApiTags('admin: tax rates')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/tax-rates')
export class AdminTaxRatesController {
  constructor(private readonly pricing: PricingService) {}

  @Get()
  @ApiOkResponse({ type: TaxRateList })
  @ApiErrors(401, 403)
  async list(): Promise<TaxRateList> {
    const list = await this.pricing.listTaxRates();
    return { taxRates: list.map(toTaxRateResponse), count: list.length, defaultRateBps: this.pricing.defaultTaxRateBps };
  }

  @Put(':country')
  @ApiOkResponse({ type: TaxRateEnvelope })
  @ApiErrors(400, 401, 403)
  async put(@Param() p: CountryParam, @Body() dto: PutTaxRateDto): Promise<TaxRateEnvelope> {
    return { taxRate: toTaxRateResponse(await this.pricing.putTaxRate(p.country, dto.rateBps)) };
  }

  @Delete(':country')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404)
  async remove(@Param() p: CountryParam): Promise<void> {
    await this.pricing.deleteTaxRate(p.country);
  }
}
