import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { AppConfig } from '../config/app-config';

/** argon2id, OWASP parameters by default (memory lowered only by the test suite). */
@Injectable()
export class PasswordHasher {
  private readonly options: argon2.HashOptions;
  /** Verified against when the account does not exist, so timing does not reveal which emails are registered. */
  private dummy?: Promise<string>;

  constructor(config: AppConfig) {
    this.options = { type: argon2.argon2id, memoryCost: config.auth.passwordMemoryKib, timeCost: 2, parallelism: 1 };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    if (!hash) {
      this.dummy ??= this.hash('not-a-real-password');
      await argon2.verify(await this.dummy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}
