import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/tx';
import type { OutgoingEmail } from './mailer';
import { NotificationsRepository } from './notifications.repository';
import type { OutboxTopic } from './outbox.service';
import * as templates from './templates';

/** A message that can never be sent as it is (unknown topic, missing field, no such order): dead-lettered at once. */
export class UndeliverableError extends Error {}

const str = (payload: Record<string, unknown>, key: string): string => {
  const v = payload[key];
  if (typeof v !== 'string' || !v) throw new UndeliverableError(`payload.${key} is missing`);
  return v;
};
const optStr = (payload: Record<string, unknown>, key: string): string | null => (typeof payload[key] === 'string' && payload[key] ? (payload[key] as string) : null);
const int = (payload: Record<string, unknown>, key: string): number => {
  const v = payload[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new UndeliverableError(`payload.${key} must be an integer`);
  return v;
};

/** The display name of MAIL_FROM ("Shop <no-reply@…>" → "Shop"), else its address. */
export function storeNameOf(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/.exec(from);
  return m?.[1]?.trim() || from.trim();
}

/**
 * Turns an outbox message into the email to send, or `null` when there is nothing to send (on-hold notice
 * without ADMIN_EMAIL; claim email for a customer who is no longer a guest). Loads what the payload does
 * not carry, and mints claim tokens for guests right before the send.
 */
@Injectable()
export class EmailComposer {
  private readonly ctx: templates.StoreContext;

  constructor(
    private readonly repo: NotificationsRepository,
    private readonly config: AppConfig,
  ) {
    this.ctx = { storeName: storeNameOf(config.mail.from) };
  }

  async compose(tx: Tx, topic: string, payload: Record<string, unknown>): Promise<OutgoingEmail | null> {
    switch (topic as OutboxTopic) {
      case 'email.order_confirmation': {
        const order = await this.requireOrder(tx, payload);
        // Guests get a link to claim the account (the order already belongs to that customer row).
        const claim = order.customerIsGuest ? await this.claimLink(order.customerId) : null;
        return { to: str(payload, 'email'), ...templates.orderConfirmation(this.ctx, order, claim) };
      }
      case 'email.order_on_hold': {
        const admin = this.config.admin.email;
        if (!admin) return null;
        const reasons = Array.isArray(payload.reasons) ? payload.reasons.filter((r): r is string => typeof r === 'string') : [];
        const order = await this.repo.loadOrder(tx, str(payload, 'orderId'));
        return { to: admin, ...templates.orderOnHold(this.ctx, { number: str(payload, 'number'), orderId: str(payload, 'orderId'), reasons, order }) };
      }
      case 'email.order_shipped': {
        const order = await this.repo.loadOrder(tx, str(payload, 'orderId'));
        const trackingNumber = optStr(payload, 'trackingNumber') ?? order?.trackingNumber ?? null;
        return { to: str(payload, 'email'), ...templates.orderShipped(this.ctx, { number: str(payload, 'number'), trackingNumber, order }) };
      }
      case 'email.order_cancelled': {
        const order = await this.repo.loadOrder(tx, str(payload, 'orderId'));
        const r = payload.refunded;
        const refunded = typeof r === 'boolean' || typeof r === 'number' ? r : undefined;
        return { to: str(payload, 'email'), ...templates.orderCancelled(this.ctx, { number: str(payload, 'number'), refunded, order }) };
      }
      case 'email.order_refunded': {
        const order = await this.repo.loadOrder(tx, str(payload, 'orderId'));
        const currency = str(payload, 'currency');
        return { to: str(payload, 'email'), ...templates.orderRefunded(this.ctx, { number: str(payload, 'number'), amount: int(payload, 'amount'), currency, order }) };
      }
      case 'email.claim_account': {
        const minted = await this.repo.mintClaimToken(str(payload, 'customerId'), this.config.claims.tokenTtlSeconds);
        if (!minted) return null; // claimed (or deleted) since the request: nothing to claim
        const claim = { url: this.claimUrl(minted.token, minted.email), ttlSeconds: this.config.claims.tokenTtlSeconds };
        return { to: minted.email, ...templates.claimAccount(this.ctx, { name: minted.name, claim }) };
      }
      default:
        throw new UndeliverableError(`unknown topic ${topic}`);
    }
  }

  private async requireOrder(tx: Tx, payload: Record<string, unknown>) {
    const order = await this.repo.loadOrder(tx, str(payload, 'orderId'));
    if (!order) throw new UndeliverableError(`order ${str(payload, 'orderId')} not found`);
    return order;
  }

  private async claimLink(customerId: string): Promise<templates.ClaimLink | null> {
    const minted = await this.repo.mintClaimToken(customerId, this.config.claims.tokenTtlSeconds);
    return minted ? { url: this.claimUrl(minted.token, minted.email), ttlSeconds: this.config.claims.tokenTtlSeconds } : null;
  }

  private claimUrl(token: string, email: string): string {
    return this.config.claims.url.replaceAll('{TOKEN}', encodeURIComponent(token)).replaceAll('{EMAIL}', encodeURIComponent(email));
  }
}
