/**
 * `npm run seed:demo`: loads a small demo catalog (products, variants, stock) and delivery methods into
 * DATABASE_URL, or into the embedded PostgreSQL that `npm start` uses when DATABASE_URL is not set, so the demo
 * storefront at /demo can check out right away. Idempotent: a product whose SKUs already exist is skipped, and
 * so is a delivery method whose name exists. The browser tests seed their database with `seedDemo` too.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from '../src/app.module';
import { CatalogService } from '../src/catalog/catalog.service';
import { validateEnv } from '../src/config/env';
import { prepareDatabase } from '../src/database/prepare';
import type { CreateProductDto } from '../src/inventory/dto/product.dto';
import { ProductsService } from '../src/inventory/products.service';
import type { CreateDeliveryMethodDto } from '../src/pricing/dto/pricing.dto';
import { PricingService } from '../src/pricing/pricing.service';

type DemoProduct = Omit<CreateProductDto, 'variants'> & { variants: { sku: string; name: string; price: number; initialStock: number }[] };

/** One variant per size of a colour, e.g. `DEMO-TEE-BLK-M` "Black / M". */
const sizes = (sku: string, colour: string, price: number, stock: number[]) =>
  ['S', 'M', 'L', 'XL'].map((size, i) => ({ sku: `${sku}-${size}`, name: `${colour} / ${size}`, price, initialStock: stock[i] ?? 0 }));

/** Prices in minor units of the store currency. */
export const DEMO_PRODUCTS: DemoProduct[] = [
  {
    name: 'Organic Cotton Tee',
    description: 'Heavyweight 220 gsm organic cotton, garment-dyed. Relaxed fit.',
    variants: [...sizes('DEMO-TEE-BLK', 'Black', 2800, [12, 20, 15, 4]), ...sizes('DEMO-TEE-WHT', 'White', 2800, [8, 0, 10, 2])],
  },
  {
    name: 'Merino Wool Beanie',
    description: 'Soft, warm, itch-free merino. One size.',
    variants: [
      { sku: 'DEMO-BEANIE-GRY', name: 'Heather grey', price: 3200, initialStock: 30 },
      { sku: 'DEMO-BEANIE-NVY', name: 'Navy', price: 3200, initialStock: 18 },
      { sku: 'DEMO-BEANIE-RST', name: 'Rust', price: 3200, initialStock: 0 },
    ],
  },
  {
    name: 'Stoneware Coffee Mug',
    description: 'Hand-glazed 350 ml mug. Dishwasher and microwave safe.',
    variants: [{ sku: 'DEMO-MUG-350', name: 'Default', price: 1800, initialStock: 40 }],
  },
  {
    name: 'Pour-Over Coffee Set',
    description: 'Ceramic dripper, glass carafe and 100 filters.',
    variants: [{ sku: 'DEMO-POUROVER', name: 'Default', price: 5400, initialStock: 7 }],
  },
  {
    name: 'Canvas Tote Bag',
    description: 'Waxed canvas with leather handles and an inside pocket.',
    variants: [
      { sku: 'DEMO-TOTE-NAT', name: 'Natural', price: 4500, initialStock: 25 },
      { sku: 'DEMO-TOTE-OLV', name: 'Olive', price: 4500, initialStock: 9 },
    ],
  },
  {
    name: 'Single-Origin Coffee Beans',
    description: 'Washed Ethiopian Yirgacheffe, medium-light roast.',
    variants: [
      { sku: 'DEMO-BEANS-250', name: '250 g', price: 1600, initialStock: 60 },
      { sku: 'DEMO-BEANS-1000', name: '1 kg', price: 5200, initialStock: 15 },
    ],
  },
  {
    name: 'Linen Napkins (Set of 4)',
    description: 'Stonewashed European linen, 45 × 45 cm.',
    variants: [
      { sku: 'DEMO-NAPKIN-SND', name: 'Sand', price: 3600, initialStock: 14 },
      { sku: 'DEMO-NAPKIN-CHR', name: 'Charcoal', price: 3600, initialStock: 3 },
    ],
  },
  {
    name: 'Brass Bottle Opener',
    description: 'Solid brass, ages to a warm patina.',
    variants: [{ sku: 'DEMO-OPENER', name: 'Default', price: 2200, initialStock: 1 }],
  },
];

/** Prices in minor units; `countries: []` serves every country. */
export const DEMO_DELIVERY_METHODS: CreateDeliveryMethodDto[] = [
  { name: 'Standard', description: '3–5 business days', price: 500, countries: [] },
  { name: 'Express', description: '1–2 business days', price: 1500, countries: ['US', 'CA', 'GB', 'DE', 'FR', 'NL'] },
];

export interface SeedResult {
  productsCreated: number;
  deliveryMethodsCreated: number;
}

/** Adds whatever of the demo catalog and delivery methods is missing, through the app's own services. */
export async function seedDemo(app: INestApplicationContext, log: (line: string) => void = () => undefined): Promise<SeedResult> {
  const catalog = app.get(CatalogService);
  const products = app.get(ProductsService);
  const pricing = app.get(PricingService);
  let productsCreated = 0;
  for (const demo of DEMO_PRODUCTS) {
    const existing = await catalog.existingSkus(demo.variants.map((v) => v.sku));
    if (existing.length) {
      log(`skip    ${demo.name} (SKUs already present: ${existing.join(', ')})`);
      continue;
    }
    const p = await products.create(demo, null);
    productsCreated++;
    log(`created ${p.name} (${p.variants.length} variant${p.variants.length > 1 ? 's' : ''}) ${p.id}`);
  }
  const methods = new Set((await pricing.listDeliveryMethods(undefined, true)).map((m) => m.name.toLowerCase()));
  let deliveryMethodsCreated = 0;
  for (const m of DEMO_DELIVERY_METHODS) {
    if (methods.has(m.name.toLowerCase())) {
      log(`skip    delivery method ${m.name} (already present)`);
      continue;
    }
    const created = await pricing.createDeliveryMethod(m);
    deliveryMethodsCreated++;
    log(`created delivery method ${created.name} (${m.countries.length ? m.countries.join(', ') : 'all countries'}) ${created.id}`);
  }
  return { productsCreated, deliveryMethodsCreated };
}

async function main() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  const db = await prepareDatabase(env);
  try {
    process.env.DATABASE_URL = db.url;
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      const r = await seedDemo(app, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(
        `Demo catalog: ${r.productsCreated} product(s) created, ${DEMO_PRODUCTS.length - r.productsCreated} already present; ` +
          `${r.deliveryMethodsCreated} delivery method(s) created.\n`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await db.stop();
  }
}

// Run only as a script: the browser tests import seedDemo.
if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
