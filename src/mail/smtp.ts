/**
 * The SMTP transport (Node only): a pooled nodemailer transport configured from SMTP_URL.
 *
 * SMTP_URL forms:
 *   smtp://user:pass@host:587    STARTTLS when the server offers it (nodemailer's default)
 *   smtps://user:pass@host:465   TLS from the first byte
 *   ?requireTLS=true             refuse to send unless STARTTLS succeeds (smtp:// only)
 *   ?ignoreTLS=true              never upgrade, for local test servers (smtp:// only)
 * User and password are URL-decoded, so `p%40ss` is the password `p@ss`. Anything else in the
 * URL (a path, another parameter) is a configuration error, reported at start-up.
 *
 * Invariants:
 * - the envelope is set explicitly to the one canonical recipient, so nodemailer never derives
 *   recipients from header text;
 * - every failure reaches the caller as MailDeliveryError, permanent exactly for a 5xx reply;
 * - neither the URL (it holds the password) nor message bodies (they hold sign-in secrets)
 *   appear in errors or logs.
 */
import nodemailer from 'nodemailer';
import type { NodemailerError, SMTPPoolOptions } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Logger } from '../lib/log.js';
import { MailDeliveryError, type Mailer, type MailMessage } from './mailer.js';

export interface SmtpMailerOptions {
  /** SMTP_URL, see the module header. */
  url: string;
  /** MAIL_FROM: `Name <address>` or a bare address. */
  from: string;
  /** Gets one line per message (id and server reply, never content) and per failure. */
  logger?: Logger;
  /**
   * Production: mail goes only over TLS. smtp:// then requires STARTTLS (as `requireTLS=true`),
   * and `ignoreTLS=true` is refused. False only in development, or with the logged opt-out
   * SMTP_ALLOW_PLAINTEXT.
   */
  tlsRequired?: boolean;
  /** DKIM signing by nodemailer (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY); null = unsigned. */
  dkim?: DkimSettings | null;
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  /** PEM (PKCS#8 or PKCS#1 RSA, or Ed25519). */
  privateKey: string;
}

export interface SmtpMailer extends Mailer {
  /** Closes the pool: idle connections at once, busy ones after their current message. */
  close(): void;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the start (smtps://). */
  secure: boolean;
  requireTLS: boolean;
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
}

export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 20_000,
  dnsTimeout: 10_000,
} as const;

const BOOLEAN_PARAMS = ['requireTLS', 'ignoreTLS'] as const;

/** Never includes the URL itself: it holds the password. */
function invalidSmtpUrl(problem: string): never {
  throw new Error(`SMTP_URL ${problem}`);
}

/** Reads SMTP_URL (see the module header); throws on anything it does not understand. */
export function parseSmtpUrl(url: string): SmtpSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not rethrown or kept as cause: Node's URL error carries the input, password included.
    invalidSmtpUrl('is not a valid URL');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    invalidSmtpUrl('must start with smtp:// or smtps://');
  const secure = parsed.protocol === 'smtps:';

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') invalidSmtpUrl('has no host');
  if (parsed.pathname !== '' && parsed.pathname !== '/') invalidSmtpUrl('must not have a path');
  if (parsed.hash !== '') invalidSmtpUrl('must not have a fragment');

  const flags = { requireTLS: false, ignoreTLS: false };
  for (const key of new Set(parsed.searchParams.keys())) {
    const name = BOOLEAN_PARAMS.find((param) => param === key);
    if (name === undefined) invalidSmtpUrl(`has an unknown parameter "${key}" (allowed: ${BOOLEAN_PARAMS.join(', ')})`);
    const values = parsed.searchParams.getAll(key);
    if (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false')) {
      invalidSmtpUrl(`parameter "${key}" must be true or false, once`);
    }
    flags[name] = values[0] === 'true';
  }
  // Asking for both, or for STARTTLS behaviour on an implicit-TLS port, is a misunderstanding
  // better reported now than discovered as unencrypted or undelivered mail.
  if (flags.requireTLS && flags.ignoreTLS) invalidSmtpUrl('cannot have both requireTLS and ignoreTLS');
  if (secure && (flags.requireTLS || flags.ignoreTLS)) {
    invalidSmtpUrl('with smtps:// uses TLS always; requireTLS and ignoreTLS apply to smtp:// only');
  }

  const port = parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port);

  if (parsed.username === '' && parsed.password === '') return { host, port, secure, ...flags };
  if (parsed.username === '' || parsed.password === '')
    invalidSmtpUrl('must carry both a user name and a password, or neither');
  try {
    const auth = { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
    return { host, port, secure, ...flags, auth };
  } catch {
    invalidSmtpUrl('has a badly percent-encoded user name or password');
  }
}

function parseFrom(from: string): { name: string; address: string } {
  // A CR/LF here would end up in the From header and the MAIL FROM command.
  if (/[\u0000-\u001f\u007f]/.test(from)) throw new Error('MAIL_FROM must not contain control characters');
  const addresses = addressparser(from, { flatten: true });
  const first = addresses[0];
  if (addresses.length !== 1 || first === undefined || !/^[^@\s]+@[^@\s]+$/.test(first.address)) {
    throw new Error('MAIL_FROM must be exactly one address, like "Sesame <no-reply@example.com>"');
  }
  return { name: first.name, address: first.address };
}

/** Maps a nodemailer failure: a 5xx reply is permanent, everything else may pass later. */
function toDeliveryError(error: unknown): MailDeliveryError {
  const responseCode = (error as NodemailerError | undefined)?.responseCode;
  const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  const detail = error instanceof Error ? error.message : String(error);
  return new MailDeliveryError(`SMTP delivery failed: ${detail}`, permanent, { cause: error });
}

export function createSmtpMailer({
  url,
  from,
  logger,
  tlsRequired = false,
  dkim = null,
}: SmtpMailerOptions): SmtpMailer {
  const settings = parseSmtpUrl(url);
  if (tlsRequired && !settings.secure) {
    // Links and codes in clear on the wire sign anyone on the path in: production refuses it.
    if (settings.ignoreTLS)
      throw new Error(
        'SMTP_URL has ignoreTLS=true, which sends sign-in links in clear text; in production that needs SMTP_ALLOW_PLAINTEXT=true',
      );
    settings.requireTLS = true;
  }
  const sender = parseFrom(from);

  const options: SMTPPoolOptions & { pool: true } = {
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTLS,
    ignoreTLS: settings.ignoreTLS,
    ...(settings.auth ? { auth: settings.auth } : {}),
    ...SMTP_TIMEOUTS,
    logger: false,
    // Our messages are plain strings; never let nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    // Signs every message: receivers check it against the selector's public key in DNS (SPF/DKIM/DMARC).
    ...(dkim
      ? { dkim: { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: dkim.privateKey } }
      : {}),
  };
  const transport = nodemailer.createTransport(options);
  // An unhandled 'error' event would crash the process; a failed send is reported per message.
  transport.on('error', (error: NodemailerError) => {
    logger?.log('warn', 'smtp transport error', { code: error.code, message: error.message });
  });

  return {
    name: 'smtp',

    async send(message: MailMessage): Promise<void> {
      // The recipient must read back as exactly itself, one bare address, or a caller skipped
      // canonicalizeEmail and we might mail someone else or inject a header.
      const recipients = addressparser(message.to, { flatten: true });
      if (recipients.length !== 1 || recipients[0]?.address !== message.to || recipients[0].name !== '') {
        throw new MailDeliveryError('SMTP delivery refused: the recipient is not one bare address', true);
      }

      try {
        const info = await transport.sendMail({
          from: sender,
          to: { name: '', address: message.to },
          envelope: { from: sender.address, to: [message.to] },
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
        logger?.log('info', 'mail sent', { transport: 'smtp', messageId: info.messageId, response: info.response });
      } catch (error) {
        const deliveryError = toDeliveryError(error);
        const { code, responseCode } = (error ?? {}) as NodemailerError;
        logger?.log('warn', 'mail delivery failed', {
          transport: 'smtp',
          permanent: deliveryError.permanent,
          code,
          responseCode,
          message: deliveryError.message,
        });
        throw deliveryError;
      }
    },

    close(): void {
      transport.close();
    },
  };
}
