import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CustomersService } from './customers.service';

/** Creates the admin account from ADMIN_EMAIL / ADMIN_PASSWORD when no account holds that email. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly customers: CustomersService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { email, password } = this.config.admin;
    if (!email || !password) return;
    if ((await this.customers.ensureAdmin(email, password)) === 'created') this.logger.log(`Admin account ${email} created`);
  }
}
