import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ErrorBody } from '../errors/error-body';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input or business rule (see `code`)',
  401: 'Missing or invalid access token',
  403: 'Wrong role',
  404: 'Not found, or not yours',
  409: 'Conflict (state transition, duplicate, idempotency)',
  413: 'Request body too large',
  429: 'Rate limited (see the `Retry-After` header)',
  500: 'Unexpected fault (details are logged, never echoed)',
  502: 'Payment provider failed',
  503: 'Service unavailable',
};

/**
 * The stable error codes a route may document, with their status and a sample message (docs/api.md#error-codes
 * lists them all). Extra fields some errors carry are part of the sample.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: [400, 'email must be an email', { errors: [{ field: 'email', messages: ['email must be an email'] }] }],
  BAD_REQUEST: [400, 'Validation failed (uuid is expected)'],
  INVALID_CURSOR: [400, 'Invalid cursor'],
  INVALID_SESSION_ID: [400, 'X-Session-Id is malformed'],
  INVALID_IDEMPOTENCY_KEY: [400, 'Idempotency-Key must be 1–255 printable ASCII characters'],
  VARIANT_REQUIRED: [400, 'productId or variantId is required'],
  DUPLICATE_SKU: [400, 'Duplicate SKU in request: TEE-M', { skus: ['TEE-M'] }],
  CART_EMPTY: [400, 'Cart is empty'],
  SESSION_REQUIRED: [400, 'Session ID is required for guest checkout'],
  GUEST_DETAILS_REQUIRED: [400, 'Email, name, phone, and address are required for guest checkout'],
  EMAIL_REGISTERED: [400, 'Email already registered. Please login to continue.'],
  SHIPPING_ADDRESS_REQUIRED: [400, 'Give exactly one of shippingAddressId and shippingAddress'],
  ADDRESS_BOOK_REQUIRES_LOGIN: [400, 'Guests give addresses inline, not by id'],
  PRODUCT_UNAVAILABLE: [400, 'Organic Cotton Tee — Black / M is no longer available', { variantId: '6f1c2a7e-3b5d-4c8e-9a0f-1b2c3d4e5f60' }],
  INSUFFICIENT_STOCK: [400, 'Insufficient stock for Organic Cotton Tee — Black / M. Available: 1', { variantId: '6f1c2a7e-3b5d-4c8e-9a0f-1b2c3d4e5f60', available: 1 }],
  QUANTITY_LIMIT: [400, 'At most 999 of one item per cart'],
  CART_FULL: [400, 'A cart holds at most 100 different items'],
  VARIANT_UNAVAILABLE: [400, 'This item is no longer available'],
  INVALID_DISCOUNT_CODE: [400, 'Discount code SUMMER10 has expired'],
  DELIVERY_METHOD_UNAVAILABLE: [400, 'Delivery method Express is not available for NO'],
  INVALID_CLAIM_TOKEN: [400, 'Invalid or expired claim token'],
  ORDER_ALREADY_PAID: [400, 'Order has already been marked as paid'],
  ORDER_ITEMS_REQUIRED: [400, 'Order must include at least one item'],
  REFUND_EXCEEDS_PAID: [400, 'Refund amount must be between 1 and 2500 (usd minor units)', { remaining: 2500 }],
  NOTHING_TO_REFUND: [400, 'Order ORD-000042 has nothing left to refund', { remaining: 0 }],
  INVALID_SIGNATURE: [400, 'Missing Stripe-Signature header'],
  INVALID_WEBHOOK: [400, 'Webhook body is missing'],
  MISSING_AUTH_HEADER: [401, 'Missing Authorization Header'],
  INVALID_TOKEN: [401, 'Invalid or expired access token'],
  INVALID_CREDENTIALS: [401, 'Invalid email or password'],
  INVALID_REFRESH_TOKEN: [401, 'Invalid refresh token'],
  REFRESH_TOKEN_REUSED: [401, 'Refresh token was already used; please log in again'],
  FORBIDDEN: [403, 'Insufficient role'],
  NOT_FOUND: [404, 'Sandbox payments are disabled'],
  ADDRESS_NOT_FOUND: [404, 'Address not found'],
  PRODUCT_NOT_FOUND: [404, 'Product not found'],
  VARIANT_NOT_FOUND: [404, 'Variant not found'],
  DELIVERY_METHOD_NOT_FOUND: [404, 'Delivery method not found'],
  DISCOUNT_NOT_FOUND: [404, 'Discount not found'],
  TAX_RATE_NOT_FOUND: [404, 'No tax rate for this country'],
  CART_NOT_FOUND: [404, 'Cart not found: send the X-Session-Id of the guest cart or a Bearer token'],
  CART_SESSION_NOT_FOUND: [404, 'Cart session not found or expired'],
  CART_ITEM_NOT_FOUND: [404, 'Cart item not found'],
  CHECKOUT_NOT_FOUND: [404, 'Checkout not found'],
  ORDER_NOT_FOUND: [404, 'Order not found'],
  CONFLICT: [409, 'Concurrent update, please retry'],
  IDEMPOTENCY_KEY_REUSED: [409, 'This Idempotency-Key was already used with a different request'],
  REQUEST_IN_PROGRESS: [409, 'A request with this Idempotency-Key is still in progress'],
  EMAIL_TAKEN: [409, 'Email already registered'],
  ACCOUNT_CLAIM_REQUIRED: [409, 'An order was placed with this email. Claim the account to set a password.'],
  SKU_TAKEN: [409, 'SKU already exists: TEE-M', { skus: ['TEE-M'] }],
  PRODUCT_ARCHIVED: [409, 'Product is archived'],
  LAST_VARIANT: [409, 'A product must keep at least one variant'],
  VARIANT_RESERVED: [409, 'Variant has 2 unit(s) reserved by open checkouts; deactivate it instead', { variantId: '6f1c2a7e-3b5d-4c8e-9a0f-1b2c3d4e5f60', reserved: 2 }],
  VARIANT_IN_USE: [409, 'Variant is referenced by other records (e.g. orders); deactivate it instead'],
  DISCOUNT_CODE_TAKEN: [409, 'Discount code SUMMER10 already exists'],
  DISCOUNT_IN_USE: [409, 'The discount has been redeemed; deactivate it instead'],
  CHECKOUT_SUPERSEDED: [409, 'This checkout was superseded while its payment was being created; use the newer checkout'],
  PAYMENT_NOT_COMPLETED: [409, 'Payment not completed (payment: requires_payment_method, checkout: awaiting_payment)', { providerStatus: 'requires_payment_method', checkoutStatus: 'awaiting_payment' }],
  PAYMENT_INTENT_UNEXPECTED_STATE: [409, 'The payment intent cannot be paid in its current state'],
  CHECKOUT_SESSION_NOT_OPEN: [409, 'The checkout session is not open'],
  INVALID_STATUS_TRANSITION: [409, 'Cannot change order status from shipped to cancelled: not allowed for an admin', { from: 'shipped', to: 'cancelled' }],
  ORDER_NOT_ARCHIVABLE: [409, 'Only cancelled orders, or pending orders that are unpaid, can be deleted', { status: 'paid', paymentStatus: 'paid' }],
  ORDER_ARCHIVED: [409, 'Order is archived'],
  ORDER_NOT_PAYABLE: [409, 'Order ORD-000042 is paid/paid and cannot be paid'],
  PAYLOAD_TOO_LARGE: [413, 'Request body is too large'],
  RATE_LIMITED: [429, 'ThrottlerException: Too Many Requests'],
  INTERNAL_ERROR: [500, 'Internal server error'],
  PAYMENT_PROVIDER_ERROR: [502, 'Failed to initialize payment: card_declined'],
  SERVICE_UNAVAILABLE: [503, 'Service Unavailable Exception'],
} as const satisfies Record<string, readonly [number, string] | readonly [number, string, Record<string, unknown>]>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What a status shows when the route names none of its codes: only codes that mean the same on every route. */
const DEFAULT_EXAMPLES: Partial<Record<number, ErrorCode[]>> = {
  400: ['VALIDATION_FAILED'],
  401: ['MISSING_AUTH_HEADER', 'INVALID_TOKEN'],
  403: ['FORBIDDEN'],
  413: ['PAYLOAD_TOO_LARGE'],
  429: ['RATE_LIMITED'],
  500: ['INTERNAL_ERROR'],
  502: ['PAYMENT_PROVIDER_ERROR'],
  503: ['SERVICE_UNAVAILABLE'],
};

function example(code: ErrorCode) {
  const [statusCode, message, extra] = ERROR_CODES[code] as readonly [number, string, Record<string, unknown>?];
  return { summary: code, value: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...extra } };
}

/**
 * Documents the error responses of a route, all in the one `ErrorBody` shape. Give statuses, stable codes, or both:
 * `@ApiErrors(401, 'CART_EMPTY', 'INSUFFICIENT_STOCK')` documents 400 (with those two codes as examples) and 401.
 */
export const ApiErrors = (...items: (number | ErrorCode)[]) => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const item of items) {
    const status = typeof item === 'number' ? item : ERROR_CODES[item][0];
    const codes = byStatus.get(status) ?? [];
    if (typeof item !== 'number') codes.push(item);
    byStatus.set(status, codes);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, named]) => {
      const codes = named.length ? named : (DEFAULT_EXAMPLES[status] ?? []);
      const listed = named.length ? `: ${named.map((c) => `\`${c}\``).join(', ')}` : '';
      return ApiResponse({
        status,
        description: `${DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error'}${listed}`,
        type: ErrorBody,
        ...(codes.length ? { examples: Object.fromEntries(codes.map((c) => [c, example(c)])) } : {}),
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } } : {}),
      });
    }),
  );
};
