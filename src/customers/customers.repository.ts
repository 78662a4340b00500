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

  /** Case-insensitive, served by the `lower(email)` unique index. */
  findByEmail(email: string, opts: { withPassword?: boolean } = {}, tx?: Tx): Promise<Customer | null> {
    const q = this.c(tx).createQueryBuilder('c').where('lower(c.email) = lower(:email)', { email });
    if (opts.withPassword) q.addSelect('c.passwordHash');
    return q.getOne();
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
