import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

/** Development defaults for secrets. `NODE_ENV=production` refuses to start with any of them. */
export const DEV_DEFAULTS = {
  JWT_SECRET: 'dev-only-jwt-secret-change-me',
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'admin-dev-password',
  STRIPE_WEBHOOK_SECRET: 'whsec_dev_only_sandbox_secret',
} as const;

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
/** `true|1|yes|on` / `false|0|no|off` (any case); anything else is left for @IsBoolean to reject. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  return ['true', '1', 'yes', 'on'].includes(v) ? true : ['false', '0', 'no', 'off'].includes(v) ? false : value;
};

/** Every environment variable the service reads. Validated once at start-up. */
export class EnvDto {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsString()
  HOST = '0.0.0.0';

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Comma-separated read replicas for order history and admin lists (docs/scaling.md). Unset: primary only. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\/[^,]+(,\s*postgres(ql)?:\/\/[^,]+)*$/, { message: 'DATABASE_REPLICA_URLS must be comma-separated postgres:// URLs' })
  DATABASE_REPLICA_URLS?: string;

  /** At least 2: the outbox worker composes an email on one connection while its batch holds another. */
  @Transform(toInt) @IsInt() @Min(2) @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Send parameterised queries as named prepared statements. Off for PgBouncer in transaction mode before 1.21. */
  @Transform(toBool) @IsBoolean({ message: 'DATABASE_PREPARED_STATEMENTS must be true or false' })
  DATABASE_PREPARED_STATEMENTS = true;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(65535)
  EMBEDDED_PG_PORT?: number;

  @IsString()
  EMBEDDED_PG_DIR = './.data/pg';

  @IsString() @MinLength(16)
  JWT_SECRET: string = DEV_DEFAULTS.JWT_SECRET;

  @Transform(toInt) @IsInt() @Min(30) @Max(86_400)
  JWT_ACCESS_TTL_SECONDS = 900;

  @Transform(toInt) @IsInt() @Min(300) @Max(31_536_000)
  JWT_REFRESH_TTL_SECONDS = 2_592_000;

  @IsOptional() @Transform(emptyToUndefined) @IsEmail()
  ADMIN_EMAIL?: string = DEV_DEFAULTS.ADMIN_EMAIL;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(8)
  ADMIN_PASSWORD?: string = DEV_DEFAULTS.ADMIN_PASSWORD;

  /** Comma-separated list of allowed browser origins; `*` allows any (development only). */
  @IsString()
  CORS_ORIGINS = 'http://localhost:3000,http://localhost:5173';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 100kb' })
  BODY_LIMIT = '100kb';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Stamp the request's `reqId` on every log line written while serving it (AsyncLocalStorage: ≈ 8 % more app CPU under load). */
  @Transform(toBool) @IsBoolean({ message: 'LOG_REQUEST_CONTEXT must be true or false' })
  LOG_REQUEST_CONTEXT = false;

  @Transform(toInt) @IsInt() @Min(1)
  AUTH_RATE_LIMIT = 10;

  @Transform(toInt) @IsInt() @Min(1)
  AUTH_RATE_TTL_SECONDS = 60;

  @Matches(/^[a-z]{3}$/, { message: 'STORE_CURRENCY must be a lower-case ISO 4217 code such as usd' })
  STORE_CURRENCY = 'usd';

  @Transform(toInt) @IsInt() @Min(0) @Max(10_000)
  DEFAULT_TAX_RATE_BPS = 0;

  @Transform(toInt) @IsInt() @Min(60) @Max(86_400)
  RESERVATION_TTL_SECONDS = 900;

  /** Abandoned guest carts are deleted this long after their last write. */
  @Transform(toInt) @IsInt() @Min(3600) @Max(31_536_000)
  GUEST_CART_TTL_SECONDS = 2_592_000;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(['stripe', 'sandbox'])
  PAYMENT_PROVIDER?: 'stripe' | 'sandbox';

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^(sk|rk)_/, { message: 'STRIPE_SECRET_KEY must start with sk_ or rk_' })
  STRIPE_SECRET_KEY?: string;

  @IsString() @Matches(/^whsec_/, { message: 'STRIPE_WEBHOOK_SECRET must start with whsec_' })
  STRIPE_WEBHOOK_SECRET: string = DEV_DEFAULTS.STRIPE_WEBHOOK_SECRET;

  /** Stripe API base URL override (stripe-mock, or the fake server in tests). Default: Stripe's own. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/[^/]+\/?$/, { message: 'STRIPE_API_URL must look like http://host:port' })
  STRIPE_API_URL?: string;

  /** This service's public base URL (sandbox hosted-checkout pages link to it). */
  @IsString() @Matches(/^https?:\/\/[^/]+$/, { message: 'PUBLIC_URL must look like https://api.shop.example (no trailing slash)' })
  PUBLIC_URL = 'http://localhost:3000';

  /** Where the storefront sends the buyer after a hosted (Stripe Checkout) payment; `{CHECKOUT_ID}` is replaced. */
  @IsString() @Matches(/^https?:\/\//, { message: 'CHECKOUT_SUCCESS_URL must be an http(s) URL' })
  CHECKOUT_SUCCESS_URL = 'http://localhost:5173/checkout/success?checkout={CHECKOUT_ID}';

  @IsString() @Matches(/^https?:\/\//, { message: 'CHECKOUT_CANCEL_URL must be an http(s) URL' })
  CHECKOUT_CANCEL_URL = 'http://localhost:5173/checkout/cancelled?checkout={CHECKOUT_ID}';

  /** Serve the demo storefront and admin pages at /demo. Default: on in development and test, off in production. */
  @IsOptional() @Transform(toBool) @IsBoolean({ message: 'DEMO_ENABLED must be true or false' })
  DEMO_ENABLED?: boolean;

  /** argon2id memory cost; lowered by the test suite only. */
  @Transform(toInt) @IsInt() @Min(1024)
  PASSWORD_HASH_MEMORY_KIB = 19_456;

  /** Proxies to trust for X-Forwarded-For: addresses, subnets or loopback/linklocal/uniquelocal, comma-separated. */
  @IsOptional() @Transform(emptyToUndefined) @Length(1, 64)
  @Matches(/^(?!\s*\d+\s*$)/, { message: 'TRUST_PROXY must name the proxies (an address, a subnet such as 10.0.0.0/8, or loopback); a hop count is not supported' })
  TRUST_PROXY?: string;

  // ---- mail and the outbox worker (docs/notifications.md) ----

  /** `smtp` (needs SMTP_URL) or `file` (.eml files under MAIL_DIR). Default: `smtp` when SMTP_URL is set, else `file`. */
  @IsOptional() @Transform(emptyToUndefined) @IsIn(['smtp', 'file'])
  MAIL_TRANSPORT?: 'smtp' | 'file';

  /** e.g. `smtp://user:pass@mail.example.com:587` (STARTTLS when offered) or `smtps://…:465`; nodemailer URL options allowed. */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^smtps?:\/\/[^/?#]+/, { message: 'SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465' })
  SMTP_URL?: string;

  /** Where the file transport writes one .eml file per message. */
  @IsString() @MinLength(1)
  MAIL_DIR = './.data/mail';

  /** The From header of every email, e.g. `Shop <no-reply@shop.example>`; its display name is the store name in emails. */
  @IsString() @Matches(/^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/, { message: 'MAIL_FROM must be an address, optionally with a name: Shop <no-reply@shop.example>' })
  MAIL_FROM = 'Shop <no-reply@shop.local>';

  /** Lifetime of an account-claim token (emailed to guests). */
  @Transform(toInt) @IsInt() @Min(300) @Max(2_592_000)
  CLAIM_TOKEN_TTL_SECONDS = 86_400;

  /** The storefront page that completes a claim; `{TOKEN}` and `{EMAIL}` are replaced (URL-encoded). */
  @IsString() @Matches(/^https?:\/\/.*\{TOKEN\}/, { message: 'CLAIM_URL must be an http(s) URL containing {TOKEN}' })
  CLAIM_URL = 'http://localhost:5173/account/claim?email={EMAIL}&token={TOKEN}';

  /** How often each instance looks for due outbox messages. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  OUTBOX_POLL_SECONDS = 5;

  /** Messages claimed (and locked) per worker transaction. */
  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  OUTBOX_BATCH_SIZE = 20;

  /** Failed deliveries are retried until this many attempts, then dead-lettered (`failed_at`). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  OUTBOX_MAX_ATTEMPTS = 10;

  /** Retry n waits base × 2^(n−1) seconds, at most OUTBOX_RETRY_MAX_SECONDS. */
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  OUTBOX_RETRY_BASE_SECONDS = 30;

  @Transform(toInt) @IsInt() @Min(1) @Max(604_800)
  OUTBOX_RETRY_MAX_SECONDS = 3600;
}

export class InvalidConfigError extends Error {}

export function validateEnv(raw: Record<string, unknown>): EnvDto {
  const env = plainToInstance(EnvDto, raw, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: false, forbidUnknownValues: false }).map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`,
  );
  if (env.NODE_ENV === 'production') {
    for (const key of Object.keys(DEV_DEFAULTS) as (keyof typeof DEV_DEFAULTS)[]) {
      if (env[key] === DEV_DEFAULTS[key]) problems.push(`${key}: must be set to a non-default value in production`);
    }
    if (!env.DATABASE_URL) problems.push('DATABASE_URL: is required in production (embedded PostgreSQL is for development)');
    if (env.CORS_ORIGINS.split(',').some((o) => o.trim() === '*')) problems.push('CORS_ORIGINS: `*` is not allowed in production');
  }
  if (env.NODE_ENV === 'production' && !env.PAYMENT_PROVIDER) {
    // The sandbox lets anyone mark a payment as succeeded: production must choose it on purpose.
    problems.push('PAYMENT_PROVIDER: must be set explicitly in production (stripe, or sandbox for benchmarks)');
  }
  if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) problems.push('SMTP_URL: is required when MAIL_TRANSPORT=smtp');
  if (env.NODE_ENV === 'production' && !env.SMTP_URL && env.MAIL_TRANSPORT !== 'file') {
    // Customers would silently get no email: production writes .eml files only when told to.
    problems.push('SMTP_URL: is required in production (or set MAIL_TRANSPORT=file on purpose)');
  }
  if (env.OUTBOX_RETRY_MAX_SECONDS < env.OUTBOX_RETRY_BASE_SECONDS) problems.push('OUTBOX_RETRY_MAX_SECONDS: must be at least OUTBOX_RETRY_BASE_SECONDS');
  if (env.PAYMENT_PROVIDER === 'stripe' && !env.STRIPE_SECRET_KEY) {
    problems.push('STRIPE_SECRET_KEY: is required when PAYMENT_PROVIDER=stripe');
  }
  if (problems.length) throw new InvalidConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return env;
}
