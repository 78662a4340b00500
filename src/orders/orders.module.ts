import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrderPayments } from './order-payments.service';
import { OrdersService } from './orders.service';
import { Refund } from './refund.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Order, OrderItem, OrderHistory, Refund])],
  controllers: [OrdersController],
  providers: [OrdersService, OrderPayments],
  exports: [OrdersService, OrderPayments],
})
export class OrdersModule {}
