import { Injectable, Logger } from '@nestjs/common';
import { CatalogService, type ProductWithVariants } from '../catalog/catalog.service';
import { AppConfig } from '../config/app-config';
import { type Tx, TxRunner } from '../database/tx';
import {
  type AddVariantDto,
  type AdminProductListQueryDto,
  type AdminProductResponse,
  type AdminVariantResponse,
  type CreateProductDto,
  type ProductListQueryDto,
  type ProductResponse,
  toAdminProductResponse,
  toAdminVariantResponse,
  toProductResponse,
  type UpdateProductDto,
  type UpdateVariantDto,
} from './dto/product.dto';
import { InventoryService } from './inventory.service';

export interface Page<T> {
  products: T[];
  count: number;
  nextCursor: string | null;
}

/**
 * The product API: catalog data plus stock. It sits in the inventory module because both halves need both
 * modules — responses carry `available`, and a new variant gets its stock row (and `initialStock`) in the
 * same transaction — while the allowed dependency is only `inventory → catalog`. CatalogService keeps the
 * product rules; InventoryService keeps the stock rules; this class only composes them.
 */
@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  private readonly currency: string;

  constructor(
    private readonly catalog: CatalogService,
    private readonly inventory: InventoryService,
    private readonly txRunner: TxRunner,
    config: AppConfig,
  ) {
    this.currency = config.store.currency;
  }

  // ---- storefront ----

  async list(query: ProductListQueryDto): Promise<Page<ProductResponse>> {
    const page = await this.catalog.list({ scope: 'storefront', limit: query.limit, cursor: query.cursor, q: query.q });
    const stock = await this.stockOf(page.items);
    const products = page.items.map((p) => toProductResponse(p, this.currency, stock));
    return { products, count: products.length, nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<ProductResponse> {
    const p = await this.catalog.getForStorefront(id);
    return toProductResponse(p, this.currency, await this.stockOf([p]));
  }

  // ---- admin ----

  async adminList(query: AdminProductListQueryDto): Promise<Page<AdminProductResponse>> {
    const page = await this.catalog.list({
      scope: 'admin',
      limit: query.limit,
      cursor: query.cursor,
      q: query.q,
      includeArchived: query.includeArchived,
      active: query.active,
    });
    const stock = await this.stockOf(page.items);
    const products = page.items.map((p) => toAdminProductResponse(p, this.currency, stock));
    return { products, count: products.length, nextCursor: page.nextCursor };
  }

  async adminGet(id: string, tx?: Tx): Promise<AdminProductResponse> {
    const p = await this.catalog.getForAdmin(id, tx);
    return toAdminProductResponse(p, this.currency, await this.stockOf([p], tx));
  }

  /** Product, variants, stock rows and `initial` ledger rows in one transaction. */
  async create(dto: CreateProductDto, actorId: string | null): Promise<AdminProductResponse> {
    const product = await this.txRunner.run(async (tx) => {
      const p = await this.catalog.create(tx, dto);
      await this.inventory.track(
        tx,
        p.variants.map((v, i) => ({ variantId: v.id, initialStock: dto.variants[i]?.initialStock })),
        { actorId },
      );
      return toAdminProductResponse(p, this.currency, await this.stockOf([p], tx));
    });
    this.logger.log({ productId: product.id, variants: product.variants.length, actorId }, 'Product created');
    return product;
  }

  async update(id: string, dto: UpdateProductDto): Promise<AdminProductResponse> {
    return this.txRunner.run(async (tx) => {
      const p = await this.catalog.update(tx, id, dto);
      return toAdminProductResponse(p, this.currency, await this.stockOf([p], tx));
    });
  }

  async archive(id: string, actorId: string | null): Promise<void> {
    await this.txRunner.run((tx) => this.catalog.archive(tx, id));
    this.logger.log({ productId: id, actorId }, 'Product archived');
  }

  async addVariant(productId: string, dto: AddVariantDto, actorId: string | null): Promise<AdminVariantResponse> {
    return this.txRunner.run(async (tx) => {
      const v = await this.catalog.addVariant(tx, productId, dto);
      await this.inventory.track(tx, [{ variantId: v.id, initialStock: dto.initialStock }], { actorId });
      return toAdminVariantResponse(v, this.currency, await this.inventory.levelsMany([v.id], tx));
    });
  }

  async updateVariant(productId: string, variantId: string, dto: UpdateVariantDto): Promise<AdminVariantResponse> {
    return this.txRunner.run(async (tx) => {
      const v = await this.catalog.updateVariant(tx, productId, variantId, dto);
      return toAdminVariantResponse(v, this.currency, await this.inventory.levelsMany([v.id], tx));
    });
  }

  /** Refused while checkouts hold reserved units of it, or when it is the product's last variant. */
  deleteVariant(productId: string, variantId: string): Promise<void> {
    return this.txRunner.run(async (tx) => {
      await this.catalog.getVariant(tx, productId, variantId);
      await this.inventory.assertNotReserved(tx, variantId);
      await this.catalog.deleteVariant(tx, productId, variantId);
    });
  }

  /** Stock of every variant on the page, in one query. */
  private stockOf(products: ProductWithVariants[], tx?: Tx) {
    return this.inventory.levelsMany(products.flatMap((p) => p.variants.map((v) => v.id)), tx);
  }
}
