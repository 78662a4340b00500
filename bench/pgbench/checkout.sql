-- The ceiling: the database work of one S1 order (a 2-line guest checkout paid by card) as ONE transaction,
-- run by pgbench against the same database and at the same concurrency as S1. No HTTP, no ORM, no app: what
-- PostgreSQL on this machine can do with these statements. bench/run.mjs runs it as
--   pgbench -n -M prepared -c <clients> -j 2 -T <seconds> -f bench/pgbench/checkout.sql <bench database>
-- It relies on the bench seed (bench/seed.mjs): variants b0000000-0000-4000-8000-<k as 12 hex digits>,
-- k = 1..3000, of products a0000000-…-<(k-1)/3+1>, and the customer e0000000-0000-4000-8000-000000000002.
-- Lines are k1 < k2, so every transaction locks stock rows in variant-id order, as the app does (no deadlocks).
-- Ids: 48 random bits per client (collisions: ~1e-5 after 100 000 transactions of one client).
-- The JSON literals have a space after every colon: pgbench would read ":name" as a variable.
\set k1 random(1, 1500)
\set k2 random(1501, 3000)
\set r random(1, 281474976710655)
BEGIN;
-- POST /api/checkout: reserve each line (conditional UPDATE), ledger, checkout row with its jsonb snapshot.
UPDATE stock_items SET reserved = reserved + 1, updated_at = now()
 WHERE variant_id = ('b0000000-0000-4000-8000-' || lpad(to_hex(:k1::int), 12, '0'))::uuid AND on_hand - reserved >= 1;
UPDATE stock_items SET reserved = reserved + 1, updated_at = now()
 WHERE variant_id = ('b0000000-0000-4000-8000-' || lpad(to_hex(:k2::int), 12, '0'))::uuid AND on_hand - reserved >= 1;
INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason, reference) VALUES
 (('b0000000-0000-4000-8000-' || lpad(to_hex(:k1::int), 12, '0'))::uuid, 0, 1, 'reserve', 'Reserved for checkout', 'checkout:' || '9' || lpad(to_hex(:client_id::int), 7, '0') || '-' || :r),
 (('b0000000-0000-4000-8000-' || lpad(to_hex(:k2::int), 12, '0'))::uuid, 0, 1, 'reserve', 'Reserved for checkout', 'checkout:' || '9' || lpad(to_hex(:client_id::int), 7, '0') || '-' || :r);
INSERT INTO checkouts (id, cart_id, customer_id, session_hash, order_id, status, reservation, payment_flow, provider, payment_intent_id, amount, currency, snapshot, expires_at)
VALUES (('9' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
        gen_random_uuid(), 'e0000000-0000-4000-8000-000000000002', repeat('0', 64),
        ('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
        'awaiting_payment', 'held', 'payment_intent', 'sandbox', 'pi_sandbox_' || :client_id || '_' || :r, 4289, 'usd',
        '{"customerId": "e0000000-0000-4000-8000-000000000002", "userId": null, "email": "ceiling@bench.example",
          "shippingAddressId": null, "billingAddressId": null,
          "shippingAddress": {"name": "Bench Buyer", "street": "1 Load Street", "city": "Springfield", "state": "IL", "postalCode": "62701", "district": null, "country": "US", "phone": "+1 555 0100"},
          "billingAddress": {"name": "Bench Buyer", "street": "1 Load Street", "city": "Springfield", "state": "IL", "postalCode": "62701", "district": null, "country": "US", "phone": "+1 555 0100"},
          "deliveryMethod": {"id": "f0000000-0000-4000-8000-000000000001", "name": "Bench standard", "price": 500},
          "shippingCost": 500, "discountSnapshot": null,
          "pricingSnapshot": {"lines": [
            {"productId": "a0000000-0000-4000-8000-000000000001", "variantId": "b0000000-0000-4000-8000-000000000001", "productName": "Bench product 1 (Size 1)", "sku": "BENCH-00001", "quantity": 1, "unitPrice": 1500, "totalPrice": 1500},
            {"productId": "a0000000-0000-4000-8000-000000000002", "variantId": "b0000000-0000-4000-8000-000000000004", "productName": "Bench product 2 (Size 1)", "sku": "BENCH-00004", "quantity": 1, "unitPrice": 2000, "totalPrice": 2000}],
            "subtotal": 3500, "discount": 0, "shipping": 500, "tax": 289, "total": 4289, "taxRateBps": 825, "currency": "usd"},
          "notes": null, "createdAt": "2025-01-01"}'::jsonb,
        now() + interval '15 minutes');
-- payment_intent.succeeded: processed-event log, order + 2 items + history, commit the reservation, close the checkout.
INSERT INTO payment_events (id, type, outcome, object_id)
VALUES ('evt_' || :client_id || '_' || :r, 'payment_intent.succeeded', 'applied', 'pi_sandbox_' || :client_id || '_' || :r);
INSERT INTO orders (id, number, customer_id, checkout_id, email, status, payment_status, payment_method, currency, subtotal, discount, shipping, tax,
                    tax_rate_bps, total, amount_paid, shipping_address, billing_address, delivery_method, payment_intent_id)
VALUES (('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
        'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0'), 'e0000000-0000-4000-8000-000000000002',
        ('9' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
        'ceiling@bench.example', 'paid', 'paid', 'card', 'usd', 3500, 0, 500, 289, 825, 4289, 4289,
        '{"name": "Bench Buyer", "street": "1 Load Street", "city": "Springfield", "state": "IL", "postalCode": "62701", "district": null, "country": "US", "phone": "+1 555 0100"}'::jsonb,
        '{"name": "Bench Buyer", "street": "1 Load Street", "city": "Springfield", "state": "IL", "postalCode": "62701", "district": null, "country": "US", "phone": "+1 555 0100"}'::jsonb,
        '{"id": "f0000000-0000-4000-8000-000000000001", "name": "Bench standard", "price": 500}'::jsonb,
        'pi_sandbox_' || :client_id || '_' || :r);
INSERT INTO order_items (order_id, product_id, variant_id, product_name, sku, quantity, unit_price, total_price) VALUES
 (('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
  ('a0000000-0000-4000-8000-' || lpad(to_hex((:k1::int - 1) / 3 + 1), 12, '0'))::uuid,
  ('b0000000-0000-4000-8000-' || lpad(to_hex(:k1::int), 12, '0'))::uuid, 'Bench product', 'BENCH-' || lpad(:k1::text, 5, '0'), 1, 1500, 1500),
 (('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid,
  ('a0000000-0000-4000-8000-' || lpad(to_hex((:k2::int - 1) / 3 + 1), 12, '0'))::uuid,
  ('b0000000-0000-4000-8000-' || lpad(to_hex(:k2::int), 12, '0'))::uuid, 'Bench product', 'BENCH-' || lpad(:k2::text, 5, '0'), 1, 2000, 2000);
INSERT INTO order_history (order_id, status, actor, note, at) VALUES
 (('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid, 'pending', 'webhook:' || 'payment_intent.succeeded', 'Created from checkout', now()),
 (('6' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid, 'paid', 'webhook:' || 'payment_intent.succeeded', 'Payment received', now() + interval '1 millisecond');
UPDATE stock_items SET on_hand = on_hand - 1, reserved = reserved - 1, updated_at = now()
 WHERE variant_id = ('b0000000-0000-4000-8000-' || lpad(to_hex(:k1::int), 12, '0'))::uuid AND reserved >= 1;
UPDATE stock_items SET on_hand = on_hand - 1, reserved = reserved - 1, updated_at = now()
 WHERE variant_id = ('b0000000-0000-4000-8000-' || lpad(to_hex(:k2::int), 12, '0'))::uuid AND reserved >= 1;
INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason, reference) VALUES
 (('b0000000-0000-4000-8000-' || lpad(to_hex(:k1::int), 12, '0'))::uuid, -1, -1, 'commit', 'Reservation committed to order', 'checkout:' || '9' || lpad(to_hex(:client_id::int), 7, '0') || '-' || :r),
 (('b0000000-0000-4000-8000-' || lpad(to_hex(:k2::int), 12, '0'))::uuid, -1, -1, 'commit', 'Reservation committed to order', 'checkout:' || '9' || lpad(to_hex(:client_id::int), 7, '0') || '-' || :r);
UPDATE checkouts SET status = 'completed', reservation = 'committed', completed_at = now(), updated_at = now()
 WHERE id = ('9' || lpad(to_hex(:client_id::int), 7, '0') || '-0000-4000-8000-' || lpad(to_hex(:r::bigint), 12, '0'))::uuid;
COMMIT;
