import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ValidationError } from '../common/errors/domain-error';
import { TxRunner } from '../database/tx';
import { ClaimsRepository } from './claims.repository';
import { PasswordHasher } from './password-hasher';

/** At most one claim email per guest per this many seconds, whoever asks (claim request, register). */
export const CLAIM_EMAIL_COOLDOWN_SECONDS = 60;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** One answer for every way a claim can be wrong, so the response reveals nothing about which. */
export const invalidClaimToken = () => new ValidationError('Invalid or expired claim token', 'INVALID_CLAIM_TOKEN');

/**
 * Account claiming: a guest customer (who checked out with an email and no password) proves they read
 * that mailbox and sets a password. Their orders already point at the customer row, so they are theirs
 * once they log in. Tokens are minted and emailed by the notifications worker (see ClaimToken).
 */
@Injectable()
export class ClaimsService {
  private readonly logger = new Logger(ClaimsService.name);

  constructor(
    private readonly tx: TxRunner,
    private readonly repo: ClaimsRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Queues a claim email when the email belongs to a guest (and none was queued in the last minute); does
   * nothing otherwise. Callers answer the same in every case.
   */
  async request(email: string): Promise<boolean> {
    const queued = await this.tx.run(async (tx) => {
      const guest = await this.repo.stampClaimRequest(tx, email, CLAIM_EMAIL_COOLDOWN_SECONDS);
      if (guest) await this.repo.enqueueClaimEmail(tx, guest.id, guest.email);
      return guest;
    });
    if (queued) this.logger.log({ customerId: queued.id }, 'Claim email queued');
    return !!queued;
  }

  /**
   * Redeems a token: the guest gets the password, `isGuest = false`, `emailVerified = true`, and the token
   * (with every other open token of the customer) is spent, all in one transaction holding the customer's
   * and the token's row locks, so of two concurrent claims with one token exactly one succeeds. Returns the
   * customer id.
   */
  async claim(input: { email: string; token: string; newPassword: string }): Promise<string> {
    // Hashed first, outside the locks, and for every request alike (valid token or not).
    const passwordHash = await this.hasher.hash(input.newPassword);
    const hash = sha256(input.token);
    const customerId = await this.tx.run(async (tx) => {
      // Lock order customer → token: concurrent claims for one guest (same token or two) queue on the
      // customer row and never deadlock; whoever comes second sees the token spent and the guest gone.
      const owner = await this.repo.tokenOwner(tx, hash);
      const customer = owner ? await this.repo.lockCustomer(tx, owner) : null;
      const token = customer ? await this.repo.lockToken(tx, hash) : null;
      if (!customer || !token || token.used || token.expired) throw invalidClaimToken();
      if (!customer.isGuest || !sameEmail(customer.email, input.email)) throw invalidClaimToken();
      await this.repo.completeClaim(tx, customer.id, passwordHash);
      return customer.id;
    });
    this.logger.log({ customerId }, 'Guest account claimed');
    return customerId;
  }
}
