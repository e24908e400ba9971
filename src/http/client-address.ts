/**
 * The client address used for rate limits, sessions and the audit log, in canonical form
 * (lib/ip-address.ts): the socket's peer (on Workers, Cloudflare's CF-Connecting-IP), unless
 * TRUST_PROXY says that peer is a proxy we run (API.md, the TRUST_PROXY setting):
 * - `true`: the peer is one proxy; the client is the right-most X-Forwarded-For entry (the one
 *   the peer appended);
 * - a list of addresses/CIDRs: only a peer in the list is believed; X-Forwarded-For is read from
 *   the right, skipping entries that are themselves listed proxies, and the first entry that is
 *   not one is the client. Everything left of it was written by someone we do not trust.
 * A client that reaches the app directly is never a listed proxy, so whatever it writes in
 * X-Forwarded-For is ignored.
 */
import type { Context } from 'hono';
import type { AppEnv } from './deps.js';
import type { TrustProxy } from '../lib/config.js';
import { canonicalIpAddress, inRanges, parseIpAddress } from '../lib/ip-address.js';

export function resolveClientAddress(c: Context<AppEnv>): string | undefined {
  const { config, socketAddress } = c.get('deps');
  return clientAddressFrom({
    peer: socketAddress(c),
    forwardedFor: c.req.header('x-forwarded-for'),
    trustProxy: config.trustProxy,
  });
}

/** The rule above on plain values. */
export function clientAddressFrom({
  peer,
  forwardedFor,
  trustProxy,
}: {
  peer: string | undefined;
  forwardedFor: string | undefined;
  trustProxy: TrustProxy;
}): string | undefined {
  const peerAddress = parseIpAddress(peer);
  if (trustProxy.mode === 'off' || !peerAddress || !forwardedFor) return peerAddress?.toString();
  const entries = forwardedFor.split(',').slice(-32);
  if (trustProxy.mode === 'peer') return canonicalIpAddress(entries.at(-1)) ?? peerAddress.toString();
  // Only a listed proxy's word counts about who came before it.
  if (!inRanges(peerAddress, trustProxy.ranges)) return peerAddress.toString();
  let client = peerAddress;
  for (let i = entries.length - 1; i >= 0; i--) {
    const hop = parseIpAddress(entries[i]);
    // A listed proxy wrote this entry: if it is not an address, the last one we believe stands.
    if (!hop) break;
    client = hop;
    if (!inRanges(hop, trustProxy.ranges)) break;
  }
  return client.toString();
}
