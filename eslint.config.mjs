// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The module graph from STYLE.md: a feature folder may import only the folders listed for it
 * (plus common/, config/, database/). No cycles, no forwardRef.
 */
const MAY_IMPORT = {
  auth: ['customers'],
  customers: [],
  catalog: [],
  inventory: ['catalog'],
  pricing: [],
  cart: ['catalog', 'pricing', 'customers'],
  payments: [],
  notifications: [],
  orders: ['inventory', 'payments', 'customers', 'notifications', 'catalog', 'pricing'],
  checkout: ['cart', 'inventory', 'pricing', 'customers', 'payments', 'orders', 'notifications', 'catalog'],
  webhooks: ['payments', 'checkout', 'orders'],
};
const FEATURES = Object.keys(MAY_IMPORT);
const SHARED = ['common', 'config', 'database'];

/** import-x resolves each import to a file, so `../auth` from src/common/metrics is src/common/auth, not src/auth. */
const zones = [
  ...FEATURES.flatMap((f) =>
    FEATURES.filter((o) => o !== f && !MAY_IMPORT[f].includes(o)).map((o) => ({
      target: `./src/${f}`,
      from: `./src/${o}`,
      message: `src/${f} may not import src/${o} (module graph in STYLE.md).`,
    })),
  ),
  // Shared folders hold no business logic and know no feature module.
  ...SHARED.flatMap((s) => FEATURES.map((o) => ({ target: `./src/${s}`, from: `./src/${o}`, message: `src/${s} may not import src/${o}.` }))),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'bench/results/', 'clients/ts/src/schema.d.ts', 'clients/ts/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: { 'import-x/no-restricted-paths': ['error', { zones }], 'import-x/no-cycle': 'error' },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } } },
  { files: ['test/**/*.ts', 'scripts/**/*.ts', '**/*.spec.ts'], rules: { 'no-console': 'off' } },
);
