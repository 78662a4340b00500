import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors/domain-error';
import { decodeCursor, toPage } from '../common/pagination';
import { type Tx, TxRunner } from '../database/tx';
import { CatalogRepository, VARIANT_COLUMNS, type VariantColumns, type VariantRow, variantRowOf } from './catalog.repository';
import type { ProductVariant } from './product-variant.entity';
import type { Product } from './product.entity';

export interface NewVariant {
  sku: string;
  name: string;
  /** Minor units. */
  price: number;
  active?: boolean;
}

export interface NewProduct {
  name: string;
  description?: string | null;
  active?: boolean;
  variants: NewVariant[];
}

export interface ProductPatch {
  name?: string;
  description?: string | null;
  active?: boolean;
}

export type VariantPatch = Partial<NewVariant>;

export type ProductWithVariants = Product & { variants: ProductVariant[] };

export interface ListProductsInput {
  scope: 'storefront' | 'admin';
  limit: number;
  cursor?: string;
  q?: string;
  /** Admin only. */
  includeArchived?: boolean;
  /** Admin only. */
  active?: boolean;
}

/** A variant as other modules (inventory, cart, orders) see it. */
export interface VariantInfo {
  variantId: string;
  productId: string;
  sku: string;
  /** For messages: the product name, with the variant's name when the product has several. */
  label: string;
  price: number;
  /** Variant and product active and the product not archived. */
  purchasable: boolean;
}

export const productNotFound = (id?: string) =>
  new NotFoundError(id ? `Product ${id} not found` : 'Product not found', 'PRODUCT_NOT_FOUND');
export const variantNotFound = () => new NotFoundError('Variant not found', 'VARIANT_NOT_FOUND');
const archived = () => new ConflictError('Product is archived', 'PRODUCT_ARCHIVED');
const skuTaken = (skus: string[]) =>
  new ConflictError(`SKU already exists: ${skus.join(', ')}`, 'SKU_TAKEN', { skus });

const pgError = (e: unknown): { code?: string; constraint?: string } | undefined =>
  e instanceof QueryFailedError ? (e.driverError as { code?: string; constraint?: string }) : undefined;

const toInfo = (r: VariantRow): VariantInfo => ({
  variantId: r.id,
  productId: r.productId,
  sku: r.sku,
  label: r.siblings > 1 ? `${r.productName} (${r.name})` : r.productName,
  price: r.price,
  purchasable: r.active && r.productActive && !r.productArchived,
});

/**
 * For other modules' SQL that joins `product_variants v JOIN products p ON p.id = v.product_id` to their own
 * rows (a cart's lines): select VARIANT_INFO_COLUMNS and map each row with `variantInfoOf`, so labels and
 * `purchasable` mean exactly what `variants()` returns.
 */
export const VARIANT_INFO_COLUMNS = VARIANT_COLUMNS;
export type VariantInfoColumns = VariantColumns;
export const variantInfoOf = (r: VariantInfoColumns): VariantInfo => toInfo(variantRowOf(r));

/**
 * Products and their variants: the storefront's view (active, not archived, active variants only) and the
 * admin's. Knows nothing about stock; the inventory module composes the two. Methods that write take the
 * caller's transaction so product, variants and stock rows commit together.
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly txRunner: TxRunner,
  ) {}

  async list(input: ListProductsInput, tx: Tx = this.txRunner.manager): Promise<{ items: ProductWithVariants[]; nextCursor: string | null }> {
    const after = decodeCursor(input.cursor);
    const q = input.q?.trim() || undefined;
    const rows = await this.repo.listProducts(
      tx,
      { scope: input.scope, q, includeArchived: input.includeArchived, active: input.active },
      input.limit,
      after,
    );
    const { items, nextCursor } = toPage(rows, input.limit);
    return { items: await this.withVariants(tx, items, input.scope === 'storefront'), nextCursor };
  }

  /** Active, not archived, with its active variants; anything else is "Product not found". */
  async getForStorefront(id: string, tx: Tx = this.txRunner.manager): Promise<ProductWithVariants> {
    const p = await this.repo.findProduct(tx, id, { scope: 'storefront' });
    if (!p) throw productNotFound();
    const [withVariants] = await this.withVariants(tx, [p], true);
    return withVariants!;
  }

  /** Any product, archived or not, with all its variants. */
  async getForAdmin(id: string, tx: Tx = this.txRunner.manager): Promise<ProductWithVariants> {
    const p = await this.repo.findProduct(tx, id, { scope: 'admin' });
    if (!p) throw productNotFound();
    const [withVariants] = await this.withVariants(tx, [p], false);
    return withVariants!;
  }

  /** Inserts the product and its variants (≥ 1). Stock rows are the caller's business (InventoryService.track). */
  async create(tx: Tx, input: NewProduct): Promise<ProductWithVariants> {
    if (!input.variants.length) throw new ValidationError('A product needs at least one variant', 'VARIANT_REQUIRED');
    const seen = new Set<string>();
    const dupes: string[] = [];
    for (const { sku } of input.variants) {
      if (seen.has(sku.toLowerCase())) dupes.push(sku);
      seen.add(sku.toLowerCase());
    }
    if (dupes.length) throw new ValidationError(`Duplicate SKU in request: ${dupes.join(', ')}`, 'DUPLICATE_SKU', { skus: dupes });
    const taken = await this.repo.existingSkus(tx, input.variants.map((v) => v.sku));
    if (taken.length) throw skuTaken(taken);

    const product = await this.repo.insertProduct(tx, {
      name: input.name,
      description: input.description ?? null,
      active: input.active ?? true,
    });
    const variants = await this.guardSku(
      () =>
        this.repo.insertVariants(
          tx,
          input.variants.map((v, position) => ({ productId: product.id, sku: v.sku, name: v.name, price: v.price, active: v.active ?? true, position })),
        ),
      input.variants.map((v) => v.sku),
    );
    return Object.assign(product, { variants });
  }

  async update(tx: Tx, id: string, patch: ProductPatch): Promise<ProductWithVariants> {
    await this.editable(tx, id, false);
    const set: ProductPatch = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.active !== undefined) set.active = patch.active;
    if (Object.keys(set).length) await this.repo.updateProduct(tx, id, set);
    return this.getForAdmin(id, tx);
  }

  /** Archives (hides from the storefront, kept for order history). Archiving twice is a no-op. */
  async archive(tx: Tx, id: string): Promise<void> {
    if (!(await this.repo.findProduct(tx, id, { scope: 'admin', lock: true }))) throw productNotFound();
    await this.repo.archive(tx, id);
  }

  async addVariant(tx: Tx, productId: string, input: NewVariant): Promise<ProductVariant> {
    await this.editable(tx, productId, true);
    const taken = await this.repo.existingSkus(tx, [input.sku]);
    if (taken.length) throw skuTaken(taken);
    const position = await this.repo.nextPosition(tx, productId);
    const [variant] = await this.guardSku(
      () => this.repo.insertVariants(tx, [{ productId, sku: input.sku, name: input.name, price: input.price, active: input.active ?? true, position }]),
      [input.sku],
    );
    return variant!;
  }

  async getVariant(tx: Tx, productId: string, variantId: string): Promise<ProductVariant> {
    const v = await this.repo.findVariant(tx, productId, variantId);
    if (!v) throw variantNotFound();
    return v;
  }

  async updateVariant(tx: Tx, productId: string, variantId: string, patch: VariantPatch): Promise<ProductVariant> {
    await this.editable(tx, productId, false);
    const v = await this.getVariant(tx, productId, variantId);
    const set: VariantPatch = {};
    if (patch.sku !== undefined && patch.sku !== v.sku) {
      const taken = await this.repo.existingSkus(tx, [patch.sku], variantId);
      if (taken.length) throw skuTaken(taken);
      set.sku = patch.sku;
    }
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.price !== undefined) set.price = patch.price;
    if (patch.active !== undefined) set.active = patch.active;
    if (!Object.keys(set).length) return v;
    await this.guardSku(() => this.repo.updateVariant(tx, variantId, set), set.sku ? [set.sku] : []);
    return this.getVariant(tx, productId, variantId);
  }

  /**
   * Deletes a variant (its stock row and ledger go with it, by foreign key). The product row is locked so two
   * concurrent deletes cannot remove the last two variants; the last one is refused.
   */
  async deleteVariant(tx: Tx, productId: string, variantId: string): Promise<void> {
    await this.editable(tx, productId, true);
    await this.getVariant(tx, productId, variantId);
    if ((await this.repo.countVariants(tx, productId)) <= 1) {
      throw new ConflictError('A product must keep at least one variant; archive the product instead', 'LAST_VARIANT');
    }
    try {
      await this.repo.deleteVariant(tx, productId, variantId);
    } catch (e) {
      // Referenced by something that must outlive it (order lines): deactivate instead.
      if (pgError(e)?.code === '23503') throw new ConflictError('Variant is referenced by other records (e.g. orders); deactivate it instead', 'VARIANT_IN_USE');
      throw e;
    }
  }

  /** Variants by id (missing ids are simply absent), for stock messages, carts and orders. */
  async variants(ids: string[], tx: Tx = this.txRunner.manager): Promise<VariantInfo[]> {
    return (await this.repo.variantRows(tx, [...new Set(ids)])).map(toInfo);
  }

  /**
   * The purchasable variant a cart or order line means: `variantId`, or a `productId` whose product has exactly
   * one active variant.
   */
  async resolveVariant(ref: { productId?: string; variantId?: string }, tx: Tx = this.txRunner.manager): Promise<VariantInfo> {
    if (ref.variantId) {
      const [v] = await this.variants([ref.variantId], tx);
      if (!v || !v.purchasable || (ref.productId && v.productId !== ref.productId)) throw variantNotFound();
      return v;
    }
    if (!ref.productId) throw new ValidationError('productId or variantId is required', 'VARIANT_REQUIRED');
    const p = await this.repo.findProduct(tx, ref.productId, { scope: 'storefront' });
    if (!p) throw productNotFound(ref.productId);
    const ids = (await this.repo.variantsOf(tx, [p.id], { activeOnly: true })).map((v) => v.id);
    if (ids.length !== 1) throw new ValidationError(`Product ${p.id} has several variants; choose a variantId`, 'VARIANT_REQUIRED');
    const [v] = await this.variants(ids, tx);
    return v!;
  }

  /** The SKUs, among these, that already exist (case-insensitive). */
  existingSkus(skus: string[], tx: Tx = this.txRunner.manager): Promise<string[]> {
    return this.repo.existingSkus(tx, skus);
  }

  /** Locks the product row (for variant add/remove), 404 if missing, 409 if archived. */
  private async editable(tx: Tx, id: string, lock: boolean): Promise<Product> {
    const p = await this.repo.findProduct(tx, id, { scope: 'admin', lock });
    if (!p) throw productNotFound();
    if (p.deletedAt) throw archived();
    return p;
  }

  private async withVariants(tx: Tx, products: Product[], activeOnly: boolean): Promise<ProductWithVariants[]> {
    const variants = await this.repo.variantsOf(tx, products.map((p) => p.id), { activeOnly });
    const byProduct = new Map<string, ProductVariant[]>();
    for (const v of variants) byProduct.set(v.productId, [...(byProduct.get(v.productId) ?? []), v]);
    return products.map((p) => Object.assign(p, { variants: byProduct.get(p.id) ?? [] }));
  }

  /** A concurrent insert of the same SKU passes the pre-check and trips the unique index instead. */
  private async guardSku<T>(work: () => Promise<T>, skus: string[]): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (pgError(e)?.code === '23505' && pgError(e)?.constraint === 'product_variants_sku_lower_key') throw skuTaken(skus);
      throw e;
    }
  }
}
