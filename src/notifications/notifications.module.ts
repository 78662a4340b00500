import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxService } from './outbox.service';

/** The transactional outbox. Delivery (nodemailer) is the orders/notifications issue; today messages are queued only. */
@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [OutboxService],
  exports: [OutboxService],
})
export class NotificationsModule {}
