/**
 * Turns whatever a client sent as an email address into the one canonical string Sesame keys
 * accounts on, mails to and rate-limits by, or refuses it with a reason.
 *
 * Canonical form:
 * - surrounding whitespace is trimmed;
 * - the domain is lowercased and converted from Unicode to ASCII (IDNA, punycode `xn--`
 *   labels) with `new URL('http://' + domain).hostname`, which does UTS #46 the same way in
 *   Node and Workers; the result must then be a plain dotted LDH host name;
 * - the local part is lowercased too: we treat addresses case-insensitively, as virtually every
 *   provider does, so `Ada@X.com` and `ada@x.com` are one account. Nothing else is rewritten:
 *   no dot or `+tag` stripping, since those rules are provider-specific.
 *
 * What is accepted is deliberately narrower than RFC 5321/5322: a dot-atom local part of
 * ASCII `atext` (A-Z a-z 0-9 and !#$%&'*+/=?^_`{|}~- plus single inner dots) and a host name
 * domain. Quoted local parts, comments, display names, lists, IP literals, control
 * characters and `=?` (which mail readers decode as a MIME encoded word) are refused, so that
 * every mail library reads exactly the address we stored: one recipient, nothing smuggled into
 * headers or the envelope. email-address.test.ts checks this against nodemailer's address
 * parser and against a nodemailer -> mailparser round trip of the To header.
 *
 * Non-ASCII local parts (EAI, RFC 6531) are refused for now: delivering to them needs
 * SMTPUTF8 on every hop, and support for it varies between servers, so such an address might
 * never receive its sign-in mail.
 *
 * Limits: 254 characters in total (after canonicalization) and 64 for the local part
 * (RFC 5321 path and local-part limits); 63 per domain label (RFC 1035).
 *
 * Runtime-neutral: no node:* import.
 */

/** An address in the canonical form described above. */
export type CanonicalEmail = string;

export type CanonicalizeEmailResult = { ok: true; email: CanonicalEmail } | { ok: false; reason: string };

export const MAX_EMAIL_LENGTH = 254;
export const MAX_LOCAL_PART_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;

// C0 controls (CR, LF, TAB, NUL, ...), DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LOCAL_PART_ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function refuse(reason: string): CanonicalizeEmailResult {
  return { ok: false, reason };
}

export function canonicalizeEmail(input: unknown): CanonicalizeEmailResult {
  if (typeof input !== 'string') return refuse('email must be a string');
  // Checked before trimming: a CR/LF anywhere is a header-injection attempt, not a typo.
  if (CONTROL.test(input)) return refuse('email must not contain control characters (such as CR, LF, TAB or NUL)');

  const trimmed = input.trim();
  if (trimmed === '') return refuse('email is empty');
  // Bounds the work below. IDNA mapping can drop characters (soft hyphens, zero-width joiners),
  // so a longer input could shrink under the limit; it is refused all the same.
  if (trimmed.length > MAX_EMAIL_LENGTH) return refuse(`email is longer than ${MAX_EMAIL_LENGTH} characters`);

  // Each of these makes parsers disagree on what (or how many) addresses the string holds.
  if (/[<>]/.test(trimmed)) return refuse('email must be a bare address, without a display name or angle brackets');
  if (trimmed.includes('"')) return refuse('email with a quoted local part is not supported');
  if (/[,;]/.test(trimmed)) return refuse('email must be a single address (no commas or semicolons)');
  if (/\s/.test(trimmed)) return refuse('email must not contain spaces');
  if (trimmed.includes('\\')) return refuse('email must not contain backslashes');
  if (/[()]/.test(trimmed)) return refuse('email must not contain parentheses (comments)');
  if (/[[\]]/.test(trimmed)) return refuse('email with an IP address literal as domain is not supported');

  const at = trimmed.indexOf('@');
  if (at === -1) return refuse('email must contain an @');
  if (trimmed.indexOf('@', at + 1) !== -1) return refuse('email must contain exactly one @');

  const localResult = canonicalizeLocalPart(trimmed.slice(0, at));
  if (!localResult.ok) return localResult;
  const domainResult = canonicalizeDomain(trimmed.slice(at + 1));
  if (!domainResult.ok) return domainResult;

  const email = `${localResult.value}@${domainResult.value}`;
  // Punycode makes a domain longer, so the limit is checked on the final form.
  if (email.length > MAX_EMAIL_LENGTH) return refuse(`email is longer than ${MAX_EMAIL_LENGTH} characters`);
  return { ok: true, email };
}

type PartResult = { ok: true; value: string } | { ok: false; reason: string };

function canonicalizeLocalPart(local: string): PartResult {
  if (local === '') return { ok: false, reason: 'email is missing the part before the @' };
  // EAI needs SMTPUTF8 on every hop (see the module header).
  if (/[^\u0000-\u007f]/.test(local)) {
    return { ok: false, reason: 'email with non-ASCII characters before the @ is not supported yet' };
  }
  if (!LOCAL_PART_ATEXT.test(local))
    return { ok: false, reason: 'email contains a character that is not allowed before the @' };
  // Mail readers decode `=?charset?q?...?=` in a To header as a MIME encoded word, and would
  // show (and reply to) a different address than the one we sent to.
  if (local.includes('=?')) return { ok: false, reason: 'email must not contain "=?" before the @' };
  // A dot-atom has no empty atoms; servers disagree on what `a..b` or `.a` mean.
  if (local.startsWith('.') || local.endsWith('.'))
    return { ok: false, reason: 'email must not start or end the part before the @ with a dot' };
  if (local.includes('..')) return { ok: false, reason: 'email must not contain two dots in a row before the @' };
  if (local.length > MAX_LOCAL_PART_LENGTH) {
    return {
      ok: false,
      reason: `the part of the email before the @ is longer than ${MAX_LOCAL_PART_LENGTH} characters`,
    };
  }
  return { ok: true, value: local.toLowerCase() };
}

function canonicalizeDomain(domain: string): PartResult {
  if (domain === '') return { ok: false, reason: 'email is missing the domain after the @' };
  // ASCII other than letters, digits, hyphen and dot would be read by the URL parser as a
  // port, path, userinfo or percent-escape, silently changing the host we get back.
  if (/(?![A-Za-z0-9.-])[\u0000-\u007f]/.test(domain)) {
    return { ok: false, reason: 'email domain contains a character that is not allowed' };
  }
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    return { ok: false, reason: 'email domain must not start or end with a dot or contain two dots in a row' };
  }

  let host: string;
  try {
    host = new URL(`http://${domain}`).hostname;
  } catch {
    return { ok: false, reason: 'email domain is not a valid domain name' };
  }

  const labels = host.split('.');
  if (labels.length < 2) return { ok: false, reason: 'email domain must contain a dot' };
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH) {
      return { ok: false, reason: `email domain has a part longer than ${MAX_LABEL_LENGTH} characters` };
    }
    // After IDNA every label must be letters, digits and inner hyphens (RFC 1123 LDH).
    if (!LDH_LABEL.test(label)) return { ok: false, reason: 'email domain is not a valid host name' };
  }
  // An all-digit last label means the URL parser took the domain for an IPv4 address.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    return { ok: false, reason: 'email with an IP address as domain is not supported' };
  }
  return { ok: true, value: host };
}

/** Domains where dots in the local part do not matter, and which are one mail system (Gmail). */
const DOTLESS_DOMAINS: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The mailbox an address delivers to, for counting only (mail limits, the wrong-code budget), never
 * for delivery or lookup: `+tags` are dropped, and for gmail.com and googlemail.com (one mailbox)
 * dots too (API.md "Limits that hold against abuse"). So `B.omb+1@googlemail.com` and
 * `bomb@gmail.com` are one mailbox with one budget.
 */
export function mailboxOf(email: CanonicalEmail): string {
  const at = email.lastIndexOf('@');
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  const plus = local.indexOf('+');
  // A local part that is all tag (`+x@…`) is its own mailbox.
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS_DOMAINS[domain];
  if (dotless) {
    local = local.replace(/\./g, '');
    domain = dotless;
  }
  return `${local}@${domain}`;
}
