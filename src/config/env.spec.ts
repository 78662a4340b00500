import { AppConfig } from './app-config';
import { DEV_DEFAULTS, InvalidConfigError, validateEnv } from './env';

const PROD_OK = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db:5432/app',
  JWT_SECRET: 'a-long-production-secret-value',
  ADMIN_EMAIL: 'ops@shop.test',
  ADMIN_PASSWORD: 'a-strong-password',
  STRIPE_WEBHOOK_SECRET: 'whsec_live_value',
  CORS_ORIGINS: 'https://shop.test',
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_live_value',
  SMTP_URL: 'smtp://mailer:secret@smtp.shop.test:587',
};

describe('validateEnv', () => {
  it('fills development defaults for an empty environment', () => {
    const env = validateEnv({});
    expect(env.NODE_ENV).toBe('development');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.JWT_SECRET).toBe(DEV_DEFAULTS.JWT_SECRET);
    expect(env.STORE_CURRENCY).toBe('usd');
    expect(env.RESERVATION_TTL_SECONDS).toBe(900);
  });

  it('converts numeric strings and names every bad variable', () => {
    expect(validateEnv({ PORT: '8080', DATABASE_POOL_SIZE: '25' })).toMatchObject({ PORT: 8080, DATABASE_POOL_SIZE: 25 });
    let err: unknown;
    try {
      validateEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', STORE_CURRENCY: 'USD', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigError);
    const message = (err as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'STORE_CURRENCY', 'LOG_LEVEL']) expect(message).toContain(`${name}:`);
  });

  it('TRUST_PROXY names proxies; a bare hop count (which would silently trust the address 0.0.0.1) is refused', () => {
    for (const ok of ['loopback', '10.0.0.0/8', '10.0.0.1, 192.168.0.0/16', 'loopback,uniquelocal']) expect(validateEnv({ TRUST_PROXY: ok }).TRUST_PROXY).toBe(ok);
    for (const bad of ['1', ' 2 ']) expect(() => validateEnv({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: .*hop count/);
  });

  it('accepts a complete production environment', () => {
    expect(() => validateEnv(PROD_OK)).not.toThrow();
  });

  it.each(Object.keys(DEV_DEFAULTS))('refuses the development default of %s in production', (key) => {
    const env = { ...PROD_OK, [key]: DEV_DEFAULTS[key as keyof typeof DEV_DEFAULTS] };
    expect(() => validateEnv(env)).toThrow(new RegExp(`${key}: must be set to a non-default value in production`));
  });

  it('refuses an implicit payment provider in production', () => {
    expect(() => validateEnv({ ...PROD_OK, PAYMENT_PROVIDER: '' })).toThrow(/PAYMENT_PROVIDER: must be set explicitly in production/);
  });

  it('refuses embedded PostgreSQL and a wildcard CORS origin in production', () => {
    expect(() => validateEnv({ ...PROD_OK, DATABASE_URL: '' })).toThrow(/DATABASE_URL: is required in production/);
    expect(() => validateEnv({ ...PROD_OK, CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });

  it('needs a Stripe key for the stripe provider and picks sandbox without one', () => {
    expect(() => validateEnv({ PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY: is required/);
    expect(new AppConfig(validateEnv({})).payments.provider).toBe('sandbox');
    expect(new AppConfig(validateEnv({ STRIPE_SECRET_KEY: 'sk_test_123' })).payments.provider).toBe('stripe');
  });

  it('splits the CORS allow-list', () => {
    const c = new AppConfig(validateEnv({ CORS_ORIGINS: 'https://a.test, https://b.test ,' }));
    expect(c.http.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
  });

  it('mail: file transport by default, SMTP when SMTP_URL is set; production needs SMTP or an explicit file transport', () => {
    expect(new AppConfig(validateEnv({})).mail).toEqual({ transport: 'file', smtpUrl: undefined, dir: './.data/mail', from: 'Shop <no-reply@shop.local>' });
    expect(new AppConfig(validateEnv({ SMTP_URL: 'smtp://127.0.0.1:2525' })).mail.transport).toBe('smtp');
    expect(new AppConfig(validateEnv({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_TRANSPORT: 'file' })).mail.transport).toBe('file');
    expect(() => validateEnv({ MAIL_TRANSPORT: 'smtp' })).toThrow(/SMTP_URL: is required when MAIL_TRANSPORT=smtp/);
    expect(() => validateEnv({ SMTP_URL: 'http://mail.test' })).toThrow(/SMTP_URL: .*must look like/);
    expect(() => validateEnv({ MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
    expect(() => validateEnv({ ...PROD_OK, SMTP_URL: '' })).toThrow(/SMTP_URL: is required in production/);
    expect(() => validateEnv({ ...PROD_OK, SMTP_URL: '', MAIL_TRANSPORT: 'file' })).not.toThrow();
  });

  it('outbox and claim settings', () => {
    const c = new AppConfig(validateEnv({}));
    expect(c.outbox).toEqual({ pollSeconds: 5, batchSize: 20, maxAttempts: 10, retryBaseSeconds: 30, retryMaxSeconds: 3600 });
    expect(c.claims.tokenTtlSeconds).toBe(86_400);
    expect(() => validateEnv({ OUTBOX_RETRY_BASE_SECONDS: '600', OUTBOX_RETRY_MAX_SECONDS: '60' })).toThrow(/OUTBOX_RETRY_MAX_SECONDS/);
    expect(() => validateEnv({ CLAIM_URL: 'https://shop.test/claim' })).toThrow(/CLAIM_URL: .*containing \{TOKEN\}/);
  });

  it('demo pages: on in development and test, off in production unless DEMO_ENABLED', () => {
    expect(new AppConfig(validateEnv({})).demo.enabled).toBe(true);
    expect(new AppConfig(validateEnv({ NODE_ENV: 'test' })).demo.enabled).toBe(true);
    expect(new AppConfig(validateEnv(PROD_OK)).demo.enabled).toBe(false);
    expect(new AppConfig(validateEnv({ ...PROD_OK, DEMO_ENABLED: 'true' })).demo.enabled).toBe(true);
    expect(new AppConfig(validateEnv({ DEMO_ENABLED: 'off' })).demo.enabled).toBe(false);
    expect(new AppConfig(validateEnv({ DEMO_ENABLED: '' })).demo.enabled).toBe(true);
    expect(() => validateEnv({ DEMO_ENABLED: 'maybe' })).toThrow(/DEMO_ENABLED: DEMO_ENABLED must be true or false/);
  });
});
