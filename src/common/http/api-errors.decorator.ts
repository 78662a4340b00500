import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from '../errors/error-body';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input or business rule (see `code`)',
  401: 'Missing or invalid access token',
  403: 'Wrong role',
  404: 'Not found, or not yours',
  409: 'Conflict (state transition, duplicate, idempotency)',
  413: 'Request body too large',
  429: 'Rate limited',
  502: 'Payment provider failed',
};

/** Documents the error responses of a route, all in the one `ErrorBody` shape. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorBody })));
