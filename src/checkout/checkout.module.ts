import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CartModule } from '../cart/cart.module';
import { CatalogModule } from '../catalog/catalog.module';
import { CustomersModule } from '../customers/customers.module';
import { InventoryModule } from '../inventory/inventory.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrdersModule } from '../orders/orders.module';
import { PaymentsModule } from '../payments/payments.module';
import { PricingModule } from '../pricing/pricing.module';
import { CheckoutCompletion } from './checkout-completion.service';
import { CheckoutController } from './checkout.controller';
import { Checkout } from './checkout.entity';
import { CheckoutRepository } from './checkout.repository';
import { CheckoutService } from './checkout.service';
import { DirectOrdersController } from './direct-orders.controller';
import { DirectOrdersService } from './direct-orders.service';
import { ReservationExpiry } from './reservation-expiry';

@Module({
  imports: [TypeOrmModule.forFeature([Checkout]), CartModule, CatalogModule, CustomersModule, InventoryModule, PricingModule, OrdersModule, PaymentsModule, NotificationsModule],
  controllers: [CheckoutController, DirectOrdersController],
  providers: [CheckoutService, CheckoutCompletion, CheckoutRepository, ReservationExpiry, DirectOrdersService],
  exports: [CheckoutCompletion, CheckoutService, ReservationExpiry],
})
export class CheckoutModule {}
