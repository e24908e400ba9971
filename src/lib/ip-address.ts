/**
 * Client addresses in one canonical form, parsed with ipaddr.js (no hand-written IP parsing), so
 * that text variants of one address never get separate rate-limit budgets (API.md "Limits that
 * hold against abuse"):
 * - IPv4 in dotted decimal; parts with leading zeros are read as decimal (`198.051.100.007` is
 *   198.51.100.7), never as octal or hex, and short forms (`1`, `1.2`) are refused;
 * - IPv6 in RFC 5952 form (lower case, zeros compressed), zone id dropped;
 * - IPv4-mapped IPv6 (`::ffff:198.51.100.7`) is the IPv4 address;
 * - a port (`198.51.100.7:1234`, `[2001:db8::1]:443`) is never kept.
 * Rate limits count IPv4 per address and IPv6 per /64 (one host or LAN usually holds a whole
 * /64), with a wider cap per /48 (clientKeys).
 * Runtime-neutral: ipaddr.js is plain JavaScript.
 */
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): ipaddr.IPv4 | null {
  const m = DOTTED.exec(text);
  if (!m) return null;
  const octets = m.slice(1, 5).map((part) => parseInt(part, 10));
  return octets.every((o) => o <= 255) ? new ipaddr.IPv4(octets) : null;
}

/** An address as a client, socket or proxy wrote it; null for anything that is not one address. */
export function parseIpAddress(raw: string | undefined | null): IpAddress | null {
  if (!raw) return null;
  let text = raw.trim();
  if (text.length === 0 || text.length > 64) return null;
  // [v6]:port or [v6]
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':')); // v4:port
  const v4 = parseIpv4(text);
  if (v4) return v4;
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  // The zone (fe80::1%eth0) names the receiver's interface, not the client.
  return new ipaddr.IPv6(v6.parts);
}

/** The canonical text of an address (see the module header), or undefined. */
export function canonicalIpAddress(raw: string | undefined | null): string | undefined {
  return parseIpAddress(raw)?.toString();
}

/** Keys a client address counts under, with how many budgets each gets: IPv4 itself; IPv6 its /64 (×1) and its /48 (×IPV6_SITE_FACTOR). */
export const IPV6_SITE_FACTOR = 8;

export function clientKeys(canonical: string | undefined): { key: string; factor: number }[] {
  const address = parseIpAddress(canonical);
  if (!address) return [{ key: 'unknown', factor: 1 }];
  if (address.kind() === 'ipv4') return [{ key: address.toString(), factor: 1 }];
  return [
    { key: `${prefix(address as ipaddr.IPv6, 64)}/64`, factor: 1 },
    { key: `${prefix(address as ipaddr.IPv6, 48)}/48`, factor: IPV6_SITE_FACTOR },
  ];
}

function prefix(address: ipaddr.IPv6, bits: 48 | 64): string {
  const parts = address.parts.map((p, i) => (i < bits / 16 ? p : 0));
  return new ipaddr.IPv6(parts).toString();
}

/** A TRUST_PROXY entry: an address or a CIDR range. */
export type IpRange = { address: IpAddress; bits: number };

/** Parses `10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`; null for anything else. */
export function parseIpRange(raw: string): IpRange | null {
  const [addr, bitsText, extra] = raw.trim().split('/');
  if (extra !== undefined) return null;
  const address = parseIpAddress(addr);
  // A proxy is named by its address alone: no brackets, no port.
  if (!address || /[[\]]/.test(addr!) || /^[\d.]+:/.test(addr!)) return null;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (bitsText === undefined) return { address, bits: max };
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  return bits <= max ? { address, bits } : null;
}

export function inRanges(address: IpAddress, ranges: readonly IpRange[]): boolean {
  return ranges.some((r) => r.address.kind() === address.kind() && address.match(r.address as never, r.bits));
}
