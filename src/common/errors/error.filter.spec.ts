import { type ArgumentsHost, BadRequestException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { BodyParserError } from '../http/body-parsers';
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

  it('turns body-parser failures into 400 / 413', () => {
    expect(filter.toBody({ type: 'entity.parse.failed', status: 400 })).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
    expect(filter.toBody({ type: 'entity.too.large', status: 413 })).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('maps Fastify\'s own body and URL errors (FST_ERR_*), bare or wrapped by the adapter, to the same bodies', () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error(`${code} message with details`), { code, statusCode, name: 'FastifyError' });
    const cases: [string, number, string, string][] = [
      ['FST_ERR_CTP_INVALID_JSON', 400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body content type'],
      ['FST_ERR_BAD_URL', 400, 'BAD_REQUEST', 'Malformed percent-encoding in the URL'],
    ];
    for (const [code, status, ourCode, message] of cases) {
      const expected = { statusCode: status, error: STATUS_CODES[status], code: ourCode, message };
      expect(filter.toBody(fst(code, status))).toEqual(expected);
      expect(filter.toBody(new HttpException(`${code} message with details`, status, { cause: fst(code, status) }))).toEqual(expected);
    }
  });

  it('maps the body parsers\' errors (body-parser types) wrapped by the adapter', () => {
    expect(filter.toBody(new HttpException('x', 400, { cause: new BodyParserError(400, 'x', 'entity.parse.failed') }))).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
    expect(filter.toBody(new HttpException('x', 413, { cause: new BodyParserError(413, 'x', 'entity.too.large') }))).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(filter.toBody(new HttpException('x', 413, { cause: new BodyParserError(413, 'x', 'parameters.too.many') }))).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Malformed request body' });
    expect(filter.toBody(new HttpException('x', 415, { cause: new BodyParserError(415, 'x', 'encoding.unsupported') }))).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    // A broken gzip body: no type, a plain 400 as body-parser gave.
    expect(filter.toBody(new HttpException('Bad Request', 400, { cause: new BodyParserError(400, 'Bad Request') }))).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', message: 'Bad Request' });
  });

  it('looks through the HttpException an adapter wraps body-parser errors in', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9'), { type: 'entity.parse.failed', status: 400 });
    expect(filter.toBody(new BadRequestException(parse.message, { cause: parse }))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'MALFORMED_JSON',
      message: 'Request body is not valid JSON',
    });
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, statusCode: 413 });
    expect(filter.toBody(new HttpException(tooLarge.message, 413, { cause: tooLarge }))).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Request body is too large',
    });
    const charset = { type: 'charset.unsupported', status: 415 };
    expect(filter.toBody(new HttpException('unsupported charset "KLINGON"', 415, { cause: charset }))).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    // A plain 400 without a parser cause keeps its message.
    expect(filter.toBody(new BadRequestException('Validation failed (uuid is expected)'))).toMatchObject({ code: 'BAD_REQUEST', message: 'Validation failed (uuid is expected)' });
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
