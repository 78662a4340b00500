import { type ArgumentsHost, BadRequestException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import Fastify, { errorCodes } from 'fastify';
import { gzipSync } from 'node:zlib';
import { registerBodyParsers } from '../http/body-parsers';
import { ConflictError, NotFoundError } from './domain-error';
import { ErrorFilter } from './error.filter';

const filter = new ErrorFilter();
const pgError = (code: string) => new QueryFailedError('SELECT 1', [], Object.assign(new Error('boom'), { code }));

describe('ErrorFilter.toBody', () => {
  it('maps domain errors with their code and extra details', () => {
    expect(filter.toBody(new ConflictError('Email already registered', 'EMAIL_TAKEN'))).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'EMAIL_TAKEN',
      message: 'Email already registered',
    });
    expect(filter.toBody(new NotFoundError('Order not found', 'ORDER_NOT_FOUND')).statusCode).toBe(404);
  });

  it('keeps the field list of validation errors', () => {
    const body = filter.toBody(new BadRequestException({ code: 'VALIDATION_FAILED', message: 'a; b', errors: [{ field: 'x', messages: ['a'] }] }));
    expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'a; b', errors: [{ field: 'x', messages: ['a'] }] });
  });

  it('gives framework exceptions a default code', () => {
    expect(filter.toBody(new ThrottlerException())).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(filter.toBody(new NotFoundException('Cannot GET /api/x'))).toMatchObject({ code: 'NOT_FOUND', message: 'Route not found' });
    expect(filter.toBody(new NotFoundException('Cannot OPTIONS /x'))).toMatchObject({ code: 'NOT_FOUND', message: 'Route not found' });
  });

  it('maps Fastify\'s own body and URL errors (FST_ERR_*), bare or wrapped by the adapter, to the same bodies', () => {
    const cases: [Error & { statusCode?: number }, number, string, string][] = [
      [new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), 400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
      [new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), 400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
      [new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
      [new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body content type or charset'],
      [new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), 400, 'BAD_REQUEST', 'Malformed request body'],
      [new errorCodes.FST_ERR_BAD_URL('/x/%E0%A4%A'), 400, 'BAD_REQUEST', 'Malformed percent-encoding in the URL'],
    ];
    for (const [err, status, ourCode, message] of cases) {
      const expected = { statusCode: status, error: STATUS_CODES[status], code: ourCode, message };
      expect(err.statusCode).toBe(status);
      expect(filter.toBody(err)).toEqual(expected);
      expect(filter.toBody(new HttpException(err.message, status, { cause: err }))).toEqual(expected);
    }
    // A plain 400 without such a cause keeps its message.
    expect(filter.toBody(new BadRequestException('Validation failed (uuid is expected)'))).toMatchObject({ code: 'BAD_REQUEST', message: 'Validation failed (uuid is expected)' });
  });

  describe('errors of the body parsers (common/http/body-parsers.ts), as Fastify raises them', () => {
    const app = Fastify({ bodyLimit: 64 });
    beforeAll(async () => {
      await registerBodyParsers(app);
      app.setErrorHandler((err, _req, reply) => reply.code(599).send(filter.toBody(err)));
      app.post('/', (req) => ({ body: req.body ?? null, raw: (req as { rawBody?: Buffer }).rawBody?.toString() ?? null }));
      await app.ready();
    });
    afterAll(() => app.close());
    const post = async (body: string | Buffer, headers: Record<string, string>) => (await app.inject({ method: 'POST', url: '/', body, headers })).json();

    it.each([
      ['gzip of over the limit once inflated', gzipSync('{"a":"' + 'x'.repeat(200) + '"}'), { 'content-encoding': 'gzip' }, 413, 'PAYLOAD_TOO_LARGE'],
      ['an unknown Content-Encoding', '{}', { 'content-encoding': 'x-klingon' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a broken gzip body', 'not gzip', { 'content-encoding': 'gzip' }, 400, 'BAD_REQUEST'],
      ['a non-UTF-8 JSON charset', '{}', { 'content-type': 'application/json; charset=latin1' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a non-UTF-8 form charset', 'a=1', { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a JSON scalar', '"x"', {}, 400, 'MALFORMED_JSON'],
      ['a __proto__ key', '{"__proto__":{"admin":true}}', {}, 400, 'MALFORMED_JSON'],
      ['a body over the limit', `{"a":"${'x'.repeat(100)}"}`, {}, 413, 'PAYLOAD_TOO_LARGE'],
    ] as const)('%s', async (_label, body, headers, status, code) => {
      expect(await post(body, { 'content-type': 'application/json', ...headers })).toMatchObject({ statusCode: status, code });
    });

    it('reads JSON (rawBody kept, an empty body is {}, a BOM skipped), flat forms, and leaves other types unread', async () => {
      expect(await post(gzipSync('{"a":1}'), { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'gzip' })).toEqual({ body: { a: 1 }, raw: '{"a":1}' });
      expect(await post('', { 'content-type': 'application/json' })).toEqual({ body: {}, raw: '' });
      expect(await post('\ufeff[1]', { 'content-type': 'application/json' })).toMatchObject({ body: [1] });
      expect(await post('a[b]=1&a[b]=2&__proto__=x&c=%C3%A9', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ body: { 'a[b]': ['1', '2'], c: 'é' } });
      expect(await post('{"a":1}', { 'content-type': 'text/plain' })).toEqual({ body: null, raw: null });
    });
  });

  it('maps client-caused PostgreSQL errors and hides everything else', () => {
    expect(filter.toBody(pgError('22P02'))).toMatchObject({ statusCode: 400 });
    expect(filter.toBody(pgError('23502'))).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    expect(filter.toBody(pgError('23505'))).toMatchObject({ statusCode: 409 });
    expect(filter.toBody(pgError('53300'))).toEqual({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(filter.toBody(new Error('secret internals'))).toMatchObject({ statusCode: 500, message: 'Internal server error' });
  });
});

describe('ErrorFilter.catch', () => {
  const hostFor = (req: object) => {
    // A FastifyReply, as far as the filter uses it.
    const res = {
      sent: false,
      raw: { headersSent: false },
      statusCode: 0,
      contentType: '',
      body: undefined as unknown,
      status(c: number) { this.statusCode = c; return this; },
      type(t: string) { this.contentType = t; return this; },
      send(b: unknown) { this.body = b; this.sent = true; return this; },
    };
    const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
    return { host, res };
  };

  afterEach(() => jest.restoreAllMocks());

  it('logs a 500 with the request\'s id (X-Request-Id), and answers without internals', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, res } = hostFor({ id: 'req-7' });
    new ErrorFilter().catch(new Error('secret internals'), host);
    expect(res.statusCode).toBe(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ reqId: 'req-7' }), 'secret internals');
  });

  it('does not log client errors', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, res } = hostFor({ id: 'req-8' });
    new ErrorFilter().catch(new NotFoundError('Order not found', 'ORDER_NOT_FOUND'), host);
    expect(res.statusCode).toBe(404);
    expect(logged).not.toHaveBeenCalled();
  });
});
