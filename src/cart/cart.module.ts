import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '../catalog/catalog.module';
import { PricingModule } from '../pricing/pricing.module';
import { CartController } from './cart.controller';
import { CartItem } from './cart-item.entity';
import { Cart } from './cart.entity';
import { CartJanitor } from './cart.janitor';
import { CartRepository } from './cart.repository';
import { CartService } from './cart.service';

@Module({
  imports: [TypeOrmModule.forFeature([Cart, CartItem]), CatalogModule, PricingModule],
  controllers: [CartController],
  providers: [CartService, CartRepository, CartJanitor],
  exports: [CartService],
})
export class CartModule {}
