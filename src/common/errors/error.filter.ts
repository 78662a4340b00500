import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ServerResponse, STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { DomainError } from './domain-error';
import { ErrorBody } from './error-body';

const DEFAULT_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  502: 'PAYMENT_PROVIDER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Request errors raised by Fastify (`FST_ERR_*`) and @fastify/compress (`FST_CP_ERR_*`) while routing and reading
 * bodies (common/http/body-parsers.ts): a stable code and our own message, never the library's.
 */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported request body content type or charset' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST', message: 'Malformed request body' },
  FST_CP_ERR_INVALID_CONTENT_ENCODING: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported request body encoding' },
  FST_CP_ERR_INVALID_CONTENT: { status: 400, code: 'BAD_REQUEST', message: 'Request body could not be decompressed' },
  // Broken percent-encoding in the path (Express: "Failed to decode param '…'"; the path is not echoed here).
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_REQUEST', message: 'Malformed percent-encoding in the URL' },
};

/** PostgreSQL SQLSTATEs that mean "the client sent something the schema rejects", not a server fault. */
const PG_CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  '22P02': { status: 400, code: 'BAD_REQUEST', message: 'Malformed value' },
  '22001': { status: 400, code: 'BAD_REQUEST', message: 'Value too long' },
  '22003': { status: 400, code: 'BAD_REQUEST', message: 'Number out of range' },
  // NUL characters: PostgreSQL text and jsonb cannot hold them.
  '22021': { status: 400, code: 'BAD_REQUEST', message: 'Text contains a character that cannot be stored (NUL)' },
  '22P05': { status: 400, code: 'BAD_REQUEST', message: 'Text contains a character that cannot be stored (NUL)' },
  // A required field sent as null in a partial update (validation lets `null` through `@IsOptional()`).
  '23502': { status: 400, code: 'BAD_REQUEST', message: 'A required field is missing or null' },
  '23505': { status: 409, code: 'CONFLICT', message: 'Already exists' },
  '23503': { status: 409, code: 'CONFLICT', message: 'Referenced by other records' },
  '23001': { status: 409, code: 'CONFLICT', message: 'Referenced by other records' },
  '23514': { status: 409, code: 'CONFLICT', message: 'Constraint violated' },
  '40001': { status: 409, code: 'CONFLICT', message: 'Concurrent update, please retry' },
  '40P01': { status: 409, code: 'CONFLICT', message: 'Concurrent update, please retry' },
};

/**
 * The single exception filter: domain errors, Nest HTTP exceptions, Fastify's request errors and known
 * PostgreSQL client errors become `{ statusCode, error, code, message }`. Anything else is a 500 whose
 * message is never echoed; it is logged with its stack.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply | ServerResponse>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      // The request's id (X-Request-Id, Fastify's `req.id`): explicit, so the line correlates without LOG_REQUEST_CONTEXT.
      const reqId = (http.getRequest<{ id?: unknown } | undefined>())?.id;
      this.logger.error({ err: exception, ...(reqId !== undefined ? { reqId: String(reqId) } : {}) }, exception instanceof Error ? exception.message : 'Unhandled error');
    }
    if (res instanceof ServerResponse) {
      // A bare Node response (only middleware errors get one; there is no middleware today).
      if (res.headersSent) return;
      res.writeHead(body.statusCode, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
      return;
    }
    if (res.sent || res.raw.headersSent) return;
    void res.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }

  toBody(exception: unknown): ErrorBody & Record<string, unknown> {
    const make = (statusCode: number, code: string, message: string, extra: Record<string, unknown> = {}) => ({
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code,
      message,
      ...extra,
    });

    if (exception instanceof DomainError) {
      return make(exception.status, exception.code, exception.message, exception.details);
    }
    // The Fastify adapter wraps 4xx Fastify errors in an HttpException (the original is its `cause`); look through
    // the wrapper so the client gets a stable code, not the library's message.
    const cause = exception instanceof HttpException ? exception.cause : undefined;
    const parsed = this.fastifyErrorBody(exception) ?? this.fastifyErrorBody(cause);
    if (parsed) return make(parsed.status, parsed.code, parsed.message);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      const obj = typeof r === 'string' ? { message: r } : (r as Record<string, unknown>);
      const rawMessage = obj.message;
      const message = Array.isArray(rawMessage) ? rawMessage.join('; ') : String(rawMessage ?? exception.message);
      const code = typeof obj.code === 'string' ? obj.code : (DEFAULT_CODES[status] ?? `HTTP_${status}`);
      return make(status, code, status === 404 && /^Cannot [A-Z]+ \//.test(message) ? 'Route not found' : message,
        obj.errors ? { errors: obj.errors } : {});
    }
    if (exception instanceof QueryFailedError) {
      const sqlState = (exception.driverError as { code?: string } | undefined)?.code;
      const known = sqlState ? PG_CLIENT_ERRORS[sqlState] : undefined;
      if (known) return make(known.status, known.code, known.message);
    }
    return make(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', 'Internal server error');
  }

  /** Fastify's request errors (`FST_ERR_*`, see FASTIFY_ERRORS); `undefined` for anything else. */
  private fastifyErrorBody(e: unknown): { status: number; code: string; message: string } | undefined {
    const code = (e as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' && Object.hasOwn(FASTIFY_ERRORS, code) ? FASTIFY_ERRORS[code] : undefined;
  }
}
