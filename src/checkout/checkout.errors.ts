import { HttpStatus } from '@nestjs/common';
import { DomainError, ValidationError } from '../common/errors/domain-error';

export const cartEmpty = () => new ValidationError('Cart is empty', 'CART_EMPTY');
export const sessionRequired = () => new ValidationError('Session ID is required for guest checkout', 'SESSION_REQUIRED');
export const guestDetailsRequired = () => new ValidationError('Email, name, phone, and address are required for guest checkout', 'GUEST_DETAILS_REQUIRED');
export const emailRegistered = () => new ValidationError('Email already registered. Please login to continue.', 'EMAIL_REGISTERED');

/** 502: the provider refused or could not be reached; nothing was kept (the reservation is released). */
export class PaymentInitError extends DomainError {
  readonly code = 'PAYMENT_PROVIDER_ERROR';
  readonly status = HttpStatus.BAD_GATEWAY;
  constructor(reason: string) {
    super(`Failed to initialize payment: ${reason}`);
  }
}

/** 502 on confirm: the provider could not be asked. */
export class PaymentLookupError extends DomainError {
  readonly code = 'PAYMENT_PROVIDER_ERROR';
  readonly status = HttpStatus.BAD_GATEWAY;
  constructor(reason: string) {
    super(`Failed to check the payment: ${reason}`);
  }
}

export class PaymentNotCompletedError extends DomainError {
  readonly code = 'PAYMENT_NOT_COMPLETED';
  readonly status = HttpStatus.CONFLICT;
  constructor(providerStatus: string, checkoutStatus: string) {
    super(`Payment not completed (payment: ${providerStatus}, checkout: ${checkoutStatus})`, { providerStatus, checkoutStatus });
  }
}
