import { EnvDto } from './env';

/** Typed, validated configuration. Inject this; never read `process.env` outside `config/`. */
export class AppConfig {
  readonly env: EnvDto['NODE_ENV'];
  readonly isProduction: boolean;
  readonly http: { port?: number; host: string; bodyLimit: string; corsOrigins: string[]; trustProxy?: string };
  readonly database: { url?: string; replicaUrls: string[]; poolSize: number; preparedStatements: boolean; embeddedPort?: number; embeddedDir: string };
  readonly auth: {
    jwtSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    rateLimit: number;
    rateTtlSeconds: number;
    passwordMemoryKib: number;
  };
  readonly admin: { email?: string; password?: string };
  readonly logLevel: string;
  /** Every log line written while serving a request carries its `reqId` (otherwise only the request line and 5xx errors do). */
  readonly logRequestContext: boolean;
  readonly store: { currency: string; defaultTaxRateBps: number; reservationTtlSeconds: number; guestCartTtlSeconds: number };
  readonly payments: {
    provider: 'stripe' | 'sandbox';
    stripeSecretKey?: string;
    stripeApiUrl?: string;
    webhookSecret: string;
    successUrl: string;
    cancelUrl: string;
    publicUrl: string;
  };
  readonly mail: { transport: 'smtp' | 'file'; smtpUrl?: string; dir: string; from: string };
  readonly claims: { tokenTtlSeconds: number; url: string };
  /** The demo storefront and admin pages at /demo (built by `npm run demo:build`). */
  readonly demo: { enabled: boolean };
  readonly outbox: { pollSeconds: number; batchSize: number; maxAttempts: number; retryBaseSeconds: number; retryMaxSeconds: number };

  constructor(e: EnvDto) {
    this.env = e.NODE_ENV;
    this.isProduction = e.NODE_ENV === 'production';
    this.http = {
      port: e.PORT,
      host: e.HOST,
      bodyLimit: e.BODY_LIMIT,
      corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      trustProxy: e.TRUST_PROXY,
    };
    this.database = { url: e.DATABASE_URL, replicaUrls: (e.DATABASE_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean), poolSize: e.DATABASE_POOL_SIZE, preparedStatements: e.DATABASE_PREPARED_STATEMENTS, embeddedPort: e.EMBEDDED_PG_PORT, embeddedDir: e.EMBEDDED_PG_DIR };
    this.auth = {
      jwtSecret: e.JWT_SECRET,
      accessTtlSeconds: e.JWT_ACCESS_TTL_SECONDS,
      refreshTtlSeconds: e.JWT_REFRESH_TTL_SECONDS,
      rateLimit: e.AUTH_RATE_LIMIT,
      rateTtlSeconds: e.AUTH_RATE_TTL_SECONDS,
      passwordMemoryKib: e.PASSWORD_HASH_MEMORY_KIB,
    };
    this.admin = { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD };
    this.logLevel = e.LOG_LEVEL;
    this.logRequestContext = e.LOG_REQUEST_CONTEXT;
    this.store = {
      currency: e.STORE_CURRENCY,
      defaultTaxRateBps: e.DEFAULT_TAX_RATE_BPS,
      reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
      guestCartTtlSeconds: e.GUEST_CART_TTL_SECONDS,
    };
    this.payments = {
      provider: e.PAYMENT_PROVIDER ?? (e.STRIPE_SECRET_KEY ? 'stripe' : 'sandbox'),
      stripeSecretKey: e.STRIPE_SECRET_KEY,
      stripeApiUrl: e.STRIPE_API_URL,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      successUrl: e.CHECKOUT_SUCCESS_URL,
      cancelUrl: e.CHECKOUT_CANCEL_URL,
      publicUrl: e.PUBLIC_URL,
    };
    this.mail = { transport: e.MAIL_TRANSPORT ?? (e.SMTP_URL ? 'smtp' : 'file'), smtpUrl: e.SMTP_URL, dir: e.MAIL_DIR, from: e.MAIL_FROM };
    this.demo = { enabled: e.DEMO_ENABLED ?? e.NODE_ENV !== 'production' };
    this.claims = { tokenTtlSeconds: e.CLAIM_TOKEN_TTL_SECONDS, url: e.CLAIM_URL };
    this.outbox = {
      pollSeconds: e.OUTBOX_POLL_SECONDS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retryBaseSeconds: e.OUTBOX_RETRY_BASE_SECONDS,
      retryMaxSeconds: e.OUTBOX_RETRY_MAX_SECONDS,
    };
  }
}
