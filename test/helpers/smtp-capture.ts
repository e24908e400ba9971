/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, STARTTLS off, no auth) that parses what
 * arrives with mailparser, and the test harness wired to it through the production SMTP mailer
 * (nodemailer over TCP). Background delivery (deps.defer) is tracked so tests can wait for it.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port.js';
import { createSmtpMailer, type SmtpMailer } from '../../src/mail/smtp.js';
import { createHarness, type Harness, type HarnessOptions } from './harness.js';

export interface CapturedMail {
  mail: ParsedMail;
  /** The message exactly as the server received it (for DKIM verification). */
  raw: Buffer;
  rcptTo: string[];
  mailFrom: string | false;
  /** From the text part: the link, its token and the six-digit code ('' in a notice, which has none). */
  link: string;
  token: string;
  code: string;
}

export interface SmtpCapture {
  port: number;
  received: CapturedMail[];
  /** Reply to RCPT TO with this code (e.g. 451 or 550) until set back to null. */
  refuseWith(code: number | null): void;
  /** How many RCPT TO commands were refused so far. */
  refusals(): number;
  /** Resolves once `count` messages have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

/** The link, token and code in a message's text part (the token rides in the fragment, `#token=`). */
export function extractLinkAndCode(text: string): { link: string; token: string; code: string } {
  const link = /^(https?:\/\/\S+\/auth\/email\/verify[#?]token=([A-Za-z0-9_-]+))$/m.exec(text);
  const code = /^(\d{6})$/m.exec(text);
  if (!link || !code) throw new Error(`no link or code in:\n${text}`);
  return { link: link[1]!, token: link[2]!, code: code[1]! };
}

/** Like extractLinkAndCode, but a message without them (a security notice) gives empty strings. */
function linkAndCodeIfAny(text: string): { link: string; token: string; code: string } {
  try {
    return extractLinkAndCode(text);
  } catch {
    return { link: '', token: '', code: '' };
  }
}

export async function startSmtpCapture({ port = 0 }: { port?: number } = {}): Promise<SmtpCapture> {
  const received: CapturedMail[] = [];
  let refusal: number | null = null;
  let refused = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 1000,
    onRcptTo(_address, _session, callback) {
      if (refusal === null) return callback();
      refused++;
      callback(
        Object.assign(new Error(refusal < 500 ? 'Try again later' : 'No such user here'), { responseCode: refusal }),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      new Promise<Buffer>((resolve, reject) =>
        stream.on('end', () => resolve(Buffer.concat(chunks))).on('error', reject),
      )
        .then(async (raw) => ({ raw, mail: await simpleParser(raw) }))
        .then(({ raw, mail }) => {
          received.push({
            mail,
            raw,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
            ...linkAndCodeIfAny(mail.text ?? ''),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.server.address() as AddressInfo).port;
  return {
    port: bound,
    received,
    refuseWith: (code) => void (refusal = code),
    refusals: () => refused,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 that nothing listens on (for now). */
export const closedPort = freePort;

export const MAIL_FROM = 'Sesame <no-reply@sesame.example>';

export interface MailHarness {
  h: Harness;
  /** The server the mailer talks to (absent when started with `smtp: 'down'` until `bringUp`). */
  smtp: SmtpCapture | null;
  smtpPort: number;
  mailer: SmtpMailer | null;
  /** Starts the SMTP server on the port the mailer uses (after starting with `smtp: 'down'`). */
  bringUp(): Promise<SmtpCapture>;
  /** Waits until every background task (mail delivery) has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real app (createHarness) whose mailer is the SMTP transport talking to a local smtp-server;
 * `smtp: 'outbox'` gives the development outbox (mailer null), `smtp: 'down'` a port nobody listens on.
 */
export async function createMailHarness({
  smtp: mode = 'up',
  ...options
}: HarnessOptions & { smtp?: 'up' | 'down' | 'outbox' } = {}): Promise<MailHarness> {
  let smtp = mode === 'up' ? await startSmtpCapture() : null;
  const smtpPort = smtp?.port ?? (await closedPort());
  const smtpUrl = `smtp://127.0.0.1:${smtpPort}?ignoreTLS=true`;
  const mailer = mode === 'outbox' ? null : createSmtpMailer({ url: smtpUrl, from: MAIL_FROM });
  const pending = new Set<Promise<unknown>>();
  const h = await createHarness({
    ...options,
    // The configuration says a transport exists (a non-loopback PUBLIC_URL needs one); the mailer below is it.
    env: mode === 'outbox' ? options.env : { SMTP_URL: smtpUrl, ...options.env },
    deps: {
      mailer,
      defer: (work) => {
        const tracked = work.catch((err) =>
          h.deps.logger.log('error', 'background task failed', { error: String(err) }),
        );
        pending.add(tracked);
        void tracked.finally(() => pending.delete(tracked));
      },
      ...options.deps,
    },
  });
  const settle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    h,
    get smtp() {
      return smtp;
    },
    smtpPort,
    mailer,
    async bringUp() {
      smtp = await startSmtpCapture({ port: smtpPort });
      return smtp;
    },
    settle,
    async close() {
      await settle();
      mailer?.close();
      await smtp?.close();
      h.close();
    },
  };
}
