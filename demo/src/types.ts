/**
 * The API's shapes, from the typed client generated from openapi.json (clients/ts/): the demo pages never restate
 * a schema by hand, so a change in the API is a compile error here.
 */
import type { Schemas } from '@checkout-orders/client';

export type ApiErrorBody = Schemas['ErrorBody'];
export type Customer = Schemas['CustomerResponse'];
export type Tokens = Schemas['TokensResponse'];
export type AuthResponse = Schemas['AuthResponse'];
export type Product = Schemas['ProductResponse'];
export type ProductList = Schemas['ProductListResponse'];
export type Cart = Schemas['CartResponse'];
export type DeliveryMethod = Schemas['DeliveryMethodResponse'];
export type Address = Schemas['AddressResponse'];
export type AddressInput = Schemas['AddressDto'];
export type CheckoutRequest = Schemas['CheckoutDto'];
export type CardCheckout = Schemas['CardCheckoutResponse'];
export type CheckoutState = Schemas['CheckoutStatusResponse'];
export type Order = Schemas['OrderResponse'];
export type AdminOrder = Schemas['AdminOrderResponse'];
export type OrderList = Schemas['OrderListResponse'];
export type AdminOrderList = Schemas['AdminOrderListResponse'];
export type OrderStatus = Order['status'];
export type RefundRequest = Schemas['RefundOrderDto'];
export type StatusChange = Schemas['UpdateOrderStatusDto'];

export const ORDER_STATUSES = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'on_hold'] as const satisfies readonly OrderStatus[];
