import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { Role } from '../common/auth/auth.decorators';
import { ConflictError, NotFoundError, UnauthorizedError } from '../common/errors/domain-error';
import type { Tx } from '../database/tx';
import { Address } from './address.entity';
import { ClaimsService } from './claims.service';
import { Customer } from './customer.entity';
import { CustomersRepository } from './customers.repository';
import type { AddressDto, UpdateAddressDto } from './dto/address.dto';
import type { UpdateMeDto } from './dto/customer.dto';
import { PasswordHasher } from './password-hasher';

export interface NewAccount {
  email: string;
  password: string;
  name: string;
  phone?: string;
  role?: Role;
  emailVerified?: boolean;
}

const sqlState = (e: unknown) => (e instanceof QueryFailedError ? (e.driverError as { code?: string } | undefined)?.code : undefined);
const isUniqueViolation = (e: unknown) => sqlState(e) === '23505';
const isForeignKeyViolation = (e: unknown) => sqlState(e) === '23503';
const STALE_TOKEN_MESSAGE = 'Invalid or expired access token';

@Injectable()
export class CustomersService {
  private readonly logger = new Logger(CustomersService.name);

  constructor(
    private readonly repo: CustomersRepository,
    private readonly hasher: PasswordHasher,
    private readonly claims: ClaimsService,
  ) {}

  async get(id: string, tx?: Tx): Promise<Customer> {
    const c = await this.repo.findById(id, tx);
    if (!c) throw new NotFoundError('Customer not found', 'CUSTOMER_NOT_FOUND');
    return c;
  }

  findById(id: string, tx?: Tx): Promise<Customer | null> {
    return this.repo.findById(id, tx);
  }

  /** The account's id and current role, null when it no longer exists (one indexed read, no entity). */
  findRole(id: string): Promise<Pick<Customer, 'id' | 'role'> | null> {
    return this.repo.findRole(id);
  }

  /**
   * The signed-in caller's own account. Access tokens are stateless, so one can outlive its account:
   * that is a bad token (401), not a missing resource.
   */
  async getSelf(id: string, tx?: Tx): Promise<Customer> {
    const c = await this.repo.findById(id, tx);
    if (!c) throw new UnauthorizedError(STALE_TOKEN_MESSAGE, 'INVALID_TOKEN');
    return c;
  }

  findByEmail(email: string, tx?: Tx): Promise<Customer | null> {
    return this.repo.findByEmail(email, {}, tx);
  }

  /**
   * A new registered account. An email held by a guest needs the claim flow (its orders are not handed to
   * whoever registers first); an email held by a registered account is taken.
   */
  async register(input: NewAccount, tx?: Tx): Promise<Customer> {
    const existing = await this.repo.findByEmail(input.email, {}, tx);
    if (existing) throw this.emailConflict(existing);
    const passwordHash = await this.hasher.hash(input.password);
    try {
      return await this.repo.insert(
        { email: input.email.trim(), name: input.name, phone: input.phone ?? null, passwordHash, role: input.role ?? 'customer', isGuest: false, emailVerified: input.emailVerified ?? false },
        tx,
      );
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Lost a race with a concurrent registration of the same email.
      const winner = await this.repo.findByEmail(input.email, {}, tx);
      throw winner ? this.emailConflict(winner) : e;
    }
  }

  /**
   * The guest customer for a checkout email: reused when this email already checked out as a guest, created
   * otherwise (a concurrent checkout with the same email finds the winner's row). `null` when the email
   * belongs to a registered account, which must log in instead.
   */
  async findOrCreateGuest(input: { email: string; name: string; phone?: string | null }, tx: Tx): Promise<Customer | null> {
    const email = input.email.trim();
    const c = (await this.repo.findOrInsertGuest(tx, { email, name: input.name, phone: input.phone ?? null })) ?? (await this.repo.findByEmail(email, {}, tx));
    return c?.isGuest ? c : null;
  }

  private emailConflict(existing: Customer): ConflictError {
    return existing.isGuest
      ? new ConflictError('An order was placed with this email. Claim the account to set a password.', 'ACCOUNT_CLAIM_REQUIRED')
      : new ConflictError('Email already registered', 'EMAIL_TAKEN');
  }

  /**
   * Emails a claim link when `email` belongs to a guest (at most once a minute per guest); does nothing for
   * unknown or registered emails. Returns whether an email was queued (callers must not reveal it).
   */
  requestClaim(email: string): Promise<boolean> {
    return this.claims.request(email);
  }

  /** Turns a guest into a registered account with a claim token (400 INVALID_CLAIM_TOKEN on any mismatch). */
  async claimAccount(input: { email: string; token: string; newPassword: string }): Promise<Customer> {
    return this.get(await this.claims.claim(input));
  }

  /** The customer when the password matches a registered account; `null` otherwise (same timing either way). */
  async verifyCredentials(email: string, password: string): Promise<Customer | null> {
    const c = await this.repo.findByEmail(email, { withPassword: true });
    const ok = await this.hasher.verify(c?.isGuest ? null : c?.passwordHash, password);
    if (!ok || !c) return null;
    delete (c as Partial<Customer>).passwordHash;
    return c;
  }

  /** Creates the admin named by ADMIN_EMAIL if no account holds that email; never changes an existing one. */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    const existing = await this.repo.findByEmail(email);
    if (existing) {
      if (existing.role !== 'admin') this.logger.warn(`ADMIN_EMAIL ${email} belongs to a non-admin account; left unchanged`);
      return 'exists';
    }
    try {
      await this.register({ email, password, name: 'Administrator', role: 'admin', emailVerified: true });
      return 'created';
    } catch (e) {
      if (e instanceof ConflictError) return 'exists'; // another instance bootstrapped it first
      throw e;
    }
  }

  async updateMe(id: string, dto: UpdateMeDto): Promise<Customer> {
    const patch: Partial<Customer> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.phone !== undefined) patch.phone = dto.phone;
    if (Object.keys(patch).length) await this.repo.update(id, patch);
    return this.getSelf(id);
  }

  listAddresses(customerId: string, tx?: Tx): Promise<Address[]> {
    return this.repo.listAddresses(customerId, tx);
  }

  async getAddress(customerId: string, id: string, tx?: Tx): Promise<Address> {
    const a = await this.repo.findAddress(customerId, id, tx);
    if (!a) throw new NotFoundError('Address not found', 'ADDRESS_NOT_FOUND');
    return a;
  }

  async addAddress(customerId: string, dto: AddressDto, tx?: Tx): Promise<Address> {
    try {
      return await this.repo.insertAddress(
        {
          name: dto.name,
          street: dto.street,
          city: dto.city,
          state: dto.state ?? null,
          postalCode: dto.postalCode,
          district: dto.district ?? null,
          country: dto.country,
          phone: dto.phone ?? null,
          customerId,
        },
        tx,
      );
    } catch (e) {
      // The only foreign key is the owner: a token that outlived its account.
      if (isForeignKeyViolation(e)) throw new UnauthorizedError(STALE_TOKEN_MESSAGE, 'INVALID_TOKEN');
      throw e;
    }
  }

  async updateAddress(customerId: string, id: string, dto: UpdateAddressDto): Promise<Address> {
    const a = await this.getAddress(customerId, id);
    for (const [k, v] of Object.entries(dto)) if (v !== undefined) (a as unknown as Record<string, unknown>)[k] = v;
    return this.repo.saveAddress(a);
  }

  async deleteAddress(customerId: string, id: string): Promise<void> {
    if (!(await this.repo.deleteAddress(customerId, id))) throw new NotFoundError('Address not found', 'ADDRESS_NOT_FOUND');
  }
}
