/**
 * Mail through Cloudflare's send_email binding (Email Routing). The binding takes a raw MIME
 * message; `EmailMessage` comes from the runtime module `cloudflare:email`, so this file is only
 * reachable from the Workers entry.
 */
import { EmailMessage } from 'cloudflare:email';
import { generateId } from '../lib/crypto.js';
import { MailDeliveryError, type Mailer } from './mailer.js';
import { buildMimeMessage, parseMailbox } from './mime.js';

export interface SendEmailBinding {
  send(message: EmailMessage): Promise<void>;
}

export function createCloudflareEmailMailer({ binding, from }: { binding: SendEmailBinding; from: string }): Mailer {
  const sender = parseMailbox(from).address;
  return {
    name: 'cloudflare-send-email',
    async send(message) {
      const raw = buildMimeMessage({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: generateId(),
      });
      try {
        await binding.send(new EmailMessage(sender, message.to, raw));
      } catch (cause) {
        // The binding refuses unverified destinations for good; anything else may pass later.
        const permanent = /destination|not verified|not allowed/i.test(String((cause as Error)?.message));
        throw new MailDeliveryError('send_email refused the message', permanent, { cause });
      }
    },
  };
}
