import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium, RESULTS_DIR, type RunningApp, screenshot, startApp } from './browser';

/**
 * One customer journey through the demo pages, in order (each step needs the previous one's order): a guest buys
 * two items with the sandbox card and sees the confirmation; an admin finds the order, ships it with a tracking
 * number and exports the list; the guest looks the order up and sees it shipped.
 */
describe('demo storefront and admin (Chromium)', () => {
  const admin = { email: 'admin@demo.test', password: 'browser-admin-password' };
  const guest = { email: `grace.${Date.now()}@example.com`, name: 'Grace Hopper', phone: '+1 555 0100' };
  const tracking = '1Z999AA10123456784';
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let orderNumber = '';

  beforeAll(async () => {
    app = await startApp({ env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }, seed: true });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
  });

  afterEach(() => {
    expect(browser.problems).toEqual([]);
  });

  const addToCart = async (product: string, variant?: string) => {
    await page.getByRole('link', { name: 'Catalog', exact: true }).click();
    await page.getByTestId('product-card').filter({ hasText: product }).click();
    await page.getByRole('heading', { level: 1, name: product }).waitFor();
    if (variant) await page.getByTestId('variant-option').filter({ hasText: variant }).locator('input').check();
    await page.getByTestId('add-to-cart').click();
    await page.getByTestId('added').waitFor();
  };

  it('the storefront explains how to load the demo catalog when it is empty', async () => {
    const empty = { products: [], count: 0, nextCursor: null };
    await page.route('**/api/products?*', (r) => r.fulfill({ json: empty }));
    try {
      await page.goto(`${app.url}/demo/`);
      await expectText(page.getByTestId('empty-catalog'), expect.stringContaining('npm run seed:demo'));
      await screenshot(page, '00-empty-catalog-hint');
    } finally {
      await page.unrouteAll();
    }
  });

  it('a guest buys two items with the sandbox card and sees the confirmation', async () => {
    await page.goto(`${app.url}/demo/`);
    await page.getByTestId('product-card').first().waitFor();
    expect(await page.getByTestId('product-card').count()).toBe(8);
    await screenshot(page, '01-catalog');
    await page.getByRole('searchbox', { name: 'Search products' }).fill('coffee');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/#\/\?q=coffee$/);
    await page.waitForFunction(`document.querySelectorAll('[data-testid="product-card"]').length === 3`);
    expect((await page.getByTestId('product-card').allTextContents()).map((t) => t.split('$')[0])).toEqual(
      expect.arrayContaining([expect.stringContaining('Stoneware Coffee Mug'), expect.stringContaining('Pour-Over Coffee Set')]),
    );
    expect(await page.getByTestId('product-card').count()).toBe(3);

    await addToCart('Stoneware Coffee Mug');
    await screenshot(page, '02-product-added');
    await addToCart('Organic Cotton Tee', 'Black / M');
    await expectText(page.getByTestId('cart-count'), '2');

    await page.getByTestId('nav-cart').click();
    await page.getByTestId('cart-line').nth(1).waitFor();
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    await expectText(page.getByTestId('subtotal'), '$46.00');
    await screenshot(page, '03-cart');

    await page.getByTestId('go-to-checkout').click();
    await page.getByLabel('Email').fill(guest.email);
    await page.getByLabel('Full name').fill(guest.name);
    await page.getByLabel('Phone').fill(guest.phone);
    await page.getByLabel('Street').fill('1 Infinite Loop');
    await page.getByLabel('City').fill('Cupertino');
    await page.getByLabel('State / region').fill('CA');
    await page.getByLabel('Postal code').fill('95014');
    await page.getByTestId('delivery-option').filter({ hasText: 'Standard' }).locator('input').check();
    await expectText(page.locator('.summary [data-testid="total"]'), '$51.00');
    await screenshot(page, '04-checkout');
    await page.getByTestId('place-order').click();

    await page.getByTestId('pay').waitFor();
    await expectText(page.getByTestId('amount-due'), '$51.00');
    await screenshot(page, '05-payment');
    await page.getByTestId('pay').click();

    await page.getByTestId('confirmation').waitFor({ timeout: 30_000 });
    orderNumber = (await page.getByTestId('order-number').textContent()) ?? '';
    expect(orderNumber).toMatch(/^ORD-\d{6,}$/);
    expect(await page.getByTestId('order-item').count()).toBe(2);
    await expectText(page.getByTestId('order-status'), 'paid');
    await expectText(page.locator('[data-testid="order"] [data-testid="total"]'), '$51.00');
    await expectText(page.getByTestId('cart-count'), '0');
    await screenshot(page, '06-confirmation');

    // What the page showed is what the API holds.
    const [row] = await app.t.ds.query<{ status: string; total: number; email: string }[]>('SELECT status, total::int AS total, email FROM orders WHERE number = $1', [orderNumber]);
    expect(row).toEqual({ status: 'paid', total: 5100, email: guest.email });
  });

  it('an admin finds that order and ships it with a tracking number', async () => {
    expect(orderNumber).not.toBe('');
    await page.goto(`${app.url}/demo/admin.html`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByTestId('admin-login').click();
    await page.getByTestId('order-row').first().waitFor();
    await screenshot(page, '07-admin-orders');

    await page.getByTestId('filters').getByLabel('Status').selectOption('paid');
    await page.getByTestId('filters').getByLabel('Email').fill(guest.email.toUpperCase());
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.getByTestId('orders-count'), '1 order matches · page 1');
    const row = page.locator(`[data-testid="order-row"][data-order-number="${orderNumber}"]`);
    await row.waitFor();
    await screenshot(page, '08-admin-filtered');

    await row.getByRole('button', { name: orderNumber }).click();
    await expectText(page.getByTestId('detail-number'), orderNumber);
    await expectText(page.getByTestId('detail-status'), 'paid');
    await screenshot(page, '09-admin-order-detail');

    await page.getByTestId('status-select').selectOption('processing');
    await page.getByTestId('status-submit').click();
    await expectText(page.getByTestId('detail-status'), 'processing');

    await page.getByTestId('status-select').selectOption('shipped');
    await page.getByTestId('tracking-input').fill(tracking);
    await page.getByLabel('Note (optional)').fill('Left the warehouse');
    await page.getByTestId('status-submit').click();
    await expectText(page.getByTestId('detail-status'), 'shipped');
    await expectText(page.getByTestId('detail-tracking'), tracking);
    const history = await page.getByTestId('detail-history').locator('li').allTextContents();
    expect(history.slice(-3)).toEqual([expect.stringMatching(/^paid /), expect.stringMatching(/^processing /), expect.stringMatching(/^shipped .*Left the warehouse/)]);
    await screenshot(page, '10-admin-shipped');

    // The CSV export needs the bearer token: fetched, then saved from a blob.
    await page.getByRole('button', { name: 'Clear' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csvPath = join(RESULTS_DIR, 'orders-export.csv');
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^number,id,createdAt,status/);
    expect(csv).toContain(orderNumber);
    expect(csv).toContain(tracking);
  });

  it('the guest looks the order up and sees it shipped', async () => {
    expect(orderNumber).not.toBe('');
    await page.goto(`${app.url}/demo/#/lookup`);
    await page.getByLabel('Email').fill(guest.email);
    await page.getByLabel('Order number').fill(orderNumber.toLowerCase());
    await page.getByTestId('lookup-submit').click();
    await expectText(page.getByTestId('order-status'), 'shipped');
    await expectText(page.getByTestId('tracking-number'), tracking);
    await expectText(page.getByTestId('order-number'), orderNumber);
    await screenshot(page, '11-lookup-shipped');
  });
});

/**
 * Waits (up to 10 s) until the element's trimmed text equals `expected` (a string, or an asymmetric matcher such
 * as expect.stringContaining), then asserts it, so a failure shows the last text seen.
 */
async function expectText(locator: ReturnType<Page['locator']>, expected: unknown): Promise<void> {
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.textContent({ timeout: 10_000 }).catch(() => '')) ?? '').trim();
    if (matches(text, expected)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(text).toEqual(expected);
}

function matches(text: string, expected: unknown): boolean {
  try {
    expect(text).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}
