/**
 * Sends a security notice (src/mail/security-notices.ts) through the durable mail queue, after the
 * change it reports has committed. A notice is best effort: the change stands whether or not the
 * message could be queued, so a failure is logged, never thrown at the person who made it.
 * Notices are not counted against RATE_LIMIT_EMAILS_PER_HOUR: each follows an action of the signed-in
 * account itself (or, for 'address_taken', an address-change request that is counted already).
 */
import type { Config } from '../../lib/config.js';
import { enqueueMail, type MailDeps } from '../../mail/queue.js';
import { renderSecurityNotice, type SecurityNotice } from '../../mail/security-notices.js';
import { deviceParts } from '../../lib/user-agent.js';
import type { RequestContext } from '../sessions/sessions.js';

/** Addresses released by migration 0003 (README "Upgrading"): nobody receives mail there. */
export const RELEASED_ADDRESS = /@unverified\.invalid$/;
/** A notice not delivered within a day is stale news; the queue gives up on it then. */
const NOTICE_TTL_MS = 24 * 3_600_000;

export async function notifyAccount(
  deps: MailDeps & { config: Config },
  { email, notice, context = {} }: { email: string; notice: SecurityNotice; context?: RequestContext },
): Promise<void> {
  if (RELEASED_ADDRESS.test(email)) return;
  const at = deps.clock();
  try {
    const device = context.userAgent ? deviceParts(context.userAgent) : null;
    const rendered = renderSecurityNotice({
      notice,
      email,
      at,
      device,
      branding: deps.config.branding,
      locale: context.locale,
    });
    await enqueueMail(deps, { to: email, ...rendered }, { expiresAt: at + NOTICE_TTL_MS });
  } catch (err) {
    deps.logger.log('error', 'security notice could not be queued', {
      kind: notice.kind,
      error: String(err).slice(0, 300),
    });
  }
}
