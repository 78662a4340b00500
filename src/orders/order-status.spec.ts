import { ConflictError } from '../common/errors/domain-error';
import { ORDER_STATUSES, PAYMENT_STATUSES, type OrderStatus, type PaymentStatus } from './order.entity';
import {
  ACTOR_ROLES,
  type ActorRole,
  assertPaymentTransition,
  assertTransition,
  FINAL_STATUSES,
  nextStatuses,
  ORDER_TRANSITIONS,
  PAYMENT_TRANSITIONS,
  type PaymentContext,
} from './order-status';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as ConflictError).status).toBe(409);
    return (e as ConflictError).code;
  }
};

const paidCard: PaymentContext = { paymentStatus: 'paid', paymentMethod: 'card' };
const unpaidCard: PaymentContext = { paymentStatus: 'unpaid', paymentMethod: 'card' };
const unpaidCod: PaymentContext = { paymentStatus: 'unpaid', paymentMethod: 'cash_on_delivery' };
const refundedCard: PaymentContext = { paymentStatus: 'refunded', paymentMethod: 'card' };

/** The whole table, spelled out: any change to the lifecycle must change this test too. */
const EXPECTED: Record<ActorRole, Record<OrderStatus, OrderStatus[]>> = {
  admin: {
    pending: ['paid', 'processing', 'on_hold', 'cancelled'],
    paid: ['processing', 'on_hold', 'cancelled'],
    processing: ['shipped', 'on_hold', 'cancelled'],
    shipped: ['delivered'],
    delivered: [],
    cancelled: [],
    on_hold: ['pending', 'paid', 'processing', 'cancelled'],
  },
  customer: {
    pending: ['cancelled'],
    paid: ['cancelled'],
    processing: [],
    shipped: [],
    delivered: [],
    cancelled: [],
    on_hold: [],
  },
  system: {
    pending: ['paid', 'on_hold', 'cancelled'],
    paid: ['on_hold'],
    processing: [],
    shipped: [],
    delivered: [],
    cancelled: [],
    on_hold: [],
  },
};

describe('order status machine', () => {
  it('the table only names known statuses and roles, without duplicates', () => {
    const keys = ORDER_TRANSITIONS.map((t) => `${t.from}->${t.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of ORDER_TRANSITIONS) {
      expect(ORDER_STATUSES).toContain(t.from);
      expect(ORDER_STATUSES).toContain(t.to);
      expect(t.from).not.toBe(t.to);
      expect(t.who.length).toBeGreaterThan(0);
      for (const w of t.who) expect(ACTOR_ROLES).toContain(w);
    }
  });

  it.each(ACTOR_ROLES)('%s may make exactly the documented transitions', (role) => {
    for (const from of ORDER_STATUSES) {
      expect(nextStatuses(from, role).sort()).toEqual([...EXPECTED[role][from]].sort());
    }
  });

  it('every (from, to, actor) not in the table is 409 INVALID_STATUS_TRANSITION; every one in it passes the table check', () => {
    for (const role of ACTOR_ROLES) {
      for (const from of ORDER_STATUSES) {
        for (const to of ORDER_STATUSES) {
          const allowed = EXPECTED[role][from].includes(to);
          const code = codeOf(() => assertTransition(from, to, role));
          expect({ role, from, to, code }).toEqual({ role, from, to, code: allowed ? undefined : 'INVALID_STATUS_TRANSITION' });
        }
      }
    }
  });

  it('final statuses lead nowhere and the message says why', () => {
    for (const from of FINAL_STATUSES) {
      for (const role of ACTOR_ROLES) expect(nextStatuses(from, role)).toEqual([]);
    }
    expect(() => assertTransition('delivered', 'cancelled', 'admin')).toThrow('delivered is a final status');
    expect(() => assertTransition('shipped', 'shipped', 'admin')).toThrow('already shipped');
    expect(() => assertTransition('shipped', 'cancelled', 'admin')).toThrow('not an allowed transition');
    expect(() => assertTransition('processing', 'cancelled', 'customer')).toThrow('not allowed for the customer');
    expect(() => assertTransition('paid', 'pending', 'admin')).toThrow('not an allowed transition');
    expect(() => assertTransition('pending', 'processing', 'customer')).toThrow('not allowed for the customer');
  });

  it('the customer cancels while pending or paid only; the admin until shipped', () => {
    const cancellable = (role: ActorRole) => ORDER_STATUSES.filter((s) => nextStatuses(s, role).includes('cancelled'));
    expect(cancellable('customer').sort()).toEqual(['paid', 'pending']);
    expect(cancellable('admin').sort()).toEqual(['on_hold', 'paid', 'pending', 'processing']);
  });

  describe('payment guards', () => {
    it('→ paid needs the money (mark-paid passes the payment status it sets)', () => {
      expect(codeOf(() => assertTransition('pending', 'paid', 'admin', unpaidCard))).toBe('INVALID_STATUS_TRANSITION');
      expect(codeOf(() => assertTransition('pending', 'paid', 'admin', paidCard))).toBeUndefined();
      expect(codeOf(() => assertTransition('on_hold', 'paid', 'admin', unpaidCod))).toBe('INVALID_STATUS_TRANSITION');
      expect(codeOf(() => assertTransition('on_hold', 'paid', 'admin', { paymentStatus: 'partially_refunded', paymentMethod: 'card' }))).toBeUndefined();
    });

    it('fulfilment before payment is for cash on delivery only, and never for a refunded order', () => {
      expect(codeOf(() => assertTransition('pending', 'processing', 'admin', unpaidCod))).toBeUndefined();
      expect(() => assertTransition('pending', 'processing', 'admin', unpaidCard)).toThrow('not paid');
      expect(codeOf(() => assertTransition('paid', 'processing', 'admin', paidCard))).toBeUndefined();
      expect(codeOf(() => assertTransition('paid', 'processing', 'admin', refundedCard))).toBe('INVALID_STATUS_TRANSITION');
      expect(codeOf(() => assertTransition('processing', 'shipped', 'admin', refundedCard))).toBe('INVALID_STATUS_TRANSITION');
      expect(codeOf(() => assertTransition('processing', 'shipped', 'admin', unpaidCod))).toBeUndefined();
      expect(codeOf(() => assertTransition('on_hold', 'processing', 'admin', unpaidCard))).toBe('INVALID_STATUS_TRANSITION');
    });

    it('a hold is released back to pending only while unpaid', () => {
      expect(codeOf(() => assertTransition('on_hold', 'pending', 'admin', unpaidCard))).toBeUndefined();
      expect(() => assertTransition('on_hold', 'pending', 'admin', paidCard)).toThrow('has been paid');
    });

    it('cancelling and holding have no payment guard', () => {
      for (const p of [paidCard, unpaidCard, unpaidCod, refundedCard]) {
        expect(codeOf(() => assertTransition('pending', 'cancelled', 'customer', p))).toBeUndefined();
        expect(codeOf(() => assertTransition('processing', 'on_hold', 'admin', p))).toBeUndefined();
      }
    });
  });

  describe('payment status', () => {
    const allowed: Record<PaymentStatus, PaymentStatus[]> = {
      unpaid: ['paid'],
      paid: ['partially_refunded', 'refunded'],
      partially_refunded: ['partially_refunded', 'refunded'],
      refunded: [],
    };

    it('moves forward only: unpaid → paid → (partially_)refunded, by the system or an admin', () => {
      for (const from of PAYMENT_STATUSES) {
        for (const to of PAYMENT_STATUSES) {
          for (const role of ACTOR_ROLES) {
            const ok = allowed[from].includes(to) && role !== 'customer';
            const code = codeOf(() => assertPaymentTransition(from, to, role));
            expect({ from, to, role, code }).toEqual({ from, to, role, code: ok ? undefined : 'INVALID_STATUS_TRANSITION' });
          }
        }
      }
      expect(PAYMENT_TRANSITIONS).toHaveLength(5);
    });
  });
});
