/**
 * `npm run test:browser`: the demo pages and Swagger UI in Debian's Chromium, driven by playwright-core, against
 * the real app on a real port (test/browser/*.browser-spec.ts). Same transform and database setup as the e2e
 * project (one PostgreSQL, migrated template, a database per worker); one worker, since each spec runs a browser.
 * Screenshots go to test-results/browser/.
 */
// The same transform and setup as the e2e project: shared, not copied. (A CommonJS config, like jest.config.js.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require('./jest.config.js');

const e2e = base.projects.find((p) => p.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  ...e2e,
  displayName: 'browser',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
