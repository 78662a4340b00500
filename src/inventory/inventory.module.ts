import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '../catalog/catalog.module';
import { AdminProductsController } from './admin-products.controller';
import { InventoryMovement } from './inventory-movement.entity';
import { InventoryController } from './inventory.controller';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { ProductsController } from './products.controller';
import { ProductsService } from './products.service';
import { StockItem } from './stock-item.entity';

/**
 * Stock levels, the stock ledger, and the product HTTP API (catalog + stock, see ProductsService).
 * `inventory → catalog`; only InventoryService leaves the module.
 */
@Module({
  imports: [CatalogModule, TypeOrmModule.forFeature([StockItem, InventoryMovement])],
  controllers: [ProductsController, AdminProductsController, InventoryController],
  providers: [InventoryService, InventoryRepository, ProductsService],
  exports: [InventoryService],
})
export class InventoryModule {}
