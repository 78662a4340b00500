import { CustomersAuth1764000000000 } from './1764000000000-customers-auth';
import { CatalogInventory1764000001000 } from './1764000001000-catalog-inventory';
import { Pricing1764000002000 } from './1764000002000-pricing';
import { Carts1764000003000 } from './1764000003000-carts';
import { CheckoutOrders1764000004000 } from './1764000004000-checkout-orders';
import { OrdersAdmin1764000005000 } from './1764000005000-orders-admin';
import { Claims1764000006000 } from './1764000006000-claims';
import { Idempotency1764000007000 } from './1764000007000-idempotency';
import { OrderCounts1764000008000 } from './1764000008000-order-counts';
import { OrderItemBigintCheck1764000009000 } from './1764000009000-order-item-bigint-check';

// Every migration, in order (one per line). A new migration file must be added here.
export const MIGRATIONS: Function[] = [
  CustomersAuth1764000000000,
  CatalogInventory1764000001000,
  Pricing1764000002000,
  Carts1764000003000,
  CheckoutOrders1764000004000,
  OrdersAdmin1764000005000,
  Claims1764000006000,
  Idempotency1764000007000,
  OrderCounts1764000008000,
  OrderItemBigintCheck1764000009000,
];
