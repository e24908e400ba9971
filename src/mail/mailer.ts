/**
 * The one interface every mail transport implements (SMTP on Node, the development outbox, the
 * Workers `send_email` binding). Runtime-neutral on purpose: no node:* import may appear here.
 *
 * Contract of `send`:
 * - it resolves once the message has been handed over to the next hop (accepted by the SMTP
 *   server, stored in the outbox, ...), not when it reaches an inbox;
 * - it rejects only with MailDeliveryError. `permanent` tells the caller whether sending the
 *   same message again could succeed: true for a 5xx SMTP reply (the server refused it for
 *   good), false for everything else (4xx replies, timeouts, refused or dropped connections).
 * - `to` is a canonical address (see auth/email/email-address.ts); transports must use it verbatim
 *   as the one recipient and add none.
 */

export interface MailMessage {
  /** One canonical recipient address, no display name. */
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Short transport name for logs, e.g. "smtp" or "outbox". */
  readonly name: string;
  send(message: MailMessage): Promise<void>;
}

export class MailDeliveryError extends Error {
  /** True when retrying the same message is pointless (a 5xx SMTP reply). */
  readonly permanent: boolean;

  constructor(message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailDeliveryError';
    this.permanent = permanent;
  }
}
