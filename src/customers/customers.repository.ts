import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Tx } from '../database/tx';
import { Address } from './address.entity';
import { Customer } from './customer.entity';

@Injectable()
export class CustomersRepository {
  constructor(
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectRepository(Address) private readonly addresses: Repository<Address>,
  ) {}

  private c(tx?: Tx) {
    return tx ? tx.getRepository(Customer) : this.customers;
  }
  private a(tx?: Tx) {
    return tx ? tx.getRepository(Address) : this.addresses;
  }

  findById(id: string, tx?: Tx): Promise<Customer | null> {
    return this.c(tx).findOneBy({ id });
  }

  /** An account's id and role, or null when there is none: the auth guard's read on every signed-in request. */
  async findRole(id: string): Promise<Pick<Customer, 'id' | 'role'> | null> {
    const rows: Pick<Customer, 'id' | 'role'>[] = await this.customers.query('SELECT id, role FROM customers WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** Case-insensitive, served by the `lower(email)` unique index. */
  findByEmail(email: string, opts: { withPassword?: boolean } = {}, tx?: Tx): Promise<Customer | null> {
    const q = this.c(tx).createQueryBuilder('c').where('lower(c.email) = lower(:email)', { email });
    if (opts.withPassword) q.addSelect('c.passwordHash');
    return q.getOne();
  }

  /**
   * The customer with this email (case-insensitive), inserting a guest first when there is none: one statement.
   * Empty when a concurrent transaction inserted the email after this statement's snapshot (the caller re-reads).
   */
  async findOrInsertGuest(tx: Tx, g: { email: string; name: string; phone: string | null }): Promise<Customer | null> {
    const rows = (await tx.query(
      `WITH existing AS (SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE lower(email) = lower($1)),
            ins AS (
              INSERT INTO customers (email, name, phone, role, is_guest, email_verified)
              SELECT $1, $2, $3, 'customer', true, false WHERE NOT EXISTS (SELECT 1 FROM existing)
              ON CONFLICT ((lower(email))) DO NOTHING
              RETURNING ${CUSTOMER_COLUMNS})
       SELECT * FROM existing UNION ALL SELECT * FROM ins`,
      [g.email, g.name, g.phone],
    )) as CustomerRow[];
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  insert(data: Partial<Customer>, tx?: Tx): Promise<Customer> {
    const repo = this.c(tx);
    return repo.save(repo.create(data));
  }

  async update(id: string, patch: Partial<Customer>, tx?: Tx): Promise<void> {
    await this.c(tx).update({ id }, patch);
  }

  listAddresses(customerId: string, tx?: Tx): Promise<Address[]> {
    return this.a(tx).find({ where: { customerId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Scoped to the owner: another customer's address is simply not found. */
  findAddress(customerId: string, id: string, tx?: Tx): Promise<Address | null> {
    return this.a(tx).findOneBy({ id, customerId });
  }

  insertAddress(data: Partial<Address>, tx?: Tx): Promise<Address> {
    const repo = this.a(tx);
    return repo.save(repo.create(data));
  }

  saveAddress(address: Address, tx?: Tx): Promise<Address> {
    return this.a(tx).save(address);
  }

  async deleteAddress(customerId: string, id: string, tx?: Tx): Promise<boolean> {
    const r = await this.a(tx).delete({ id, customerId });
    return (r.affected ?? 0) > 0;
  }
}

const CUSTOMER_COLUMNS = 'id, email, name, phone, role, is_guest, email_verified, created_at, updated_at';

interface CustomerRow {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  role: Customer['role'];
  is_guest: boolean;
  email_verified: boolean;
  created_at: Date;
  updated_at: Date;
}

function toCustomer(r: CustomerRow): Customer {
  return Object.assign(new Customer(), {
    id: r.id, email: r.email, name: r.name, phone: r.phone, role: r.role, isGuest: r.is_guest, emailVerified: r.email_verified, createdAt: r.created_at, updatedAt: r.updated_at,
  });
}
