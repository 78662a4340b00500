import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { ValidationError } from '../common/errors/domain-error';
import { decodeCursor, toPage } from '../common/pagination';
import { TxRunner } from '../database/tx';
import type { Order, OrderStatus } from './order.entity';
import { OrderCancellation } from './order-cancellation.service';
import { type OrderFilter, OrdersRepository } from './orders.repository';
import { type OrderActor, type OrderPage, OrdersService, orderNotFound, type OrderView, toView } from './orders.service';

export interface AdminOrderView extends OrderView {
  archivedAt: Date | null;
  customer: { id: string; name: string; email: string; isGuest: boolean };
}

/** The list/export query as a repository filter; `from` must be before `to`. */
export function toOrderFilter(q: { status?: OrderStatus; customerId?: string; email?: string; from?: string; to?: string; archived?: boolean }): OrderFilter {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to) throw new ValidationError('from must be before to', 'VALIDATION_FAILED');
  return { status: q.status, customerId: q.customerId, email: q.email, from, to, archived: q.archived };
}

export function toAdminView(o: Order, view: OrderView): AdminOrderView {
  const c = o.customer;
  return {
    ...view,
    archivedAt: o.archivedAt,
    customer: c ? { id: c.id, name: c.name, email: c.email, isGuest: c.isGuest } : { id: o.customerId, name: '', email: o.email, isGuest: false },
  };
}

/** The admin panel's reads (archived orders included), status changes and the CSV export. */
@Injectable()
export class AdminOrdersService {
  constructor(
    private readonly txRunner: TxRunner,
    private readonly repo: OrdersRepository,
    private readonly orders: OrdersService,
    private readonly cancellation: OrderCancellation,
  ) {}

  /**
   * Newest first, with customer name and email, lines and history: one query for the page, one for the count.
   * `count` is counted on the first page and carried in the cursor: deep pages cost no count over a large table
   * (it is the total as of the first page).
   */
  async list(filter: OrderFilter, q: { limit: number; cursor?: string }): Promise<OrderPage<AdminOrderView>> {
    const after = decodeCursor(q.cursor);
    return this.txRunner.read(async (tx) => {
      const [rows, count] = await Promise.all([this.repo.pageWithDetails(tx, filter, q.limit, after, { withCustomer: true }), after?.total ?? this.repo.count(tx, filter)]);
      const page = toPage(rows.map((r) => r.order), q.limit, count);
      return {
        orders: rows.slice(0, page.items.length).map((r) => toAdminView(r.order, toView(r.order, r.items, r.history))),
        count,
        nextCursor: page.nextCursor,
      };
    });
  }

  async get(id: string): Promise<AdminOrderView> {
    const tx = this.txRunner.manager;
    const order = await this.repo.findWithCustomer(tx, id);
    if (!order) throw orderNotFound();
    const { items, history } = await this.repo.details(tx, [id]);
    return toAdminView(order, toView(order, items.get(id) ?? [], history.get(id) ?? []));
  }

  /**
   * `PATCH /admin/orders/:id/status`. `cancelled` goes through the one cancellation path (restock, refund,
   * email); every other status through the state machine.
   */
  async updateStatus(id: string, admin: OrderActor, body: { status: OrderStatus; trackingNumber?: string; note?: string }): Promise<AdminOrderView> {
    if (body.trackingNumber != null && body.status !== 'shipped') {
      throw new ValidationError('trackingNumber is only accepted with status shipped', 'VALIDATION_FAILED');
    }
    if (body.status === 'cancelled') {
      await this.cancellation.cancel(id, { role: admin.role, id: admin.id ?? '' }, body.note);
    } else {
      await this.orders.transition(id, body.status, admin, { trackingNumber: body.trackingNumber, note: body.note });
    }
    return this.get(id);
  }

  /**
   * The CSV export (header row first, newest first), streamed from one COPY as the client reads: constant
   * memory whatever the number of orders, and one snapshot of the table. A failing statement throws before any
   * byte is sent.
   */
  exportCsv(filter: OrderFilter): Promise<Readable> {
    return this.txRunner.copyOut(this.repo.exportCopySql(filter));
  }
}
