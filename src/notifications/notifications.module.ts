import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { EmailComposer } from './email-composer';
import { createMailer, MAILER } from './mailer';
import { NotificationsRepository } from './notifications.repository';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxService } from './outbox.service';
import { OutboxWorker } from './outbox.worker';

/**
 * The transactional outbox (producers call `OutboxService.enqueue` inside their transaction) and its
 * delivery: `OutboxWorker` renders each message and sends it through nodemailer (SMTP, or .eml files in
 * development). docs/notifications.md.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [
    OutboxService,
    OutboxWorker,
    EmailComposer,
    NotificationsRepository,
    { provide: MAILER, inject: [AppConfig], useFactory: createMailer },
  ],
  exports: [OutboxService],
})
export class NotificationsModule {}
