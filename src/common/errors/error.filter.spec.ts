import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
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
  });

  it('turns body-parser failures into 400 / 413', () => {
    expect(filter.toBody({ type: 'entity.parse.failed', status: 400 })).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
    expect(filter.toBody({ type: 'entity.too.large', status: 413 })).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('maps client-caused PostgreSQL errors and hides everything else', () => {
    expect(filter.toBody(pgError('22P02'))).toMatchObject({ statusCode: 400 });
    expect(filter.toBody(pgError('23505'))).toMatchObject({ statusCode: 409 });
    expect(filter.toBody(pgError('53300'))).toEqual({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(filter.toBody(new Error('secret internals'))).toMatchObject({ statusCode: 500, message: 'Internal server error' });
  });
});
