import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { ProductVariant } from './product-variant.entity';
import { Product } from './product.entity';

/**
 * Products and variants. No HTTP routes of its own: every product response carries stock (`available`) and
 * creating a variant creates its stock row, so the product routes live in the inventory module, which may
 * import this one (`inventory → catalog`); the reverse import would be a cycle.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Product, ProductVariant])],
  providers: [CatalogService, CatalogRepository],
  exports: [CatalogService],
})
export class CatalogModule {}

