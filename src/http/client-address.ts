/**
 * The client address used for rate limits, sessions and the audit log: the socket's peer, unless
 * TRUST_PROXY says a proxy we run sits in front, in which case the right-most X-Forwarded-For
 * entry (the one our proxy appended; anything left of it is client-controlled).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../deps.js';

export function resolveClientAddress(c: Context<AppEnv>): string | undefined {
  const { config, socketAddress } = c.var.deps;
  if (config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last && /^[0-9a-fA-F:.]{2,45}$/.test(last)) return last;
  }
  return socketAddress(c);
}
