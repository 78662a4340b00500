import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { Tx } from '../database/tx';
import { RefreshToken } from './refresh-token.entity';

@Injectable()
export class AuthRepository {
  constructor(@InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>) {}

  private r(tx?: Tx) {
    return tx ? tx.getRepository(RefreshToken) : this.tokens;
  }

  insert(data: Omit<RefreshToken, 'id' | 'createdAt' | 'usedAt' | 'revokedAt'>, tx?: Tx): Promise<RefreshToken> {
    const repo = this.r(tx);
    return repo.save(repo.create({ ...data, usedAt: null, revokedAt: null }));
  }

  /** Row-locked so two concurrent refreshes with one token serialize: the second sees it used. */
  lockById(tx: Tx, id: string): Promise<RefreshToken | null> {
    return tx.getRepository(RefreshToken).createQueryBuilder('t').setLock('pessimistic_write').where('t.id = :id', { id }).getOne();
  }

  async markUsed(tx: Tx, id: string): Promise<void> {
    await tx.getRepository(RefreshToken).update({ id }, { usedAt: new Date() });
  }

  async revokeFamily(familyId: string, tx?: Tx): Promise<void> {
    await this.r(tx).update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
