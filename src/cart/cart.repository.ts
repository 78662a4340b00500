import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { Tx } from '../database/tx';
import { CartItem } from './cart-item.entity';
import { Cart } from './cart.entity';

@Injectable()
export class CartRepository {
  constructor(
    @InjectRepository(Cart) private readonly carts: Repository<Cart>,
    @InjectRepository(CartItem) private readonly items: Repository<CartItem>,
  ) {}

  private c(tx?: Tx) {
    return tx ? tx.getRepository(Cart) : this.carts;
  }

  findById(id: string): Promise<Cart | null> {
    return this.carts.findOneBy({ id });
  }

  /** `lock`: SELECT … FOR UPDATE, so writes to one cart serialize. */
  findActiveByCustomer(customerId: string, tx?: Tx, lock = false): Promise<Cart | null> {
    const q = this.c(tx).createQueryBuilder('c').where(`c.customerId = :customerId AND c.status = 'active'`, { customerId });
    if (lock) q.setLock('pessimistic_write');
    return q.getOne();
  }

  findBySessionHash(sessionHash: string, tx?: Tx, lock = false): Promise<Cart | null> {
    const q = this.c(tx).createQueryBuilder('c').where('c.sessionHash = :sessionHash', { sessionHash });
    if (lock) q.setLock('pessimistic_write');
    return q.getOne();
  }

  /** Race-safe: concurrent first writes for one customer end with the same single active cart. */
  async getOrCreateForCustomer(tx: Tx, customerId: string): Promise<Cart> {
    await tx.query(
      `INSERT INTO carts (customer_id) VALUES ($1) ON CONFLICT (customer_id) WHERE status = 'active' AND customer_id IS NOT NULL DO NOTHING`,
      [customerId],
    );
    return (await this.findActiveByCustomer(customerId, tx, true))!;
  }

  createForSession(tx: Tx, sessionHash: string, expiresAt: Date): Promise<Cart> {
    const repo = tx.getRepository(Cart);
    return repo.save(repo.create({ sessionHash, expiresAt, customerId: null, status: 'active', discountCode: null }));
  }

  async update(tx: Tx, id: string, patch: Partial<Pick<Cart, 'discountCode' | 'expiresAt' | 'status' | 'customerId' | 'sessionHash'>>): Promise<void> {
    await tx.getRepository(Cart).update({ id }, { ...patch, updatedAt: new Date() });
  }

  listItems(cartId: string, tx?: Tx): Promise<CartItem[]> {
    return (tx?.getRepository(CartItem) ?? this.items).find({ where: { cartId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findItem(tx: Tx, cartId: string, id: string): Promise<CartItem | null> {
    return tx.getRepository(CartItem).findOneBy({ id, cartId });
  }

  async setQuantity(tx: Tx, cartId: string, variantId: string, quantity: number): Promise<void> {
    await tx.query(
      `INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()`,
      [cartId, variantId, quantity],
    );
  }

  async deleteItem(tx: Tx, cartId: string, id: string): Promise<boolean> {
    return ((await tx.getRepository(CartItem).delete({ id, cartId })).affected ?? 0) > 0;
  }

  async clear(tx: Tx, cartId: string): Promise<void> {
    await tx.getRepository(CartItem).delete({ cartId });
  }

  /** Abandoned guest carts past their expiry; idempotent, so every instance may run it. */
  async deleteExpiredGuestCarts(now: Date): Promise<number> {
    const r = await this.carts.delete({ expiresAt: LessThan(now) });
    return r.affected ?? 0;
  }
}
