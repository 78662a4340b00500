import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InventoryModule } from '../inventory/inventory.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PaymentsModule } from '../payments/payments.module';
import { AdminOrdersController } from './admin-orders.controller';
import { AdminOrdersService } from './admin-orders.service';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrderActionsController } from './order-actions.controller';
import { OrderCancellation } from './order-cancellation.service';
import { OrderPayments } from './order-payments.service';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { Refund } from './refund.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Order, OrderItem, OrderHistory, Refund]), InventoryModule, PaymentsModule, NotificationsModule],
  controllers: [OrdersController, OrderActionsController, AdminOrdersController],
  providers: [OrdersService, OrdersRepository, AdminOrdersService, OrderPayments, OrderCancellation],
  exports: [OrdersService, OrderPayments],
})
export class OrdersModule {}
