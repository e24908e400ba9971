/**
 * A minimal RFC 5322 / MIME builder for transports that take a raw message (Cloudflare's
 * send_email binding). multipart/alternative with base64 UTF-8 parts; the subject is an RFC 2047
 * encoded word, so no header can be broken by what a message carries.
 */
import { bytesToBase64, utf8 } from '../lib/encoding.js';

export function parseMailbox(from: string): { name: string | null; address: string } {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  if (m) return { name: m[1]?.trim() || null, address: m[2]! };
  if (/^[^\s<>@]+@[^\s<>@]+$/.test(from.trim())) return { name: null, address: from.trim() };
  throw new Error(`MAIL_FROM is not a mailbox: ${JSON.stringify(from)}`);
}

const encodeWord = (text: string) =>
  /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${bytesToBase64(utf8.encode(text))}?=`;
const wrap = (b64: string) => b64.replace(/.{1,76}/g, '$&\r\n');

export function buildMimeMessage({
  from,
  to,
  subject,
  text,
  html,
  date = new Date(),
  messageId,
}: {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date?: Date;
  messageId: string;
}): string {
  const sender = parseMailbox(from);
  const boundary = `sesame-${messageId.replace(/[^A-Za-z0-9]/g, '')}`;
  const noCrLf = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const fromHeader = sender.name ? `${encodeWord(noCrLf(sender.name))} <${sender.address}>` : sender.address;
  return [
    `From: ${fromHeader}`,
    `To: ${noCrLf(to)}`,
    `Subject: ${encodeWord(noCrLf(subject))}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${messageId}@${sender.address.split('@')[1]}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    wrap(bytesToBase64(utf8.encode(text))),
    `--${boundary}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    wrap(bytesToBase64(utf8.encode(html))),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
