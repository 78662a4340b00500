import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

/** 400: the business rule "never sell what is not there". Body carries `variantId` and `available`. */
export class InsufficientStockError extends DomainError {
  readonly code = 'INSUFFICIENT_STOCK';
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(label: string, variantId: string, available: number) {
    super(`Insufficient stock for ${label}. Available: ${available}`, { variantId, available });
  }
}

/** 409: releasing or committing more than is reserved, i.e. the reservation is gone (expired, released twice). */
export class StockNotReservedError extends DomainError {
  readonly code = 'STOCK_NOT_RESERVED';
  readonly status = HttpStatus.CONFLICT;
  constructor(label: string, variantId: string, reserved: number, quantity: number) {
    super(`Cannot release or commit ${quantity} of ${label}: only ${reserved} reserved`, { variantId, reserved });
  }
}

/** 409: a variant with stock held by open checkouts cannot be deleted. */
export class VariantReservedError extends DomainError {
  readonly code = 'VARIANT_RESERVED';
  readonly status = HttpStatus.CONFLICT;
  constructor(variantId: string, reserved: number) {
    super(`Variant has ${reserved} unit(s) reserved by open checkouts; deactivate it instead`, { variantId, reserved });
  }
}
