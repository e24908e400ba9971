/**
 * Mail over an HTTP email API with fetch (works on Workers and Node): POST JSON
 * `{from, to, subject, text, html}` with a Bearer key, the shape Resend's /emails and several
 * others accept. 2xx = handed over; 4xx other than 408/429 = permanent; the rest transient.
 */
import { MailDeliveryError, type Mailer } from './mailer.js';

export function createHttpApiMailer({
  url,
  apiKey,
  from,
  fetchImpl = fetch,
}: {
  url: string;
  apiKey: string;
  from: string;
  fetchImpl?: typeof fetch;
}): Mailer {
  return {
    name: 'http-api',
    async send(message) {
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({
            from,
            to: [message.to],
            subject: message.subject,
            text: message.text,
            html: message.html,
          }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (cause) {
        throw new MailDeliveryError('The email API could not be reached', false, { cause });
      }
      if (res.ok) return;
      const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      throw new MailDeliveryError(`The email API answered ${res.status}`, permanent);
    },
  };
}
