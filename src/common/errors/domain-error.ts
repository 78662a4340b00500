import { HttpStatus } from '@nestjs/common';

/**
 * Every business error the services throw. The filter turns it into
 * `{ statusCode, error, code, message }` with a stable UPPER_SNAKE `code`.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: HttpStatus;
  /** Extra fields merged into the response body (e.g. `available` for stock errors). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class NotFoundError extends DomainError {
  readonly status = HttpStatus.NOT_FOUND;
  constructor(
    message = 'Not found',
    readonly code = 'NOT_FOUND',
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(
    message: string,
    readonly code = 'VALIDATION_FAILED',
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export class ConflictError extends DomainError {
  readonly status = HttpStatus.CONFLICT;
  constructor(
    message: string,
    readonly code = 'CONFLICT',
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = HttpStatus.UNAUTHORIZED;
  constructor(
    message = 'Unauthorized',
    readonly code = 'UNAUTHORIZED',
  ) {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly status = HttpStatus.FORBIDDEN;
  readonly code = 'FORBIDDEN';
  constructor(message = 'Forbidden') {
    super(message);
  }
}
