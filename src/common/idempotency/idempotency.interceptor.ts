import { applyDecorators, type CallHandler, type ExecutionContext, HttpStatus, Injectable, Logger, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { ConflictError, DomainError, ValidationError } from '../errors/domain-error';
import { ErrorFilter } from '../errors/error.filter';
import { IdempotencyKey } from './idempotency-key.entity';

export const IDEMPOTENT = 'idempotency:enabled';
/** Marks a POST that creates or moves money or stock: it honours the `Idempotency-Key` header. */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Up to 255 printable characters. The first response is replayed for 24 h (`Idempotent-Replayed: true`); another body with the same key → 409 IDEMPOTENCY_KEY_REUSED; while the first runs → 409 REQUEST_IN_PROGRESS.',
    }),
  );

const HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;
const TTL_MS = 24 * 3600 * 1000;
/** A request still "in progress" after this is presumed dead (crashed instance); its key may be reused. */
const LEASE_MS = 60 * 1000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A stored error response, thrown again on replay; the filter renders it exactly as it was. */
class ReplayedError extends DomainError {
  readonly status: HttpStatus;
  readonly code: string;
  constructor(body: Record<string, unknown>) {
    const { statusCode, error: _e, code, message, ...rest } = body;
    super(String(message), rest);
    this.status = Number(statusCode);
    this.code = String(code);
  }
}

/** Stable JSON: object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Stripe-style idempotency for routes marked `@Idempotent()`. The key row is claimed with an INSERT
 * (`ON CONFLICT DO NOTHING`), so across any number of instances exactly one request runs per key; the
 * others get the stored response (`Idempotent-Replayed: true`), 409 REQUEST_IN_PROGRESS while it runs, or
 * 409 IDEMPOTENCY_KEY_REUSED for a different request. 2xx and 4xx responses are stored; after a 5xx (or a
 * crash) the key is freed so the client can retry it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);
  private readonly errors = new ErrorFilter();

  constructor(
    private readonly reflector: Reflector,
    private readonly ds: DataSource,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(IDEMPOTENT, ctx.getHandler())) return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: { id: string } }>();
    const key = req.headers[HEADER];
    if (key === undefined) return next.handle();
    return from(this.run(ctx, req, key, next));
  }

  private async run(ctx: ExecutionContext, req: FastifyRequest & { user?: { id: string } }, key: string | string[], next: CallHandler): Promise<unknown> {
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters', 'INVALID_IDEMPOTENCY_KEY');
    }
    const res = ctx.switchToHttp().getResponse<FastifyReply>();
    const session = req.headers['x-session-id'];
    const scope = req.user?.id ? `user:${req.user.id}` : typeof session === 'string' && session ? `session:${sha256(session)}` : `ip:${req.ip ?? 'unknown'}`;
    // The route template (`POST /api/checkout/:id/confirm`), the same string Express's `req.route.path` gave: keys
    // stored before the move to Fastify still match.
    const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
    const requestHash = sha256(canonical({ params: req.params, body: req.body ?? null }));
    const id = { scope, route, key };
    const repo = this.ds.getRepository(IdempotencyKey);

    const claimed = await this.claim(id, requestHash);
    if (!claimed) {
      const row = await repo.findOneBy(id);
      if (!row) return this.run(ctx, req, key, next); // expired and purged between the two statements
      if (row.requestHash !== requestHash) {
        throw new ConflictError('This Idempotency-Key was already used with a different request', 'IDEMPOTENCY_KEY_REUSED');
      }
      if (row.state === 'in_progress') throw new ConflictError('A request with this Idempotency-Key is still in progress', 'REQUEST_IN_PROGRESS');
      void res.header('Idempotent-Replayed', 'true');
      const status = row.responseStatus ?? 200;
      if (status >= 400) throw new ReplayedError(row.responseBody as Record<string, unknown>);
      void res.status(status);
      return row.responseBody;
    }

    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ?? (req.method === 'POST' ? 201 : 200);
    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // A handler that set its own status (res.status(...)) wins over the route's default.
      const sent = res.statusCode !== 200 ? res.statusCode : status;
      await repo.update(id, { state: 'completed', responseStatus: sent, responseBody: (body ?? null) as object });
      return body;
    } catch (e) {
      const errorBody = this.errors.toBody(e);
      if (errorBody.statusCode < 500) {
        await repo.update(id, { state: 'completed', responseStatus: errorBody.statusCode, responseBody: errorBody as object });
      } else {
        await repo.delete(id).catch((err: unknown) => this.logger.warn({ err }, 'Could not free an idempotency key'));
      }
      throw e;
    }
  }

  /** Inserts the key as in progress; takes over an expired key or a dead request's lease. */
  private async claim(id: { scope: string; route: string; key: string }, requestHash: string): Promise<boolean> {
    const now = Date.now();
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO idempotency_keys (scope, route, key, request_hash, state, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, 'in_progress', $5, $6)
       ON CONFLICT (scope, route, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_progress', response_status = NULL, response_body = NULL,
             locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
         WHERE idempotency_keys.expires_at <= now()
            OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until <= now() AND idempotency_keys.request_hash = EXCLUDED.request_hash)
       RETURNING key`,
      [id.scope, id.route, id.key, requestHash, new Date(now + LEASE_MS), new Date(now + TTL_MS)],
    );
    return rows.length === 1;
  }
}
