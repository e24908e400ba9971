/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 under the key
 * that follows `whsec_` (base64), over `<webhook-id>.<webhook-timestamp>.<body>`, sent as
 * `webhook-signature: v1,<base64>`. WebCrypto only, so it runs on Node and Workers alike.
 */
import { bytesToBase64 } from '../lib/encoding.js';

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function signWebhook({
  secret,
  id,
  timestamp,
  body,
}: {
  secret: string;
  id: string;
  timestamp: number;
  body: string;
}): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(secret.replace(/^whsec_/, '')),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)),
  );
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${bytesToBase64(mac)}`,
  };
}
