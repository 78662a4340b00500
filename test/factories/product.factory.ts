import { DataSource } from 'typeorm';
import { ProductVariant } from '../../src/catalog/product-variant.entity';
import { Product } from '../../src/catalog/product.entity';
import { InventoryMovement } from '../../src/inventory/inventory-movement.entity';
import { StockItem } from '../../src/inventory/stock-item.entity';
import type { TestApp } from '../test-app';

let seq = 0;

export interface VariantOverrides {
  sku?: string;
  name?: string;
  /** Minor units. */
  price?: number;
  active?: boolean;
  /** Units on hand (default 10), with an `initial` ledger row when > 0. */
  stock?: number;
  /** Units already reserved (≤ stock). */
  reserved?: number;
}

export interface ProductOverrides {
  name?: string;
  description?: string | null;
  active?: boolean;
  archived?: boolean;
  createdAt?: Date;
  /** Default: one variant. */
  variants?: VariantOverrides[];
}

export interface CreatedVariant {
  id: string;
  sku: string;
  name: string;
  price: number;
  active: boolean;
}

export interface CreatedProduct {
  id: string;
  name: string;
  variants: CreatedVariant[];
}

/** Unsaved values with unique names and SKUs. */
export function buildProduct(overrides: ProductOverrides = {}): Required<Omit<ProductOverrides, 'createdAt'>> & { createdAt?: Date } {
  seq += 1;
  const n = seq;
  return {
    name: `Product ${n}`,
    description: `Description of product ${n}`,
    active: true,
    archived: false,
    ...overrides,
    variants: (overrides.variants ?? [{}]).map((v, i) => ({
      sku: `SKU-${process.pid}-${n}-${i + 1}`,
      name: `Variant ${i + 1}`,
      price: 1000 + i * 100,
      active: true,
      stock: 10,
      reserved: 0,
      ...v,
    })),
  };
}

/**
 * Persists a product with its variants, stock rows and `initial` ledger rows, as the admin API would.
 * Accepts the test app or a DataSource.
 */
export async function createProduct(target: TestApp | DataSource, overrides: ProductOverrides = {}): Promise<CreatedProduct> {
  const ds = target instanceof DataSource ? target : target.ds;
  const data = buildProduct(overrides);
  return ds.transaction(async (tx) => {
    const product = await tx.getRepository(Product).save(
      tx.getRepository(Product).create({
        name: data.name,
        description: data.description,
        active: data.active,
        deletedAt: data.archived ? new Date() : null,
      }),
    );
    if (data.createdAt) await tx.query('UPDATE products SET created_at = $2 WHERE id = $1', [product.id, data.createdAt]);
    const variants = await tx.getRepository(ProductVariant).save(
      data.variants.map((v, position) =>
        tx.getRepository(ProductVariant).create({ productId: product.id, sku: v.sku!, name: v.name!, price: v.price!, active: v.active!, position }),
      ),
    );
    await tx.getRepository(StockItem).insert(
      variants.map((v, i) => ({ variantId: v.id, onHand: data.variants[i]!.stock!, reserved: data.variants[i]!.reserved! })),
    );
    const initial = variants.filter((_, i) => data.variants[i]!.stock! > 0);
    if (initial.length) {
      await tx.getRepository(InventoryMovement).insert(
        initial.map((v) => ({
          variantId: v.id,
          deltaOnHand: data.variants[variants.indexOf(v)]!.stock!,
          deltaReserved: 0,
          kind: 'initial' as const,
          reason: 'Initial stock',
          reference: null,
          actorId: null,
        })),
      );
    }
    return {
      id: product.id,
      name: product.name,
      variants: variants.map((v) => ({ id: v.id, sku: v.sku, name: v.name, price: v.price, active: v.active })),
    };
  });
}

/** Current stock row of a variant, read straight from the table. */
export async function stockOf(target: TestApp | DataSource, variantId: string): Promise<{ onHand: number; reserved: number } | undefined> {
  const ds = target instanceof DataSource ? target : target.ds;
  const [row] = await ds.query('SELECT on_hand, reserved FROM stock_items WHERE variant_id = $1', [variantId]);
  return row ? { onHand: row.on_hand, reserved: row.reserved } : undefined;
}

/** Ledger rows of a variant, oldest first. */
export async function movementsOf(target: TestApp | DataSource, variantId: string): Promise<InventoryMovement[]> {
  const ds = target instanceof DataSource ? target : target.ds;
  return ds.getRepository(InventoryMovement).find({ where: { variantId }, order: { createdAt: 'ASC', id: 'ASC' } });
}
