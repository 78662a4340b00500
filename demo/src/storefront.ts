/**
 * The demo storefront: catalog, product detail, cart, guest or signed-in checkout, sandbox payment, order
 * confirmation, order lookup and "my orders". Hash routes (#/, #/product/:id, #/cart, #/checkout, #/pay/:checkoutId,
 * #/confirmation/:orderId, #/lookup, #/login, #/orders, #/orders/:id) so the server only serves static files.
 */
import './style.css';
import { Api, ApiError, CredentialStore, describeError, newIdempotencyKey } from './api';
import { badge, busy, type Child, field, formatDateTime, formValues, h, mount, notice } from './dom';
import { formatMoney } from './money';
import type { Address, CardCheckout, Cart, CheckoutRequest, DeliveryMethod, Order, Product } from './types';

const api = new Api(new CredentialStore('demo.shop'));
const root = document.getElementById('app')!;
const header = h('header', { class: 'topbar' });
const main = h('main', { class: 'container', id: 'view' });
mount(
  root,
  header,
  main,
  h(
    'footer',
    { class: 'container muted' },
    'Demo pages of the Checkout & Orders API: payments use the offline sandbox provider. ',
    h('a', { href: '/docs' }, 'API docs (Swagger UI)'),
    ' · ',
    h('a', { href: 'admin.html' }, 'Admin'),
  ),
);

let cartCount = 0;

// ---- routing ----

interface Route {
  path: string[];
  params: URLSearchParams;
}

function currentRoute(): Route {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p = '', q = ''] = raw.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

const go = (hash: string) => {
  if (location.hash === hash) void render();
  else location.hash = hash;
};

let renderSeq = 0;

async function render(): Promise<void> {
  const seq = ++renderSeq;
  renderHeader();
  const { path, params } = currentRoute();
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const view = await route(path, params);
    if (seq === renderSeq) mount(main, view);
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) {
      api.signOut();
      renderHeader();
      mount(main, notice('error', ['Your session has expired. ', h('a', { href: '#/login' }, 'Sign in again'), '.']));
    } else mount(main, notice('error', describeError(e), 'page-error'));
  }
  window.scrollTo(0, 0);
}

function route([page = '', id]: string[], params: URLSearchParams): Promise<Node> {
  switch (page) {
    case '':
      return catalogView(params.get('q') ?? '');
    case 'product':
      return productView(id ?? '');
    case 'cart':
      return cartView();
    case 'checkout':
      return checkoutView();
    case 'pay':
      return payView(id ?? '');
    case 'confirmation':
      return confirmationView(id ?? '');
    case 'lookup':
      return Promise.resolve(lookupView(params.get('email') ?? '', params.get('number') ?? ''));
    case 'login':
      return Promise.resolve(loginView(params.get('next') ?? '#/'));
    case 'orders':
      return id ? myOrderView(id) : myOrdersView();
    default:
      return Promise.resolve(notice('error', ['Page not found. ', h('a', { href: '#/' }, 'Back to the catalog')]));
  }
}

function renderHeader(): void {
  const customer = api.store.tokens?.customer;
  mount(
    header,
    h(
      'div',
      { class: 'container topbar-inner' },
      h('a', { class: 'brand', href: '#/' }, 'Demo Shop'),
      h(
        'nav',
        null,
        h('a', { href: '#/' }, 'Catalog'),
        h('a', { href: '#/cart', 'data-testid': 'nav-cart' }, 'Cart ', h('span', { class: 'count', 'data-testid': 'cart-count' }, String(cartCount))),
        h('a', { href: '#/lookup' }, 'Track an order'),
        customer ? h('a', { href: '#/orders' }, 'My orders') : null,
        customer
          ? h(
              'span',
              { class: 'who' },
              `Signed in as ${customer.name} `,
              h('button', { class: 'link', type: 'button', onclick: signOut }, 'Sign out'),
            )
          : h('a', { href: '#/login' }, 'Sign in'),
        h('a', { href: 'admin.html', class: 'muted' }, 'Admin'),
      ),
    ),
  );
}

function signOut(): void {
  api.signOut();
  cartCount = 0;
  go('#/');
}

function setCart(cart: Cart): void {
  cartCount = cart.itemCount;
  const el = header.querySelector('[data-testid="cart-count"]');
  if (el) el.textContent = String(cartCount);
}

async function refreshCartCount(): Promise<void> {
  try {
    setCart(await api.getCart());
  } catch {
    // the header count is cosmetic
  }
}

// ---- catalog ----

function priceRange(p: Product): string {
  const prices = p.variants.map((v) => v.price);
  const cur = p.variants[0]?.currency ?? 'usd';
  const min = Math.min(...prices);
  const max = Math.max(...prices);
  return min === max ? formatMoney(min, cur) : `${formatMoney(min, cur)} – ${formatMoney(max, cur)}`;
}

function availability(available: number): HTMLSpanElement {
  if (available <= 0) return h('span', { class: 'stock out' }, 'Sold out');
  if (available <= 5) return h('span', { class: 'stock low' }, `Only ${available} left`);
  return h('span', { class: 'stock in' }, 'In stock');
}

async function catalogView(search: string): Promise<Node> {
  const grid = h('div', { class: 'grid', 'data-testid': 'product-grid' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Load more');
  let cursor: string | null = null;

  const load = async () => {
    const page = await api.listProducts({ q: search || undefined, limit: 12, cursor });
    for (const p of page.products) {
      const available = p.variants.reduce((n, v) => n + v.available, 0);
      grid.append(
        h(
          'a',
          { class: 'card product-card', href: `#/product/${p.id}`, 'data-testid': 'product-card' },
          h('h3', null, p.name),
          h('p', { class: 'muted clamp' }, p.description ?? ''),
          h('div', { class: 'row' }, h('strong', null, priceRange(p)), availability(available)),
        ),
      );
    }
    cursor = page.nextCursor;
    more.hidden = !cursor;
    return page.products.length;
  };
  more.addEventListener('click', () => void busy(more, load));

  const searchForm = h(
    'form',
    { class: 'search', role: 'search' },
    h('input', { name: 'q', type: 'search', placeholder: 'Search products', value: search, 'aria-label': 'Search products' }),
    h('button', { type: 'submit', class: 'secondary' }, 'Search'),
  );
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = formValues(searchForm).q ?? '';
    go(q ? `#/?q=${encodeURIComponent(q)}` : '#/');
  });

  const shown = await load();
  const empty = !shown
    ? search
      ? notice('info', `No products match “${search}”.`)
      : notice(
          'info',
          [
            h('strong', null, 'The catalog is empty. '),
            'Load the demo catalog (products, stock and delivery methods) with ',
            h('code', null, 'npm run seed:demo'),
            ' in a second terminal, then reload this page. Or create products as an admin (',
            h('code', null, 'POST /api/admin/products'),
            ' in ',
            h('a', { href: '/docs' }, 'Swagger UI'),
            ').',
          ],
          'empty-catalog',
        )
    : null;
  return h('section', null, h('div', { class: 'row spread' }, h('h1', null, 'Catalog'), searchForm), empty, grid, more);
}

async function productView(id: string): Promise<Node> {
  const p = await api.getProduct(id);
  const out = h('div', { class: 'out' });
  const qty = h('input', { type: 'number', name: 'quantity', min: 1, max: 999, value: 1, required: true, 'aria-label': 'Quantity' });
  const firstAvailable = p.variants.find((v) => v.available > 0) ?? p.variants[0];
  const options = p.variants.map((v) =>
    h(
      'label',
      { class: `variant${v.available <= 0 ? ' disabled' : ''}`, 'data-testid': 'variant-option' },
      h('input', { type: 'radio', name: 'variant', value: v.id, checked: v.id === firstAvailable?.id, disabled: v.available <= 0 }),
      h('span', { class: 'variant-name' }, v.name),
      h('span', null, formatMoney(v.price, v.currency)),
      availability(v.available),
    ),
  );
  const soldOut = p.variants.every((v) => v.available <= 0);
  const add = h('button', { type: 'submit', 'data-testid': 'add-to-cart', disabled: soldOut }, soldOut ? 'Sold out' : 'Add to cart');
  const form = h('form', { class: 'stack' }, h('fieldset', null, h('legend', null, p.variants.length > 1 ? 'Choose an option' : 'Option'), options), field('Quantity', qty), add, out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const variantId = formValues(form).variant;
    if (!variantId) return mount(out, notice('error', 'Choose an option first.'));
    void busy(add, async () => {
      try {
        const cart = await api.addToCart(variantId, Number(qty.value));
        setCart(cart);
        mount(out, notice('success', ['Added to your cart. ', h('a', { href: '#/cart', 'data-testid': 'go-to-cart' }, 'View cart and check out →')], 'added'));
      } catch (err) {
        mount(out, notice('error', describeError(err)));
      }
    });
  });
  return h(
    'section',
    { class: 'product' },
    h('p', null, h('a', { href: '#/' }, '← Catalog')),
    h('h1', null, p.name),
    p.description ? h('p', { class: 'lead' }, p.description) : null,
    form,
  );
}

// ---- cart ----

function totalsTable(t: { subtotal: number; discount: number; shipping: number; tax: number; total: number }, currency: string, opts: { shippingKnown: boolean }): HTMLTableElement {
  const row = (label: string, v: Child, testid?: string) => h('tr', null, h('th', { scope: 'row' }, label), h('td', { 'data-testid': testid }, v));
  return h(
    'table',
    { class: 'totals' },
    h(
      'tbody',
      null,
      row('Subtotal', formatMoney(t.subtotal, currency), 'subtotal'),
      t.discount ? row('Discount', `−${formatMoney(t.discount, currency)}`, 'discount') : null,
      row('Shipping', opts.shippingKnown ? formatMoney(t.shipping, currency) : 'chosen at checkout', 'shipping'),
      row('Tax', formatMoney(t.tax, currency), 'tax'),
      h('tr', { class: 'grand' }, h('th', { scope: 'row' }, 'Total'), h('td', { 'data-testid': 'total' }, formatMoney(t.total, currency))),
    ),
  );
}

async function cartView(): Promise<Node> {
  const section = h('section', null);
  const out = h('div', { class: 'out' });

  const draw = (cart: Cart) => {
    setCart(cart);
    if (!cart.items.length) {
      mount(section, h('h1', null, 'Your cart'), notice('info', ['Your cart is empty. ', h('a', { href: '#/' }, 'Browse the catalog')], 'empty-cart'));
      return;
    }
    const lines = cart.items.map((it) => {
      const qty = h('input', { type: 'number', min: 1, max: 999, value: it.quantity, 'aria-label': `Quantity of ${it.name}`, class: 'qty' });
      qty.addEventListener('change', () => void act(() => api.updateCartItem(it.id, Number(qty.value))));
      const remove = h('button', { type: 'button', class: 'link' }, 'Remove');
      remove.addEventListener('click', () => void act(() => api.removeCartItem(it.id)));
      return h(
        'tr',
        { 'data-testid': 'cart-line', class: it.purchasable ? '' : 'unavailable' },
        h('td', null, h('div', null, it.name), h('small', { class: 'muted' }, it.sku), !it.purchasable ? h('small', { class: 'stock out' }, ' No longer available') : !it.inStock ? h('small', { class: 'stock low' }, ` Only ${it.available} available`) : null),
        h('td', { class: 'num' }, formatMoney(it.unitPrice, cart.currency)),
        h('td', null, qty),
        h('td', { class: 'num' }, formatMoney(it.lineTotal, cart.currency)),
        h('td', null, remove),
      );
    });
    const code = h('input', { name: 'code', placeholder: 'Discount code', value: cart.discountCode ?? '', 'aria-label': 'Discount code' });
    const discountForm = h(
      'form',
      { class: 'row' },
      code,
      h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
      cart.discountCode ? h('button', { type: 'button', class: 'link', onclick: () => void act(() => api.removeDiscount()) }, 'Remove code') : null,
    );
    discountForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (code.value.trim()) void act(() => api.applyDiscount(code.value.trim()));
    });
    mount(
      section,
      h('h1', null, 'Your cart'),
      h(
        'table',
        { class: 'lines' },
        h('thead', null, h('tr', null, h('th', null, 'Item'), h('th', { class: 'num' }, 'Price'), h('th', null, 'Qty'), h('th', { class: 'num' }, 'Total'), h('th', null, ''))),
        h('tbody', null, lines),
      ),
      h(
        'div',
        { class: 'cols' },
        h('div', null, discountForm, cart.discountProblem ? notice('info', `Code ${cart.discountCode}: ${cart.discountProblem}`) : null, out),
        h(
          'div',
          null,
          totalsTable(cart.totals, cart.currency, { shippingKnown: false }),
          h('a', { class: 'button', href: '#/checkout', 'data-testid': 'go-to-checkout' }, 'Check out'),
        ),
      ),
    );
  };

  const act = async (work: () => Promise<Cart>) => {
    try {
      draw(await work());
    } catch (e) {
      mount(out, notice('error', describeError(e)));
    }
  };

  draw(await api.getCart());
  return section;
}

// ---- checkout ----

async function checkoutView(): Promise<Node> {
  const cart = await api.getCart();
  if (!cart.items.length) return notice('info', ['Your cart is empty. ', h('a', { href: '#/' }, 'Browse the catalog')]);
  const customer = api.store.tokens?.customer;
  const saved: Address[] = customer ? await api.addresses() : [];

  const out = h('div', { class: 'out' });
  const summary = h('div', { class: 'summary card' });
  const deliveryBox = h('div', { class: 'stack', 'data-testid': 'delivery-methods' });
  let methods: DeliveryMethod[] = [];

  // Contact (guests) and address.
  const contact = customer
    ? h('p', { class: 'muted' }, `Ordering as ${customer.name} <${customer.email}>.`)
    : h(
        'fieldset',
        null,
        h('legend', null, 'Contact'),
        field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
        field('Full name', h('input', { name: 'name', required: true, autocomplete: 'name' })),
        field('Phone', h('input', { name: 'phone', type: 'tel', required: true, autocomplete: 'tel' })),
        field('Password (optional)', h('input', { name: 'password', type: 'password', minlength: 8, autocomplete: 'new-password' }), 'Set one to create an account with this order.'),
      );

  const country = h('input', { name: 'country', required: true, maxlength: 2, minlength: 2, value: 'US', autocomplete: 'country', class: 'short', 'aria-label': 'Country' });
  const newAddress = h(
    'div',
    { class: 'stack' },
    customer ? field('Recipient', h('input', { name: 'recipient', required: true, value: customer.name, autocomplete: 'name' })) : null,
    field('Street', h('input', { name: 'street', required: true, autocomplete: 'street-address' })),
    h(
      'div',
      { class: 'row' },
      field('City', h('input', { name: 'city', required: true, autocomplete: 'address-level2' })),
      field('State / region', h('input', { name: 'state', autocomplete: 'address-level1' })),
    ),
    h('div', { class: 'row' }, field('Postal code', h('input', { name: 'postalCode', required: true, autocomplete: 'postal-code' })), field('Country (ISO code)', country)),
  );
  const savedSelect = saved.length
    ? h(
        'select',
        { name: 'shippingAddressId', 'aria-label': 'Ship to' },
        saved.map((a) => h('option', { value: a.id }, `${a.name}, ${a.street}, ${a.city} ${a.postalCode}, ${a.country}`)),
        h('option', { value: '' }, 'A new address…'),
      )
    : null;
  const addressSection = h('fieldset', null, h('legend', null, 'Shipping address'), savedSelect ? field('Ship to', savedSelect) : null, newAddress);

  const destinationCountry = () => {
    const id = savedSelect?.value;
    const a = id ? saved.find((x) => x.id === id) : undefined;
    return (a?.country ?? country.value).trim().toUpperCase();
  };
  const selectedMethod = () => (form.querySelector('input[name="deliveryMethodId"]:checked') as HTMLInputElement | null)?.value;

  const updateSummary = async () => {
    const c = destinationCountry();
    const methodId = selectedMethod();
    const est = await api.getCart({ deliveryMethodId: methodId, country: /^[A-Z]{2}$/.test(c) ? c : undefined }).catch(() => cart);
    mount(
      summary,
      h('h2', null, 'Order summary'),
      h(
        'ul',
        { class: 'plain' },
        est.items.filter((i) => i.purchasable).map((i) => h('li', { class: 'row spread' }, h('span', null, `${i.quantity} × ${i.name}`), h('span', null, formatMoney(i.lineTotal, est.currency)))),
      ),
      totalsTable(est.totals, est.currency, { shippingKnown: !!methodId }),
      h('small', { class: 'muted' }, 'Estimate: the server prices the order again when you place it.'),
    );
  };

  const loadMethods = async () => {
    const c = destinationCountry();
    if (!/^[A-Z]{2}$/.test(c)) {
      mount(deliveryBox, h('p', { class: 'muted' }, 'Enter a two-letter country code to see delivery options.'));
      return;
    }
    methods = await api.deliveryMethods(c);
    if (!methods.length) {
      mount(
        deliveryBox,
        notice('info', [`No delivery method serves ${c}. `, 'An admin can add one (', h('code', null, 'POST /api/admin/delivery-methods'), '), or run ', h('code', null, 'npm run seed:demo'), '.'], 'no-delivery'),
      );
    } else {
      mount(
        deliveryBox,
        methods.map((m, i) =>
          h(
            'label',
            { class: 'choice', 'data-testid': 'delivery-option' },
            h('input', { type: 'radio', name: 'deliveryMethodId', value: m.id, checked: i === 0, required: true, onchange: () => void updateSummary() }),
            h('span', null, m.name, m.description ? h('small', { class: 'muted' }, ` ${m.description}`) : null),
            h('strong', null, formatMoney(m.price, m.currency)),
          ),
        ),
      );
    }
    await updateSummary();
  };

  const syncAddressMode = () => {
    const useSaved = !!savedSelect?.value;
    newAddress.hidden = useSaved;
    for (const el of newAddress.querySelectorAll('input')) el.disabled = useSaved;
  };
  savedSelect?.addEventListener('change', () => {
    syncAddressMode();
    void loadMethods();
  });
  country.addEventListener('change', () => void loadMethods());

  const placeOrder = h('button', { type: 'submit', 'data-testid': 'place-order' }, 'Place order');
  const form = h(
    'form',
    { class: 'stack checkout', novalidate: false },
    contact,
    addressSection,
    h('fieldset', null, h('legend', null, 'Delivery'), deliveryBox),
    h(
      'fieldset',
      null,
      h('legend', null, 'Payment'),
      h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'paymentMethod', value: 'card', checked: true }), h('span', null, 'Card (sandbox: you confirm the payment on the next page)')),
      h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'paymentMethod', value: 'cash_on_delivery' }), h('span', null, 'Cash on delivery')),
    ),
    field('Notes for the order (optional)', h('textarea', { name: 'notes', rows: 2, maxlength: 1000 })),
    placeOrder,
    out,
  );

  // One Idempotency-Key per distinct request: a retry of the same body (say, after a network error) reuses it.
  let last: { body: string; key: string } | null = null;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!v.deliveryMethodId) return mount(out, notice('error', 'Choose a delivery method.'));
    const body: CheckoutRequest = { deliveryMethodId: v.deliveryMethodId, paymentMethod: v.paymentMethod === 'cash_on_delivery' ? 'cash_on_delivery' : 'card' };
    if (v.notes) body.notes = v.notes;
    if (v.shippingAddressId) body.shippingAddressId = v.shippingAddressId;
    else
      body.shippingAddress = {
        name: (customer ? v.recipient : v.name) ?? '',
        street: v.street ?? '',
        city: v.city ?? '',
        postalCode: v.postalCode ?? '',
        country: (v.country ?? '').toUpperCase(),
        ...(v.state ? { state: v.state } : {}),
      };
    if (!customer) Object.assign(body, { email: v.email, name: v.name, phone: v.phone }, v.password ? { password: v.password } : {});
    const json = JSON.stringify(body);
    const key = last?.body === json ? last.key : newIdempotencyKey();
    last = { body: json, key };
    void busy(placeOrder, async () => {
      try {
        const r = await api.checkout(body, key);
        if ('order' in r) {
          rememberOrder(r.order);
          await refreshCartCount();
          go(`#/confirmation/${r.order.id}`);
        } else {
          sessionStorage.setItem(`demo.checkout.${r.checkoutId}`, JSON.stringify(r));
          go(`#/pay/${r.checkoutId}`);
        }
      } catch (err) {
        mount(out, notice('error', describeError(err), 'checkout-error'));
      }
    });
  });

  syncAddressMode();
  void loadMethods().catch((err: unknown) => mount(deliveryBox, notice('error', describeError(err))));
  return h(
    'section',
    null,
    h('h1', null, 'Checkout'),
    customer ? null : h('p', { class: 'muted' }, 'Checking out as a guest. ', h('a', { href: '#/login?next=%23%2Fcheckout' }, 'Sign in'), ' to use your address book.'),
    h('div', { class: 'cols' }, form, summary),
  );
}

// ---- payment (sandbox) ----

const sleep = (ms: number) => new Promise((r) => window.setTimeout(r, ms));

async function payView(checkoutId: string): Promise<Node> {
  const stored = sessionStorage.getItem(`demo.checkout.${checkoutId}`);
  const card = stored ? (JSON.parse(stored) as CardCheckout) : null;
  const state = await api.checkoutStatus(checkoutId);
  if (state.status === 'completed' && state.order) {
    rememberOrder(state.order);
    return confirmation(state.order);
  }
  if (state.status !== 'awaiting_payment') {
    return notice('error', [`This checkout is ${state.status}: nothing was charged for it. `, h('a', { href: '#/cart' }, 'Back to your cart')], 'checkout-closed');
  }
  const out = h('div', { class: 'out', 'data-testid': 'pay-status' });
  const pay = h('button', { type: 'button', 'data-testid': 'pay' }, `Pay ${formatMoney(state.amount, state.currency)}`);
  const decline = h('button', { type: 'button', class: 'secondary', 'data-testid': 'decline' }, 'Simulate a declined card');
  const pi = card?.paymentIntentId;

  const waitForOrder = async () => {
    mount(out, notice('info', 'Payment sent. Waiting for the order to be confirmed…'));
    for (let i = 0; i < 60; i++) {
      const s = await api.checkoutStatus(checkoutId);
      if (s.status === 'completed' && s.order) {
        rememberOrder(s.order);
        sessionStorage.removeItem(`demo.checkout.${checkoutId}`);
        await refreshCartCount();
        go(`#/confirmation/${s.order.id}`);
        return;
      }
      if (s.status !== 'awaiting_payment') {
        mount(out, notice('error', `The checkout is ${s.status}.`));
        return;
      }
      await sleep(500);
    }
    mount(out, notice('error', ['No confirmation yet. ', h('button', { type: 'button', class: 'link', onclick: () => void waitForOrder() }, 'Check again')]));
  };

  pay.addEventListener('click', () =>
    void busy(pay, async () => {
      try {
        await api.sandboxSucceed(pi!);
        await waitForOrder();
      } catch (e) {
        mount(out, notice('error', describeError(e)));
      }
    }),
  );
  decline.addEventListener('click', () =>
    void busy(decline, async () => {
      try {
        await api.sandboxFail(pi!, 'Your card was declined (sandbox).');
        const s = await api.checkoutStatus(checkoutId);
        mount(out, notice('error', `${s.lastPaymentError ?? 'The payment failed.'} You can try again: the stock stays reserved until ${formatDateTime(s.expiresAt)}.`));
      } catch (e) {
        mount(out, notice('error', describeError(e)));
      }
    }),
  );

  return h(
    'section',
    { class: 'narrow card' },
    h('h1', null, 'Payment'),
    h('p', { class: 'lead' }, 'Amount due: ', h('strong', { 'data-testid': 'amount-due' }, formatMoney(state.amount, state.currency))),
    h('p', { class: 'muted' }, `Your items are reserved until ${formatDateTime(state.expiresAt)}.`),
    pi
      ? [
          h(
            'p',
            { class: 'muted' },
            'Sandbox payments: no card is needed. “Pay” settles the payment intent ',
            h('code', null, pi),
            ' and the server receives the same signed webhook Stripe would send.',
          ),
          h('div', { class: 'row' }, pay, decline),
        ]
      : notice('error', ['The payment details of this checkout are not in this browser tab. ', h('a', { href: '#/checkout' }, 'Start the checkout again'), '.']),
    out,
  );
}

// ---- orders ----

function rememberOrder(o: Order): void {
  sessionStorage.setItem(`demo.order.${o.id}`, JSON.stringify(o));
}

function address(a: Order['shippingAddress']): HTMLElement {
  return h('address', null, a.name, h('br'), a.street, h('br'), `${a.city}${a.state ? `, ${a.state}` : ''} ${a.postalCode}`, h('br'), a.country);
}

function orderDetails(o: Order, opts: { history?: boolean } = {}): HTMLElement {
  return h(
    'div',
    { class: 'order', 'data-testid': 'order' },
    h(
      'div',
      { class: 'row spread' },
      h('h2', null, 'Order ', h('span', { 'data-testid': 'order-number' }, o.number)),
      h('span', { class: 'muted' }, 'Status ', badge(o.status, 'order-status'), ' Payment ', badge(o.paymentStatus, 'payment-status')),
    ),
    h('p', { class: 'muted' }, `Placed ${formatDateTime(o.createdAt)} · ${o.email} · ${o.paymentMethod === 'card' ? 'Card' : 'Cash on delivery'}`),
    o.trackingNumber ? h('p', null, 'Tracking number: ', h('strong', { 'data-testid': 'tracking-number' }, o.trackingNumber)) : null,
    h(
      'table',
      { class: 'lines' },
      h('thead', null, h('tr', null, h('th', null, 'Item'), h('th', { class: 'num' }, 'Price'), h('th', { class: 'num' }, 'Qty'), h('th', { class: 'num' }, 'Total'))),
      h(
        'tbody',
        null,
        o.items.map((i) =>
          h(
            'tr',
            { 'data-testid': 'order-item' },
            h('td', null, i.productName, h('br'), h('small', { class: 'muted' }, i.sku)),
            h('td', { class: 'num' }, formatMoney(i.unitPrice, o.currency)),
            h('td', { class: 'num' }, i.quantity),
            h('td', { class: 'num' }, formatMoney(i.totalPrice, o.currency)),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'cols' },
      h('div', null, h('h3', null, 'Shipping to'), address(o.shippingAddress), o.deliveryMethod ? h('p', null, `${o.deliveryMethod.name}`) : null),
      h('div', null, totalsTable(o, o.currency, { shippingKnown: true }), o.amountRefunded ? h('p', { class: 'muted' }, `Refunded: ${formatMoney(o.amountRefunded, o.currency)}`) : null),
    ),
    opts.history
      ? h(
          'div',
          null,
          h('h3', null, 'History'),
          h('ol', { class: 'history' }, o.history.map((e) => h('li', null, badge(e.status), ` ${formatDateTime(e.at)}`, e.note ? h('span', { class: 'muted' }, ` — ${e.note}`) : null))),
        )
      : null,
  );
}

function confirmation(o: Order): Node {
  const track = `#/lookup?email=${encodeURIComponent(o.email)}&number=${encodeURIComponent(o.number)}`;
  return h(
    'section',
    { 'data-testid': 'confirmation' },
    h('h1', null, 'Thank you for your order!'),
    notice('success', [`A confirmation is on its way to ${o.email}. Keep your order number `, h('strong', null, o.number), ' to ', h('a', { href: track }, 'track the order'), '.']),
    orderDetails(o),
  );
}

async function confirmationView(orderId: string): Promise<Node> {
  const stored = sessionStorage.getItem(`demo.order.${orderId}`);
  if (stored) return confirmation(JSON.parse(stored) as Order);
  if (api.signedIn) return confirmation(await api.myOrder(orderId));
  return notice('info', ['This order is not in this browser tab any more. ', h('a', { href: '#/lookup' }, 'Look it up'), ' with its number and your email.']);
}

function lookupView(email: string, number: string): Node {
  const out = h('div', { class: 'out' });
  const submit = h('button', { type: 'submit', 'data-testid': 'lookup-submit' }, 'Find my order');
  const form = h(
    'form',
    { class: 'row wrap' },
    field('Email', h('input', { name: 'email', type: 'email', required: true, value: email })),
    field('Order number', h('input', { name: 'orderNumber', required: true, value: number, placeholder: 'ORD-000042' })),
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    void busy(submit, async () => {
      try {
        mount(out, orderDetails(await api.lookupOrder(v.email ?? '', v.orderNumber ?? ''), { history: true }));
      } catch (err) {
        mount(out, notice('error', err instanceof ApiError && err.status === 404 ? 'No order matches that number and email.' : describeError(err), 'lookup-error'));
      }
    });
  });
  if (email && number) queueMicrotask(() => form.requestSubmit());
  return h('section', null, h('h1', null, 'Track an order'), h('p', { class: 'muted' }, 'Enter the email you ordered with and the order number from your confirmation.'), form, out);
}

async function myOrdersView(): Promise<Node> {
  if (!api.signedIn) return notice('info', [h('a', { href: '#/login?next=%23%2Forders' }, 'Sign in'), ' to see your orders.']);
  const list = h('tbody', null);
  const more = h('button', { type: 'button', class: 'secondary' }, 'Load more');
  let cursor: string | null = null;
  const load = async () => {
    const page = await api.myOrders({ cursor, limit: 20 });
    for (const o of page.orders) {
      list.append(
        h(
          'tr',
          null,
          h('td', null, h('a', { href: `#/orders/${o.id}` }, o.number)),
          h('td', null, formatDateTime(o.createdAt)),
          h('td', null, badge(o.status)),
          h('td', { class: 'num' }, formatMoney(o.total, o.currency)),
        ),
      );
    }
    cursor = page.nextCursor;
    more.hidden = !cursor;
    return page.count;
  };
  more.addEventListener('click', () => void busy(more, load));
  const count = await load();
  return h(
    'section',
    null,
    h('h1', null, 'My orders'),
    count ? h('table', { class: 'lines' }, h('thead', null, h('tr', null, h('th', null, 'Order'), h('th', null, 'Placed'), h('th', null, 'Status'), h('th', { class: 'num' }, 'Total'))), list) : notice('info', 'No orders yet.'),
    more,
  );
}

async function myOrderView(id: string): Promise<Node> {
  return h('section', null, h('p', null, h('a', { href: '#/orders' }, '← My orders')), orderDetails(await api.myOrder(id), { history: true }));
}

// ---- sign in ----

function loginView(next: string): Node {
  const out = h('div', { class: 'out' });
  const done = async () => {
    renderHeader();
    await refreshCartCount();
    go(next.startsWith('#/') ? next : '#/');
  };
  const signIn = h(
    'form',
    { class: 'card stack' },
    h('h2', null, 'Sign in'),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  signIn.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(signIn);
    void busy(signIn.querySelector('button'), async () => {
      try {
        await api.login(v.email ?? '', v.password ?? '');
        await done();
      } catch (err) {
        mount(out, notice('error', describeError(err)));
      }
    });
  });
  const register = h(
    'form',
    { class: 'card stack' },
    h('h2', null, 'Create an account'),
    field('Name', h('input', { name: 'name', required: true, autocomplete: 'name' })),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'At least 8 characters.'),
    h('button', { type: 'submit' }, 'Create account'),
  );
  register.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(register);
    void busy(register.querySelector('button'), async () => {
      try {
        await api.register({ name: v.name ?? '', email: v.email ?? '', password: v.password ?? '' });
        await done();
      } catch (err) {
        mount(out, notice('error', describeError(err)));
      }
    });
  });
  return h(
    'section',
    null,
    h('h1', null, 'Sign in'),
    h('p', { class: 'muted' }, 'Your guest cart moves into your account when you sign in.'),
    h('div', { class: 'cols' }, signIn, register),
    out,
  );
}

window.addEventListener('hashchange', () => void render());
void refreshCartCount().then(renderHeader);
void render();
