import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

const smtpError = (code: number, message: string): SMTPServerError => Object.assign(new Error(message), { responseCode: code });

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a free port, for end-to-end mail
 * tests: plain SMTP, no AUTH, no STARTTLS. Collects every accepted message; can refuse the next messages
 * (at DATA) or a recipient (at RCPT TO) with a given reply code, and delay its answers.
 */
export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  /** Every DATA the server answered (accepted or refused). */
  dataCommands = 0;
  private refusals: { code: number; message: string }[] = [];
  private readonly refusedRecipients = new Map<string, { code: number; message: string }>();
  private delayMs = 0;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  private readonly server: SMTPServer;
  port = 0;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.refusedRecipients.get(address.address.toLowerCase());
        callback(refusal ? smtpError(refusal.code, refusal.message) : null);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          void (async () => {
            if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
            this.dataCommands += 1;
            const refusal = this.refusals.shift();
            if (refusal) return callback(smtpError(refusal.code, refusal.message));
            const raw = Buffer.concat(chunks).toString('utf8');
            const parsed = await simpleParser(raw);
            this.messages.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw,
            });
            this.notify();
            callback(null);
          })();
        });
      },
    });
  }

  static async start(): Promise<TestSmtpServer> {
    const self = new TestSmtpServer();
    await new Promise<void>((resolve, reject) => {
      self.server.once('error', reject);
      self.server.listen(0, '127.0.0.1', undefined, () => resolve());
    });
    self.port = (self.server.server.address() as AddressInfo).port;
    return self;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next `times` messages are refused at DATA with this reply (e.g. 451 = try again later). */
  refuseNext(code: number, message = 'Try again later', times = 1): void {
    for (let i = 0; i < times; i++) this.refusals.push({ code, message });
  }

  refuseRecipient(address: string, code: number, message = 'No such user'): void {
    this.refusedRecipients.set(address.toLowerCase(), { code, message });
  }

  /** Every message waits this long before the server answers its DATA. */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  reset(): void {
    this.messages.length = 0;
    this.dataCommands = 0;
    this.refusals = [];
    this.refusedRecipients.clear();
    this.delayMs = 0;
  }

  /** Resolves once `n` messages have been accepted in total. */
  waitFor(n: number): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      if (this.messages.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The claim link's token and email from a message (`CLAIM_URL` default: …/account/claim?email=…&token=…). */
export function claimLinkIn(text: string): { url: string; token: string; email: string } | null {
  const m = /(https?:\/\/\S+\/account\/claim\?\S+)/.exec(text);
  if (!m) return null;
  const url = new URL(m[1]!);
  const token = url.searchParams.get('token');
  const email = url.searchParams.get('email');
  return token && email ? { url: m[1]!, token, email } : null;
}
