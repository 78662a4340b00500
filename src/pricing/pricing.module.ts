import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryMethod } from './delivery-method.entity';
import { DiscountRedemption } from './discount-redemption.entity';
import { Discount } from './discount.entity';
import {
  AdminDeliveryMethodsController,
  AdminDiscountsController,
  AdminTaxRatesController,
  DeliveryMethodsController,
} from './pricing.controller';
import { PricingRepository } from './pricing.repository';
import { PricingService } from './pricing.service';
import { TaxRate } from './tax-rate.entity';

@Module({
  imports: [TypeOrmModule.forFeature([DeliveryMethod, Discount, DiscountRedemption, TaxRate])],
  controllers: [DeliveryMethodsController, AdminDeliveryMethodsController, AdminDiscountsController, AdminTaxRatesController],
  providers: [PricingService, PricingRepository],
  exports: [PricingService],
})
export class PricingModule {}
