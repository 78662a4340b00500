import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ConflictError, UnauthorizedError } from '../common/errors/domain-error';
import { SIGNED_IN, type SignedInEvent } from '../common/events';
import { AppConfig } from '../config/app-config';
import { CustomersService } from '../customers/customers.service';
import { toCustomerResponse } from '../customers/dto/customer.dto';
import type { Customer } from '../customers/customer.entity';
import { type Tx, TxRunner } from '../database/tx';
import { AuthRepository } from './auth.repository';
import type { AuthResponse, LoginDto, RegisterDto, TokensResponse } from './dto/auth.dto';
import type { AccessTokenClaims } from './jwt.strategy';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TOKEN_FORMAT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

type RefreshOutcome = { ok: true; tokens: TokensResponse } | { ok: false; reason: 'invalid' | 'reused' };

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly customers: CustomersService,
    private readonly repo: AuthRepository,
    private readonly jwt: JwtService,
    private readonly tx: TxRunner,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  async register(dto: RegisterDto, sessionId?: string): Promise<AuthResponse> {
    let customer: Customer;
    try {
      customer = await this.customers.register(dto);
    } catch (e) {
      // A guest's email: the orders are not handed to whoever registers first; the guest gets a claim link.
      if (e instanceof ConflictError && e.code === 'ACCOUNT_CLAIM_REQUIRED') await this.sendClaimEmail(dto.email);
      throw e;
    }
    await this.signedIn(customer.id, sessionId);
    return { ...(await this.issue(customer)), customer: toCustomerResponse(customer) };
  }

  async login(dto: LoginDto, sessionId?: string): Promise<AuthResponse> {
    const customer = await this.customers.verifyCredentials(dto.email, dto.password);
    if (!customer) throw new UnauthorizedError('Invalid email or password', 'INVALID_CREDENTIALS');
    await this.signedIn(customer.id, sessionId);
    return { ...(await this.issue(customer)), customer: toCustomerResponse(customer) };
  }

  /** Best effort: the answer stays 409 ACCOUNT_CLAIM_REQUIRED even if the email could not be queued. */
  private async sendClaimEmail(email: string): Promise<void> {
    try {
      await this.customers.requestClaim(email);
    } catch (e) {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'Could not queue the claim email');
    }
  }

  /**
   * Lets other modules react before the response (the cart merges the guest session, so the client's next
   * GET /cart shows it). Their failure never fails the sign-in.
   */
  private async signedIn(customerId: string, sessionId: string | undefined): Promise<void> {
    try {
      await this.events.emitAsync(SIGNED_IN, { customerId, sessionId } satisfies SignedInEvent);
    } catch (e) {
      this.logger.warn({ err: e, customerId }, 'A sign-in listener failed; sign-in continues');
    }
  }

  /**
   * Rotates a refresh token. A token that was already used means it leaked (or a client raced itself):
   * the whole family is revoked and every holder must log in again.
   */
  async refresh(token: string): Promise<TokensResponse> {
    const m = TOKEN_FORMAT.exec(token);
    if (!m) throw new UnauthorizedError('Invalid refresh token', 'INVALID_REFRESH_TOKEN');
    const [, id, secret] = m as unknown as [string, string, string];

    // The successor is issued inside the same transaction that marks this token used: a concurrent
    // presenter of the same token waits on the row lock, then sees it used and revokes the family,
    // successor included (issued after commit, the successor could escape that revocation).
    const outcome = await this.tx.run<RefreshOutcome>(async (tx) => {
      const row = await this.repo.lockById(tx, id);
      if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(sha256(secret)))) return { ok: false, reason: 'invalid' };
      if (row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'invalid' };
      if (row.usedAt) {
        await this.repo.revokeFamily(row.familyId, tx);
        return { ok: false, reason: 'reused' };
      }
      // The role is read afresh, so a promotion or demotion takes effect at the next refresh.
      const customer = await this.customers.findById(row.customerId, tx);
      if (!customer) return { ok: false, reason: 'invalid' };
      await this.repo.markUsed(tx, row.id);
      return { ok: true, tokens: await this.issue(customer, row.familyId, tx) };
    });

    if (!outcome.ok) {
      if (outcome.reason === 'reused') {
        this.logger.warn({ tokenId: id }, 'Refresh token reused; family revoked');
        throw new UnauthorizedError('Refresh token was already used; please log in again', 'REFRESH_TOKEN_REUSED');
      }
      throw new UnauthorizedError('Invalid refresh token', 'INVALID_REFRESH_TOKEN');
    }
    return outcome.tokens;
  }

  private async issue(customer: Customer, familyId: string = randomUUID(), tx?: Tx): Promise<TokensResponse> {
    const claims: AccessTokenClaims = { sub: customer.id, role: customer.role, typ: 'access' };
    const accessToken = await this.jwt.signAsync(claims);
    const secret = randomBytes(32).toString('base64url');
    const row = await this.repo.insert({
      customerId: customer.id,
      familyId,
      tokenHash: sha256(secret),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000),
    }, tx);
    return { accessToken, refreshToken: `${row.id}.${secret}`, tokenType: 'Bearer', expiresIn: this.config.auth.accessTtlSeconds };
  }
}
