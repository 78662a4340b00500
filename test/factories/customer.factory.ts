import { JwtService } from '@nestjs/jwt';
import * as argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import type { Role } from '../../src/common/auth/auth.decorators';
import { Customer } from '../../src/customers/customer.entity';
import type { TestApp } from '../test-app';

let seq = 0;
export const DEFAULT_PASSWORD = 'password-123';
let hashed: Promise<string> | undefined;

export function buildCustomer(overrides: Partial<Customer> = {}): Partial<Customer> {
  seq += 1;
  return {
    email: `c${seq}-${process.pid}@test.local`,
    name: `Customer ${seq}`,
    phone: null,
    role: 'customer',
    isGuest: false,
    emailVerified: false,
    ...overrides,
  };
}

/** Persists a customer whose password is DEFAULT_PASSWORD (guests have none). */
export async function createCustomer(ds: DataSource, overrides: Partial<Customer> = {}): Promise<Customer> {
  const data = buildCustomer(overrides);
  hashed ??= argon2.hash(DEFAULT_PASSWORD, { memoryCost: 1024, timeCost: 1 });
  const passwordHash = data.isGuest ? null : await hashed;
  const repo = ds.getRepository(Customer);
  return repo.save(repo.create({ passwordHash, ...data }));
}

/** A signed access token, exactly as login issues it. */
export function tokenFor(t: TestApp, c: { id: string; role: Role }): string {
  return t.app.get(JwtService).sign({ sub: c.id, role: c.role, typ: 'access' });
}

/** A persisted customer (or admin) and a bearer header for it. */
export async function signedIn(t: TestApp, overrides: Partial<Customer> = {}) {
  const customer = await createCustomer(t.ds, overrides);
  return { customer, auth: { Authorization: `Bearer ${tokenFor(t, customer)}` } };
}
