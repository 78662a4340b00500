import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Active delivery methods, optionally for a destination country' })
  @ApiOkResponse({ type: DeliveryMethodList })
  @ApiErrors('VALIDATION_FAILED')
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
  @ApiOperation({ summary: 'All delivery methods, inactive ones included' })
  @ApiOkResponse({ type: DeliveryMethodList })
  @ApiErrors(401, 403)
  async list(): Promise<DeliveryMethodList> {
    const list = await this.pricing.listDeliveryMethods(undefined, true);
    return { deliveryMethods: list.map((m) => toDeliveryMethodResponse(m, this.pricing.currency)), count: list.length };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery method' })
  @ApiOkResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors('BAD_REQUEST', 401, 403, 'DELIVERY_METHOD_NOT_FOUND')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.getDeliveryMethod(id), this.pricing.currency) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a delivery method' })
  @ApiCreatedResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403)
  async create(@Body() dto: CreateDeliveryMethodDto): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.createDeliveryMethod(dto), this.pricing.currency) };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a delivery method' })
  @ApiOkResponse({ type: DeliveryMethodEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'DELIVERY_METHOD_NOT_FOUND')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateDeliveryMethodDto): Promise<DeliveryMethodEnvelope> {
    return { deliveryMethod: toDeliveryMethodResponse(await this.pricing.updateDeliveryMethod(id, dto), this.pricing.currency) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a delivery method' })
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('BAD_REQUEST', 401, 403, 'DELIVERY_METHOD_NOT_FOUND')
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
  @ApiOperation({ summary: 'All discount codes, newest first' })
  @ApiOkResponse({ type: DiscountList })
  @ApiErrors(401, 403)
  async list(): Promise<DiscountList> {
    const list = await this.pricing.listDiscounts();
    return { discounts: list.map(toDiscountResponse), count: list.length };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One discount' })
  @ApiOkResponse({ type: DiscountEnvelope })
  @ApiErrors('BAD_REQUEST', 401, 403, 'DISCOUNT_NOT_FOUND')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.getDiscount(id)) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a discount code' })
  @ApiCreatedResponse({ type: DiscountEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'DISCOUNT_CODE_TAKEN')
  async create(@Body() dto: CreateDiscountDto): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.createDiscount(dto)) };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a discount (`null` clears an optional field)' })
  @ApiOkResponse({ type: DiscountEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'DISCOUNT_NOT_FOUND', 'DISCOUNT_CODE_TAKEN')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateDiscountDto): Promise<DiscountEnvelope> {
    return { discount: toDiscountResponse(await this.pricing.updateDiscount(id, dto)) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a discount that was never redeemed' })
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('BAD_REQUEST', 401, 403, 'DISCOUNT_NOT_FOUND', 'DISCOUNT_IN_USE')
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
  @ApiOperation({ summary: 'Tax rates by country, and the default rate' })
  @ApiOkResponse({ type: TaxRateList })
  @ApiErrors(401, 403)
  async list(): Promise<TaxRateList> {
    const list = await this.pricing.listTaxRates();
    return { taxRates: list.map(toTaxRateResponse), count: list.length, defaultRateBps: this.pricing.defaultTaxRateBps };
  }

  @Put(':country')
  @ApiOperation({ summary: 'Set the tax rate of a country (created or replaced)' })
  @ApiOkResponse({ type: TaxRateEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401, 403)
  async put(@Param() p: CountryParam, @Body() dto: PutTaxRateDto): Promise<TaxRateEnvelope> {
    return { taxRate: toTaxRateResponse(await this.pricing.putTaxRate(p.country, dto.rateBps)) };
  }

  @Delete(':country')
  @ApiOperation({ summary: 'Remove a country’s rate (the default applies again)' })
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 401, 403, 'TAX_RATE_NOT_FOUND')
  async remove(@Param() p: CountryParam): Promise<void> {
    await this.pricing.deleteTaxRate(p.country);
  }
}
