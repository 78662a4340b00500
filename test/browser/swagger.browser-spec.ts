import type { Page } from 'playwright-core';
import { type Browser, launchChromium, type RunningApp, screenshot, startApp } from './browser';

describe('Swagger UI (Chromium)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
  });

  it('loads at /docs and lists the checkout routes', async () => {
    await page.goto(`${app.url}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30_000 });
    const routes = (await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent ?? ''} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''}`),
    )) as string[];
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/checkout',
        'GET /api/checkout/{id}',
        'POST /api/checkout/{id}/confirm',
        'POST /api/payments/sandbox/intents/{id}/succeed',
        'POST /api/orders/lookup',
      ]),
    );
    await screenshot(page, '12-swagger-ui');
    expect(browser.problems).toEqual([]);
  });
});
