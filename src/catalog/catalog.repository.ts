import { Injectable } from '@nestjs/common';
import { In, type SelectQueryBuilder } from 'typeorm';
import type { Keyset } from '../common/pagination';
import type { Tx } from '../database/tx';
import { ProductVariant } from './product-variant.entity';
import { Product } from './product.entity';

export interface ProductFilter {
  /** `storefront`: active, not archived, with at least one active variant. `admin`: everything but archived unless asked. */
  scope: 'storefront' | 'admin';
  q?: string;
  includeArchived?: boolean;
  active?: boolean;
}

/** A variant with what callers outside the catalog need to know about its product. */
export interface VariantRow {
  id: string;
  productId: string;
  sku: string;
  name: string;
  price: number;
  active: boolean;
  productName: string;
  productActive: boolean;
  productArchived: boolean;
  /** Variants the product has (any state), to decide how to name it in messages. */
  siblings: number;
}

/**
 * The columns of a VariantRow, for any query over `product_variants v JOIN products p ON p.id = v.product_id`
 * (other modules join them to their own rows: the aliases avoid the usual `id`/`name` clashes). Map a row with
 * `variantRowOf`.
 */
export const VARIANT_COLUMNS = `v.id AS "variantId", v.product_id AS "productId", v.sku AS "sku", v.name AS "variantName", v.price AS "price",
       v.active AS "variantActive", p.name AS "productName", p.active AS "productActive", p.deleted_at IS NOT NULL AS "productArchived",
       (SELECT count(*)::int FROM product_variants s WHERE s.product_id = v.product_id) AS "siblings"`;

/** A row as selected with VARIANT_COLUMNS. */
export interface VariantColumns {
  variantId: string;
  productId: string;
  sku: string;
  variantName: string;
  price: number;
  variantActive: boolean;
  productName: string;
  productActive: boolean;
  productArchived: boolean;
  siblings: number;
}

export const variantRowOf = (r: VariantColumns): VariantRow => ({
  id: r.variantId,
  productId: r.productId,
  sku: r.sku,
  name: r.variantName,
  price: r.price,
  active: r.variantActive,
  productName: r.productName,
  productActive: r.productActive,
  productArchived: r.productArchived,
  siblings: Number(r.siblings),
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class CatalogRepository {
  private storefront(q: SelectQueryBuilder<Product>): SelectQueryBuilder<Product> {
    return q
      .andWhere('p.active = true AND p.deleted_at IS NULL')
      .andWhere('EXISTS (SELECT 1 FROM product_variants av WHERE av.product_id = p.id AND av.active = true)');
  }

  /** One page (limit + 1 rows, for toPage), newest first by (created_at, id). */
  listProducts(tx: Tx, f: ProductFilter, limit: number, after?: Keyset): Promise<Product[]> {
    const q = tx.getRepository(Product).createQueryBuilder('p');
    if (f.scope === 'storefront') this.storefront(q);
    else {
      if (!f.includeArchived) q.andWhere('p.deleted_at IS NULL');
      if (f.active !== undefined) q.andWhere('p.active = :active', { active: f.active });
    }
    if (f.q) {
      const activeOnly = f.scope === 'storefront' ? 'AND sv.active = true' : '';
      q.andWhere(
        `(p.name ILIKE :like OR p.description ILIKE :like OR EXISTS (
           SELECT 1 FROM product_variants sv WHERE sv.product_id = p.id AND sv.sku ILIKE :like ${activeOnly}))`,
        { like: `%${escapeLike(f.q)}%` },
      );
    }
    if (after) q.andWhere('(p.created_at, p.id) < (:afterAt, :afterId)', { afterAt: after.createdAt, afterId: after.id });
    return q.orderBy('p.createdAt', 'DESC').addOrderBy('p.id', 'DESC').limit(limit + 1).getMany();
  }

  findProduct(tx: Tx, id: string, opts: { scope: 'storefront' | 'admin'; lock?: boolean }): Promise<Product | null> {
    const q = tx.getRepository(Product).createQueryBuilder('p').where('p.id = :id', { id });
    if (opts.scope === 'storefront') this.storefront(q);
    if (opts.lock) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /** Every variant of these products in display order, one query for a whole page. */
  variantsOf(tx: Tx, productIds: string[], opts: { activeOnly: boolean }): Promise<ProductVariant[]> {
    if (!productIds.length) return Promise.resolve([]);
    return tx.getRepository(ProductVariant).find({
      where: { productId: In(productIds), ...(opts.activeOnly ? { active: true } : {}) },
      order: { position: 'ASC', createdAt: 'ASC', id: 'ASC' },
    });
  }

  findVariant(tx: Tx, productId: string, variantId: string): Promise<ProductVariant | null> {
    return tx.getRepository(ProductVariant).findOneBy({ id: variantId, productId });
  }

  async variantRows(tx: Tx, ids: string[]): Promise<VariantRow[]> {
    if (!ids.length) return [];
    const rows: VariantColumns[] = await tx.query(
      `SELECT ${VARIANT_COLUMNS}
         FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE v.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(variantRowOf);
  }

  /** The given SKUs that already exist (compared case-insensitively), as stored. */
  async existingSkus(tx: Tx, skus: string[], exceptVariantId?: string): Promise<string[]> {
    if (!skus.length) return [];
    const rows: { sku: string }[] = await tx.query(
      `SELECT sku FROM product_variants WHERE lower(sku) = ANY($1::text[]) AND ($2::uuid IS NULL OR id <> $2::uuid) ORDER BY sku`,
      [skus.map((s) => s.toLowerCase()), exceptVariantId ?? null],
    );
    return rows.map((r) => r.sku);
  }

  insertProduct(tx: Tx, data: Pick<Product, 'name' | 'description' | 'active'>): Promise<Product> {
    const repo = tx.getRepository(Product);
    return repo.save(repo.create({ ...data, deletedAt: null }));
  }

  insertVariants(tx: Tx, rows: Array<Pick<ProductVariant, 'productId' | 'sku' | 'name' | 'price' | 'active' | 'position'>>): Promise<ProductVariant[]> {
    const repo = tx.getRepository(ProductVariant);
    return repo.save(repo.create(rows));
  }

  async nextPosition(tx: Tx, productId: string): Promise<number> {
    const [row]: { next: number }[] = await tx.query(
      `SELECT COALESCE(max(position) + 1, 0)::int AS next FROM product_variants WHERE product_id = $1`,
      [productId],
    );
    return row?.next ?? 0;
  }

  async countVariants(tx: Tx, productId: string): Promise<number> {
    return tx.getRepository(ProductVariant).countBy({ productId });
  }

  async updateProduct(tx: Tx, id: string, patch: Partial<Pick<Product, 'name' | 'description' | 'active'>>): Promise<void> {
    await tx.getRepository(Product).update({ id }, patch);
  }

  async updateVariant(tx: Tx, id: string, patch: Partial<Pick<ProductVariant, 'sku' | 'name' | 'price' | 'active'>>): Promise<void> {
    await tx.getRepository(ProductVariant).update({ id }, patch);
  }

  async deleteVariant(tx: Tx, productId: string, id: string): Promise<boolean> {
    const r = await tx.getRepository(ProductVariant).delete({ id, productId });
    return (r.affected ?? 0) > 0;
  }

  /** Sets `deleted_at` once; archiving again keeps the first time. */
  async archive(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE products SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [id]);
  }
}
