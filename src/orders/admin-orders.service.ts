import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ValidationError } from '../common/errors/domain-error';
import { decodeCursor, type Keyset, toPage } from '../common/pagination';
import { TxRunner } from '../database/tx';
import type { Order, OrderStatus } from './order.entity';
import { OrderCancellation } from './order-cancellation.service';
import { type OrderExportRow, type OrderFilter, OrdersRepository } from './orders.repository';
import { type OrderActor, type OrderPage, OrdersService, orderNotFound, type OrderView, toView } from './orders.service';

export interface AdminOrderView extends OrderView {
  archivedAt: Date | null;
  customer: { id: string; name: string; email: string; isGuest: boolean };
}

/** Rows per query of the CSV export: memory stays bounded by one batch whatever the number of orders. */
export const EXPORT_BATCH_SIZE = 1000;

/** The CSV columns, in order: key in the export row → header. Money columns are integer minor units. */
export const EXPORT_COLUMNS: { key: keyof OrderExportRow; header: string }[] = [
  { key: 'number', header: 'number' },
  { key: 'id', header: 'id' },
  { key: 'created_at', header: 'createdAt' },
  { key: 'status', header: 'status' },
  { key: 'payment_status', header: 'paymentStatus' },
  { key: 'payment_method', header: 'paymentMethod' },
  { key: 'customer_id', header: 'customerId' },
  { key: 'customer_name', header: 'customerName' },
  { key: 'customer_email', header: 'customerEmail' },
  { key: 'email', header: 'orderEmail' },
  { key: 'currency', header: 'currency' },
  { key: 'subtotal', header: 'subtotal' },
  { key: 'discount', header: 'discount' },
  { key: 'discount_code', header: 'discountCode' },
  { key: 'shipping', header: 'shipping' },
  { key: 'tax', header: 'tax' },
  { key: 'total', header: 'total' },
  { key: 'amount_paid', header: 'amountPaid' },
  { key: 'amount_refunded', header: 'amountRefunded' },
  { key: 'item_count', header: 'itemCount' },
  { key: 'items', header: 'items' },
  { key: 'delivery_method', header: 'deliveryMethod' },
  { key: 'shipping_country', header: 'shippingCountry' },
  { key: 'tracking_number', header: 'trackingNumber' },
  { key: 'archived_at', header: 'archivedAt' },
];

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
   * The CSV export's rows, newest first, fetched in keyset batches of EXPORT_BATCH_SIZE as the consumer reads
   * (backpressure: a slow client pauses the queries). The first batch is read before this resolves, so a
   * database error surfaces as a normal error response rather than a truncated file.
   */
  async exportRows(filter: OrderFilter, batchSize = EXPORT_BATCH_SIZE): Promise<Readable> {
    const tx = this.txRunner.manager;
    const first = await this.repo.exportBatch(tx, filter, batchSize, undefined);
    const repo = this.repo;
    async function* batches(): AsyncGenerator<OrderExportRow> {
      let batch = first;
      while (batch.length) {
        yield* batch;
        if (batch.length < batchSize) return;
        const last = batch[batch.length - 1]!;
        const after: Keyset = { createdAt: last.created_at, id: last.id };
        batch = await repo.exportBatch(tx, filter, batchSize, after);
      }
    }
    return Readable.from(batches(), { objectMode: true, highWaterMark: 64 });
  }
}
