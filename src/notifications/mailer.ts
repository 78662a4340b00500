import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import type { AppConfig } from '../config/app-config';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one message; rejects with the transport's error (nodemailer errors carry `responseCode`, `permanent`, `command`). */
export interface Mailer {
  readonly kind: 'smtp' | 'file';
  /** Where mail goes, for logs: never the SMTP credentials. */
  readonly describe: string;
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

export const MAILER = Symbol('MAILER');

/** Bounded waits, so a hung server cannot hold the worker's locked batch for long. */
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/** `SMTP_URL`: nodemailer's SMTP transport (STARTTLS when the server offers it on smtp://; TLS on smtps://). */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  readonly describe: string;
  private readonly transport;

  constructor(url: string, from: string) {
    // Options in the URL (e.g. ?pool=true or ?ignoreTLS=true) win over these defaults.
    this.transport = createTransport({ url, ...SMTP_TIMEOUTS }, { from });
    const u = new URL(url);
    this.describe = `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail(email);
    return { messageId: info.messageId };
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * Development default: every message is written as an RFC 5322 `.eml` file (open it in any mail client)
 * under MAIL_DIR. Written to a temporary name and renamed, so a reader never sees half a message.
 */
export class FileMailer implements Mailer {
  readonly kind = 'file';
  readonly describe: string;
  private readonly transport;
  private readonly dir: string;

  constructor(dir: string, from: string) {
    this.dir = resolve(dir);
    this.describe = this.dir;
    this.transport = createTransport({ streamTransport: true, buffer: true, newline: 'windows' }, { from });
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail(email);
    if (!Buffer.isBuffer(info.message)) throw new Error('stream transport did not return a buffer');
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `${stamp}-${randomUUID()}.eml`;
    const tmp = join(this.dir, `.${name}.tmp`);
    await writeFile(tmp, info.message);
    await rename(tmp, join(this.dir, name));
    return { messageId: info.messageId };
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

export function createMailer(config: AppConfig): Mailer {
  const { transport, smtpUrl, dir, from } = config.mail;
  const mailer = transport === 'smtp' && smtpUrl ? new SmtpMailer(smtpUrl, from) : new FileMailer(dir, from);
  new Logger('Mailer').log({ transport: mailer.kind, target: mailer.describe }, 'Mail transport ready');
  return mailer;
}
