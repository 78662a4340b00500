/**
 * The demo admin page: sign in as an admin, list orders with filters and keyset pagination, open one (items,
 * addresses, history), change its status (with a tracking number when shipping), mark it paid, refund it, and
 * export the filtered list as CSV.
 */
import './style.css';
import { type AdminFilters, Api, ApiError, CredentialStore, describeError, newIdempotencyKey } from './api';
import { badge, busy, field, formatDateTime, formValues, h, mount, notice, statusLabel } from './dom';
import { formatMoney, parseMoney } from './money';
import { type AdminOrder, ORDER_STATUSES, type OrderStatus } from './types';

const api = new Api(new CredentialStore('demo.admin'));
const root = document.getElementById('app')!;

/** The moves docs/orders.md allows an admin from each status (the server decides; this only fills the menu). */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  pending: ['processing', 'paid', 'on_hold', 'cancelled'],
  paid: ['processing', 'on_hold', 'cancelled'],
  processing: ['shipped', 'on_hold', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  on_hold: ['pending', 'paid', 'processing', 'cancelled'],
};

function start(): void {
  if (api.store.tokens?.customer?.role === 'admin') dashboard();
  else loginView();
}

function topbar(): HTMLElement {
  const who = api.store.tokens?.customer;
  return h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'container topbar-inner' },
      h('a', { class: 'brand', href: 'admin.html' }, 'Demo Shop · Admin'),
      h(
        'nav',
        null,
        h('a', { href: './' }, 'Storefront'),
        h('a', { href: '/docs' }, 'API docs'),
        who ? h('span', { class: 'who' }, `${who.email} `, h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out')) : null,
      ),
    ),
  );
}

function signOut(): void {
  api.signOut();
  start();
}

function loginView(message?: string): void {
  const out = h('div', { class: 'out' }, message ? notice('info', message) : null);
  const submit = h('button', { type: 'submit', 'data-testid': 'admin-login' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card stack narrow' },
    h('h1', null, 'Admin sign in'),
    h('p', { class: 'muted' }, 'npm start prints the development admin account (ADMIN_EMAIL / ADMIN_PASSWORD).'),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    submit,
    out,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    void busy(submit, async () => {
      try {
        const r = await api.login(v.email ?? '', v.password ?? '');
        if (r.customer.role !== 'admin') {
          api.signOut();
          mount(out, notice('error', 'This account is not an admin.'));
          return;
        }
        dashboard();
      } catch (err) {
        mount(out, notice('error', describeError(err)));
      }
    });
  });
  mount(root, topbar(), h('main', { class: 'container' }, form));
}

/** A date input (YYYY-MM-DD, a UTC day) → the exclusive `to` bound: the next day. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function dashboard(): void {
  let filters: AdminFilters = {};
  /** Cursors of the pages seen so far: [null, page2Cursor, …]; the last is the current page's. */
  let cursors: (string | null)[] = [null];
  let selectedId: string | null = null;

  const tableBody = h('tbody', null);
  const info = h('span', { class: 'muted', 'data-testid': 'orders-count' });
  const prev = h('button', { type: 'button', class: 'secondary', 'data-testid': 'prev-page' }, '← Newer');
  const next = h('button', { type: 'button', class: 'secondary', 'data-testid': 'next-page' }, 'Older →');
  const listOut = h('div', { class: 'out' });
  const detail = h('section', { class: 'detail', 'data-testid': 'order-detail' });

  const handle = (e: unknown, out: HTMLElement) => {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return loginView('Please sign in again.');
    mount(out, notice('error', describeError(e)));
  };

  const loadPage = async () => {
    try {
      const page = await api.adminOrders({ ...filters, limit: 10, cursor: cursors[cursors.length - 1] });
      mount(
        tableBody,
        page.orders.length
          ? page.orders.map((o) =>
              h(
                'tr',
                { class: o.id === selectedId ? 'selected' : '', 'data-testid': 'order-row', 'data-order-id': o.id, 'data-order-number': o.number },
                h('td', null, h('button', { type: 'button', class: 'link', onclick: () => void openOrder(o.id) }, o.number)),
                h('td', null, formatDateTime(o.createdAt)),
                h('td', null, o.customer.name, h('br'), h('small', { class: 'muted' }, o.email, o.customer.isGuest ? ' · guest' : '')),
                h('td', null, badge(o.status)),
                h('td', null, badge(o.paymentStatus)),
                h('td', { class: 'num' }, formatMoney(o.total, o.currency)),
              ),
            )
          : h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No orders match.')),
      );
      info.textContent = `${page.count === 1 ? '1 order matches' : `${page.count} orders match`} · page ${cursors.length}`;
      prev.disabled = cursors.length <= 1;
      next.disabled = !page.nextCursor;
      next.dataset.cursor = page.nextCursor ?? '';
      mount(listOut);
    } catch (e) {
      handle(e, listOut);
    }
  };

  prev.addEventListener('click', () => {
    cursors = cursors.slice(0, -1);
    void busy(prev, loadPage);
  });
  next.addEventListener('click', () => {
    if (!next.dataset.cursor) return;
    cursors = [...cursors, next.dataset.cursor];
    void busy(next, loadPage);
  });

  const filterForm = h(
    'form',
    { class: 'filters row wrap', 'data-testid': 'filters' },
    field('Status', h('select', { name: 'status' }, h('option', { value: '' }, 'Any'), ORDER_STATUSES.map((s) => h('option', { value: s }, statusLabel(s))))),
    field('Email', h('input', { name: 'email', type: 'email', placeholder: 'buyer@example.com' })),
    field('From (UTC day)', h('input', { name: 'from', type: 'date' })),
    field('To (UTC day, inclusive)', h('input', { name: 'to', type: 'date' })),
    h('button', { type: 'submit' }, 'Filter'),
    h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
  );
  const readFilters = (): AdminFilters => {
    const v = formValues(filterForm);
    const status = ORDER_STATUSES.find((s) => s === v.status);
    return { status, email: v.email || undefined, from: v.from || undefined, to: v.to ? dayAfter(v.to) : undefined };
  };
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    filters = readFilters();
    cursors = [null];
    void loadPage();
  });
  filterForm.addEventListener('reset', () => {
    filters = {};
    cursors = [null];
    window.setTimeout(() => void loadPage());
  });

  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'export-csv' }, 'Export CSV');
  exportButton.addEventListener('click', () =>
    void busy(exportButton, async () => {
      try {
        const { blob, filename } = await api.adminExport(readFilters());
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: filename });
        document.body.append(a);
        a.click();
        a.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (e) {
        handle(e, listOut);
      }
    }),
  );

  const openOrder = async (id: string) => {
    selectedId = id;
    for (const tr of tableBody.querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.orderId === id);
    mount(detail, h('p', { class: 'muted' }, 'Loading…'));
    try {
      drawDetail(await api.adminOrder(id));
    } catch (e) {
      handle(e, detail);
    }
  };

  const drawDetail = (o: AdminOrder) => {
    const out = h('div', { class: 'out', 'data-testid': 'detail-out' });
    const afterChange = async (updated: AdminOrder | null, message: string) => {
      drawDetail(updated ?? (await api.adminOrder(o.id)));
      mount(detail.querySelector('[data-testid="detail-out"]')!, notice('success', message, 'detail-success'));
      await loadPage();
    };

    // Status change.
    const options = NEXT[o.status];
    const statusSelect = h('select', { name: 'status', 'data-testid': 'status-select' }, options.map((s) => h('option', { value: s }, statusLabel(s))));
    const tracking = h('input', { name: 'trackingNumber', maxlength: 100, placeholder: 'e.g. 1Z999AA10123456784', 'data-testid': 'tracking-input' });
    const trackingField = field('Tracking number (optional)', tracking);
    const syncTracking = () => (trackingField.hidden = statusSelect.value !== 'shipped');
    statusSelect.addEventListener('change', syncTracking);
    const statusSubmit = h('button', { type: 'submit', 'data-testid': 'status-submit' }, 'Update status');
    const statusForm = h(
      'form',
      { class: 'stack card', 'data-testid': 'status-form' },
      h('h3', null, 'Change status'),
      field('New status', statusSelect),
      trackingField,
      field('Note (optional)', h('input', { name: 'note', maxlength: 500 })),
      statusSubmit,
    );
    statusForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = formValues(statusForm);
      void busy(statusSubmit, async () => {
        try {
          const updated = await api.adminSetStatus(o.id, {
            status: v.status as OrderStatus,
            ...(v.status === 'shipped' && v.trackingNumber ? { trackingNumber: v.trackingNumber } : {}),
            ...(v.note ? { note: v.note } : {}),
          });
          await afterChange(updated, `Order ${updated.number} is now ${statusLabel(updated.status)}.`);
        } catch (err) {
          handle(err, out);
        }
      });
    });
    syncTracking();

    // Mark paid (cash received).
    const markPaid =
      o.paymentStatus === 'unpaid' && o.status !== 'cancelled'
        ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'mark-paid' }, 'Mark paid (money received)')
        : null;
    markPaid?.addEventListener('click', () =>
      void busy(markPaid, async () => {
        try {
          await api.adminMarkPaid(o.id, 'Marked paid from the demo admin page');
          await afterChange(null, 'Marked paid.');
        } catch (err) {
          handle(err, out);
        }
      }),
    );

    // Refund.
    const refundable = o.amountPaid - o.amountRefunded;
    let refundForm: HTMLFormElement | null = null;
    if (refundable > 0) {
      const refundSubmit = h('button', { type: 'submit', 'data-testid': 'refund-submit' }, 'Refund');
      const form = h(
        'form',
        { class: 'stack card', 'data-testid': 'refund-form' },
        h('h3', null, 'Refund'),
        field('Amount', h('input', { name: 'amount', inputmode: 'decimal', placeholder: `all: ${formatMoney(refundable, o.currency)}` }), `Up to ${formatMoney(refundable, o.currency)}; empty refunds the rest.`),
        field('Reason (optional)', h('input', { name: 'reason', maxlength: 200 })),
        h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'restock', value: 'yes' }), h('span', null, 'Put the items back in stock')),
        refundSubmit,
      );
      let last: { body: string; key: string } | null = null;
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = formValues(form);
        const amount = v.amount ? parseMoney(v.amount, o.currency) : undefined;
        if (amount === null || amount === 0) return mount(out, notice('error', `Enter an amount such as ${formatMoney(refundable, o.currency)}, without the currency sign.`));
        const body = { ...(amount ? { amount } : {}), ...(v.reason ? { reason: v.reason } : {}), restock: v.restock === 'yes' };
        const json = JSON.stringify(body);
        const key = last?.body === json ? last.key : newIdempotencyKey();
        last = { body: json, key };
        void busy(refundSubmit, async () => {
          try {
            const r = await api.adminRefund(o.id, body, key);
            await afterChange(null, `Refunded; ${formatMoney(r.amountRefunded, r.currency)} refunded in total.`);
          } catch (err) {
            handle(err, out);
          }
        });
      });
      refundForm = form;
    }

    const a = o.shippingAddress;
    mount(
      detail,
      h(
        'div',
        { class: 'row spread' },
        h('h2', null, 'Order ', h('span', { 'data-testid': 'detail-number' }, o.number)),
        h('span', null, badge(o.status, 'detail-status'), ' ', badge(o.paymentStatus, 'detail-payment-status')),
      ),
      h(
        'p',
        { class: 'muted' },
        `${formatDateTime(o.createdAt)} · ${o.customer.name} <${o.email}>${o.customer.isGuest ? ' (guest)' : ''} · ${o.paymentMethod === 'card' ? 'card' : 'cash on delivery'}`,
        o.archivedAt ? ` · archived ${formatDateTime(o.archivedAt)}` : '',
      ),
      o.trackingNumber ? h('p', null, 'Tracking number: ', h('strong', { 'data-testid': 'detail-tracking' }, o.trackingNumber)) : null,
      h(
        'table',
        { class: 'lines' },
        h('thead', null, h('tr', null, h('th', null, 'Item'), h('th', null, 'SKU'), h('th', { class: 'num' }, 'Qty'), h('th', { class: 'num' }, 'Unit'), h('th', { class: 'num' }, 'Total'))),
        h(
          'tbody',
          null,
          o.items.map((i) =>
            h('tr', null, h('td', null, i.productName), h('td', null, i.sku), h('td', { class: 'num' }, i.quantity), h('td', { class: 'num' }, formatMoney(i.unitPrice, o.currency)), h('td', { class: 'num' }, formatMoney(i.totalPrice, o.currency))),
          ),
        ),
      ),
      h(
        'div',
        { class: 'cols' },
        h(
          'div',
          null,
          h('h3', null, 'Ship to'),
          h('address', null, a.name, h('br'), a.street, h('br'), `${a.city}${a.state ? `, ${a.state}` : ''} ${a.postalCode}`, h('br'), a.country, a.phone ? [h('br'), a.phone] : null),
          h('p', null, o.deliveryMethod ? `Delivery: ${o.deliveryMethod.name}` : 'No delivery method'),
          o.notes ? h('p', null, `Notes: ${o.notes}`) : null,
        ),
        h(
          'table',
          { class: 'totals' },
          h(
            'tbody',
            null,
            h('tr', null, h('th', null, 'Subtotal'), h('td', null, formatMoney(o.subtotal, o.currency))),
            o.discount ? h('tr', null, h('th', null, `Discount ${o.discountCode ?? ''}`), h('td', null, `−${formatMoney(o.discount, o.currency)}`)) : null,
            h('tr', null, h('th', null, 'Shipping'), h('td', null, formatMoney(o.shipping, o.currency))),
            h('tr', null, h('th', null, `Tax (${o.taxRateBps / 100} %)`), h('td', null, formatMoney(o.tax, o.currency))),
            h('tr', { class: 'grand' }, h('th', null, 'Total'), h('td', null, formatMoney(o.total, o.currency))),
            h('tr', null, h('th', null, 'Paid'), h('td', null, formatMoney(o.amountPaid, o.currency))),
            h('tr', null, h('th', null, 'Refunded'), h('td', { 'data-testid': 'detail-refunded' }, formatMoney(o.amountRefunded, o.currency))),
          ),
        ),
      ),
      h('h3', null, 'History'),
      h(
        'ol',
        { class: 'history', 'data-testid': 'detail-history' },
        o.history.map((e) => h('li', null, badge(e.status), ` ${formatDateTime(e.at)} · ${e.actor}`, e.note ? h('span', { class: 'muted' }, ` — ${e.note}`) : null)),
      ),
      h('div', { class: 'cols actions' }, options.length ? statusForm : h('p', { class: 'muted' }, `No status change is possible from ${statusLabel(o.status)}.`), h('div', { class: 'stack' }, markPaid, refundForm)),
      out,
    );
  };

  mount(
    root,
    topbar(),
    h(
      'main',
      { class: 'container' },
      h('div', { class: 'row spread' }, h('h1', null, 'Orders'), exportButton),
      filterForm,
      listOut,
      h(
        'table',
        { class: 'lines orders', 'data-testid': 'orders-table' },
        h('thead', null, h('tr', null, h('th', null, 'Order'), h('th', null, 'Placed'), h('th', null, 'Customer'), h('th', null, 'Status'), h('th', null, 'Payment'), h('th', { class: 'num' }, 'Total'))),
        tableBody,
      ),
      h('div', { class: 'row spread' }, info, h('div', { class: 'row' }, prev, next)),
      detail,
    ),
  );
  void loadPage();
}

start();
