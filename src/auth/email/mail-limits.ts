/**
 * How much mail one request may cause (API.md "Limits that hold against abuse"). Every message
 * counts against four GCRA limits (rate-limit.ts), per hour:
 * - its mailbox from this client: RATE_LIMIT_EMAILS_PER_HOUR. A mailbox, not a spelling
 *   (mailboxOf: case, +tags, Gmail dots and googlemail.com), and per client so that a stranger's
 *   requests cannot use up the owner's own budget;
 * - its mailbox from anyone: RATE_LIMIT_EMAILS_PER_MAILBOX_PER_HOUR (default 4 times the above),
 *   the cap that keeps many clients from flooding one inbox;
 * - this client, whatever the address: RATE_LIMIT_EMAILS_PER_CLIENT_PER_HOUR (an IPv6 /64, and its
 *   /48 at 8 times that);
 * - the mailbox's domain: RATE_LIMIT_EMAILS_PER_DOMAIN_PER_HOUR.
 * They are checked narrowest first and the first one spent refuses (429); the ones before it
 * have counted that request.
 */
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { clientKeys } from '../../lib/ip-address.js';
import { mailboxOf, type CanonicalEmail } from './email-address.js';
import { enforceRateLimit } from '../rate-limit.js';

const HOUR_MS = 3_600_000;

export async function enforceMailLimits(
  { db, config, clock }: { db: Db; config: Config; clock: () => number },
  { email, clientAddress }: { email: CanonicalEmail; clientAddress: string | null | undefined },
): Promise<void> {
  const now = clock();
  const mailbox = mailboxOf(email);
  const clients = clientKeys(clientAddress ?? undefined);
  const message = 'Too many messages to this address; try again later';
  const hit = (name: string, key: string, limit: number, text = message) =>
    enforceRateLimit(db, { name, key, limit, windowMs: HOUR_MS, now, message: text });

  // Caps mail to one mailbox from one client: the owner's budget is theirs.
  await hit('mail_mailbox_client', `mail:mailbox-client:${mailbox}|${clients[0]!.key}`, config.rateLimitEmailsPerHour);
  // Caps what one client can make the service send, to any address.
  for (const { key, factor } of clients) {
    await hit(
      'mail_client',
      `mail:client:${key}`,
      config.rateLimitEmailsPerClientPerHour * factor,
      'Too many messages requested from your network; try again later',
    );
  }
  // Caps mail to one mailbox whoever asks, so the service cannot be used to flood it.
  await hit('mail_mailbox', `mail:mailbox:${mailbox}`, config.rateLimitEmailsPerMailboxPerHour);
  // Caps mail to one domain, so a flood spread over its mailboxes stops too.
  await hit(
    'mail_domain',
    `mail:domain:${mailbox.slice(mailbox.lastIndexOf('@') + 1)}`,
    config.rateLimitEmailsPerDomainPerHour,
  );
}
