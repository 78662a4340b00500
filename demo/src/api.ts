/**
 * The demo pages' API layer: the typed client generated from openapi.json (clients/ts/, openapi-fetch), plus what
 * a browser app adds around it: credentials kept in localStorage, one transparent token refresh (rotating refresh
 * tokens: concurrent refreshes are shared, a used token is never sent twice), the guest `X-Session-Id` kept across
 * page loads (and dropped when the server no longer knows it), `Idempotency-Key`s on the POSTs that move money or
 * stock, and the `{statusCode, code, message}` error body turned into an exception.
 */
import { type CheckoutOrdersClient, createClient, idempotent } from '@checkout-orders/client';
import type {
  Address,
  AdminOrder,
  AdminOrderList,
  ApiErrorBody,
  AuthResponse,
  Cart,
  CardCheckout,
  CheckoutRequest,
  CheckoutState,
  Customer,
  DeliveryMethod,
  Order,
  OrderList,
  OrderStatus,
  Product,
  ProductList,
  RefundRequest,
  StatusChange,
  Tokens,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }

  get code(): string {
    return this.body.code;
  }
}

type StoredAuth = Pick<Tokens, 'accessToken' | 'refreshToken' | 'expiresIn'> & { customer?: Customer };

/** Where a page keeps its credentials (localStorage): the storefront and the admin page use separate keys. */
export class CredentialStore {
  constructor(private readonly prefix: string) {}

  get tokens(): StoredAuth | null {
    const raw = localStorage.getItem(`${this.prefix}.auth`);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as StoredAuth;
    } catch {
      return null;
    }
  }

  set tokens(t: StoredAuth | null) {
    if (t) localStorage.setItem(`${this.prefix}.auth`, JSON.stringify(t));
    else localStorage.removeItem(`${this.prefix}.auth`);
  }

  get sessionId(): string | null {
    return localStorage.getItem(`${this.prefix}.sessionId`);
  }

  set sessionId(id: string | null) {
    if (id) localStorage.setItem(`${this.prefix}.sessionId`, id);
    else localStorage.removeItem(`${this.prefix}.sessionId`);
  }
}

/** A random `Idempotency-Key` (crypto.randomUUID needs a secure context, e.g. not http://192.168.x.x). */
export function newIdempotencyKey(): string {
  if (window.isSecureContext && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
}

/** What every openapi-fetch call resolves to. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const SESSION_GONE = new Set(['CART_SESSION_NOT_FOUND', 'INVALID_SESSION_ID']);

export class Api {
  /** Same origin: the pages are served by the app itself (or proxied by `npm run demo:dev`). */
  private readonly client: CheckoutOrdersClient = createClient(location.origin);
  private refreshing: Promise<boolean> | null = null;

  constructor(readonly store: CredentialStore) {}

  get signedIn(): boolean {
    return !!this.store.tokens;
  }

  /** The client sends the token when signed in, else the guest session (if any). */
  private syncAuth(): void {
    const tokens = this.store.tokens;
    this.client.auth.token = tokens?.accessToken;
    this.client.auth.sessionId = tokens ? undefined : (this.store.sessionId ?? undefined);
  }

  /** Runs a call (again after a refresh when the access token has expired); returns its 2xx body or throws ApiError. */
  private async run<T>(send: () => Promise<FetchResult<T>>): Promise<T> {
    const attempt = () => {
      this.syncAuth();
      return send();
    };
    let r = await attempt();
    if (r.response.status === 401 && this.store.tokens && (await this.refresh())) r = await attempt();
    // A guest session issued by this response (first cart write) is kept for the next page loads.
    const issued = this.client.auth.sessionId;
    if (!this.store.tokens && issued && issued !== this.store.sessionId) this.store.sessionId = issued;
    if (!r.response.ok) {
      const body = errorBody(r.error, r.response);
      if (SESSION_GONE.has(body.code)) this.store.sessionId = null;
      throw new ApiError(r.response.status, body);
    }
    return r.data as T;
  }

  /** One refresh at a time: a second concurrent one would present a used token and revoke the whole family. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const current = this.store.tokens;
      if (!current) return false;
      try {
        const { data, response } = await this.client.POST('/api/auth/refresh', { body: { refreshToken: current.refreshToken } });
        if (!data) {
          if (response.status === 401) this.store.tokens = null;
          return false;
        }
        this.store.tokens = { ...current, accessToken: data.accessToken, refreshToken: data.refreshToken, expiresIn: data.expiresIn };
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  // ---- auth ----

  /** Sends the guest session along, so the server merges the guest cart into the customer's. */
  login(email: string, password: string): Promise<AuthResponse> {
    return this.signIn(() => this.client.POST('/api/auth/login', { body: { email, password } }));
  }

  register(body: { email: string; password: string; name: string; phone?: string }): Promise<AuthResponse> {
    return this.signIn(() => this.client.POST('/api/auth/register', { body }));
  }

  private async signIn(send: () => Promise<FetchResult<AuthResponse>>): Promise<AuthResponse> {
    this.store.tokens = null;
    const r = await this.run(send);
    this.store.tokens = { accessToken: r.accessToken, refreshToken: r.refreshToken, expiresIn: r.expiresIn, customer: r.customer };
    this.store.sessionId = null; // merged into the customer's cart
    return r;
  }

  signOut(): void {
    this.store.tokens = null;
  }

  // ---- catalog, delivery ----

  listProducts(query: { q?: string; limit?: number; cursor?: string | null } = {}): Promise<ProductList> {
    return this.run(() => this.client.GET('/api/products', { params: { query: { ...query, cursor: query.cursor ?? undefined } } }));
  }

  async getProduct(id: string): Promise<Product> {
    return (await this.run(() => this.client.GET('/api/products/{id}', { params: { path: { id } } }))).product;
  }

  async deliveryMethods(country: string): Promise<DeliveryMethod[]> {
    return (await this.run(() => this.client.GET('/api/delivery-methods', { params: { query: { country } } }))).deliveryMethods;
  }

  // ---- cart ----

  async getCart(query: { deliveryMethodId?: string; country?: string } = {}): Promise<Cart> {
    return (await this.run(() => this.client.GET('/api/cart', { params: { query } }))).cart;
  }

  /** Adds a line; a guest session the server no longer knows is dropped and the add retried without it. */
  async addToCart(variantId: string, quantity: number): Promise<Cart> {
    const add = () => this.run(() => this.client.POST('/api/cart/items', { body: { variantId, quantity } }));
    try {
      return (await add()).cart;
    } catch (e) {
      if (e instanceof ApiError && SESSION_GONE.has(e.code)) return (await add()).cart;
      throw e;
    }
  }

  async updateCartItem(id: string, quantity: number): Promise<Cart> {
    return (await this.run(() => this.client.PATCH('/api/cart/items/{id}', { params: { path: { id } }, body: { quantity } }))).cart;
  }

  async removeCartItem(id: string): Promise<Cart> {
    return (await this.run(() => this.client.DELETE('/api/cart/items/{id}', { params: { path: { id } } }))).cart;
  }

  async applyDiscount(code: string): Promise<Cart> {
    return (await this.run(() => this.client.POST('/api/cart/discount', { body: { code } }))).cart;
  }

  async removeDiscount(): Promise<Cart> {
    return (await this.run(() => this.client.DELETE('/api/cart/discount'))).cart;
  }

  // ---- customers ----

  async addresses(): Promise<Address[]> {
    return (await this.run(() => this.client.GET('/api/customers/me/addresses'))).addresses;
  }

  // ---- checkout, payments ----

  /** Card → `{checkoutId, paymentIntentId, …}` (pay next); cash on delivery → `{order}` at once. */
  checkout(body: CheckoutRequest, idempotencyKey: string): Promise<CardCheckout | { order: Order }> {
    return this.run(() => this.client.POST('/api/checkout', { params: { header: idempotent(idempotencyKey) }, body })) as Promise<CardCheckout | { order: Order }>;
  }

  checkoutStatus(id: string): Promise<CheckoutState> {
    return this.run(() => this.client.GET('/api/checkout/{id}', { params: { path: { id } } }));
  }

  /** Sandbox provider only: settles the intent and delivers the signed webhook, exactly as Stripe would. */
  async sandboxSucceed(id: string): Promise<void> {
    await this.run(() => this.client.POST('/api/payments/sandbox/intents/{id}/succeed', { params: { path: { id } } }));
  }

  async sandboxFail(id: string, message: string): Promise<void> {
    await this.run(() => this.client.POST('/api/payments/sandbox/intents/{id}/fail', { params: { path: { id } }, body: { message } }));
  }

  // ---- orders ----

  async lookupOrder(email: string, orderNumber: string): Promise<Order> {
    return (await this.run(() => this.client.POST('/api/orders/lookup', { body: { email, orderNumber } }))).order;
  }

  myOrders(query: { cursor?: string | null; limit?: number } = {}): Promise<OrderList> {
    return this.run(() => this.client.GET('/api/orders', { params: { query: { limit: query.limit, cursor: query.cursor ?? undefined } } }));
  }

  async myOrder(id: string): Promise<Order> {
    return (await this.run(() => this.client.GET('/api/orders/{id}', { params: { path: { id } } }))).order;
  }

  // ---- admin ----

  adminOrders(query: AdminFilters & { limit?: number; cursor?: string | null }): Promise<AdminOrderList> {
    return this.run(() => this.client.GET('/api/admin/orders', { params: { query: { ...query, cursor: query.cursor ?? undefined } } }));
  }

  async adminOrder(id: string): Promise<AdminOrder> {
    return (await this.run(() => this.client.GET('/api/admin/orders/{id}', { params: { path: { id } } }))).order;
  }

  async adminSetStatus(id: string, body: StatusChange): Promise<AdminOrder> {
    return (await this.run(() => this.client.PATCH('/api/admin/orders/{id}/status', { params: { path: { id } }, body }))).order;
  }

  async adminRefund(id: string, body: RefundRequest, idempotencyKey: string): Promise<Order> {
    return (await this.run(() => this.client.POST('/api/admin/orders/{id}/refunds', { params: { path: { id }, header: idempotent(idempotencyKey) }, body }))).order;
  }

  async adminMarkPaid(id: string, note?: string): Promise<Order> {
    return (await this.run(() => this.client.PATCH('/api/orders/{id}/paid', { params: { path: { id } }, body: note ? { note } : {} }))).order;
  }

  /** The CSV as a Blob: the export needs the bearer token, so a plain link cannot download it. */
  async adminExport(query: AdminFilters): Promise<{ blob: Blob; filename: string }> {
    let filename = 'orders.csv';
    const blob = await this.run(async () => {
      const r = await this.client.GET('/api/admin/orders/export', { params: { query }, parseAs: 'blob' });
      filename = /filename="?([^";]+)"?/.exec(r.response.headers.get('Content-Disposition') ?? '')?.[1] ?? filename;
      return r;
    });
    return { blob: blob as Blob, filename };
  }
}

export interface AdminFilters {
  status?: OrderStatus;
  email?: string;
  from?: string;
  to?: string;
}

function errorBody(error: unknown, res: Response): ApiErrorBody {
  if (error && typeof error === 'object' && typeof (error as ApiErrorBody).message === 'string') return error as ApiErrorBody;
  return { statusCode: res.status, error: res.statusText, code: `HTTP_${res.status}`, message: `${res.status} ${res.statusText || 'error'}` };
}

/** A person-readable message for any error a call can throw. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.body.errors?.map((f) => `${f.field}: ${f.messages.join(', ')}`);
    return fields?.length ? fields.join('; ') : e.message;
  }
  if (e instanceof TypeError) return 'Network error: is the server running?';
  return e instanceof Error ? e.message : String(e);
}
