/**
 * The one place that reads settings. parseConfig takes a plain record (process.env on Node, the
 * Worker's env bindings on Workers), validates every value and fails fast with a message that
 * names the variable. Defaults are safe for development; production refuses what is unsafe.
 *
 * Long file: every setting with its default, bounds and production rule in one reading order,
 * as README's settings table lists them.
 */
import { parseIpRange, type IpRange } from './ip-address.js';
import { parseBranding, type Branding } from './branding.js';

/** What differs between the places Sesame runs; each entry passes its own (src/entry). */
export interface Platform {
  /** The variable that names the environment: NODE_ENV on Node, ENVIRONMENT on Workers. */
  environmentVariable: 'NODE_ENV' | 'ENVIRONMENT';
  /** PORT when it is not set. */
  defaultPort: number;
  /** True where mail goes out only through SMTP_URL (Node); false where the platform brings a transport (Workers' send_email). */
  mailNeedsSmtp: boolean;
}

/** Node's platform: the default for parseConfig (the CLI and the tests read settings as Node does). */
export const NODE_PLATFORM: Platform = { environmentVariable: 'NODE_ENV', defaultPort: 3000, mailNeedsSmtp: true };

export interface Config {
  production: boolean;
  port: number;
  host: string;
  /** Origin without a trailing slash, e.g. https://auth.example.com */
  publicUrl: string;
  rpId: string;
  rpName: string;
  /** PRODUCT_NAME, BRAND_COLOR and LOGO_URL (lib/branding.ts): what pages and mails show. */
  branding: Branding;
  databasePath: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  accessTokenTtl: number;
  accessTokenAudience: string;
  sessionIdleTtl: number;
  sessionAbsoluteTtl: number;
  magicLinkTtl: number;
  refreshReuseWindow: number;
  rateLimitEmailsPerHour: number;
  rateLimitPerMinute: number;
  /** Mail to one mailbox from all clients together, per hour (auth/email/mail-limits.ts). */
  rateLimitEmailsPerMailboxPerHour: number;
  /** Mail one client (an IPv4 address, an IPv6 /64) may cause, per hour. */
  rateLimitEmailsPerClientPerHour: number;
  /** Mail to one domain, per hour. */
  rateLimitEmailsPerDomainPerHour: number;
  /**
   * Whose X-Forwarded-For is believed (API.md TRUST_PROXY): 'off' = nobody (the socket address);
   * 'peer' (`true`) = the direct peer, as one proxy; a list = peers in these ranges, each of them
   * one proxy hop.
   */
  trustProxy: TrustProxy;
  /**
   * The applications' origins (APP_ORIGINS, or its alias CORS_ORIGINS): allowed credentialed CORS,
   * `returnTo` targets, and expected WebAuthn origins besides PUBLIC_URL's. Never PUBLIC_URL itself.
   */
  appOrigins: string[];
  /**
   * The `origins` of GET /.well-known/webauthn (WebAuthn related origin requests): PUBLIC_URL's
   * origin and every app origin, when an app origin lies outside RP_ID's domain; null otherwise.
   */
  relatedOrigins: string[] | null;
  /**
   * The development outbox may serve mail: not production, and PUBLIC_URL is a loopback origin
   * (API.md "Limits that hold against abuse"). Elsewhere GET /dev/outbox answers 404.
   */
  devOutbox: boolean;
  /** Production only: SMTP may run without TLS (SMTP_ALLOW_PLAINTEXT=true, logged at every start). */
  smtpAllowPlaintext: boolean;
  /** Secret that seals the signing keys' private halves at rest; required in production. */
  signingKeySecret: string | undefined;
  /**
   * Node only: server processes over the one database (WEB_CONCURRENCY). Null = the default: one per
   * CPU in production, one in development (the Node entry decides; Workers scale by themselves).
   */
  webConcurrency: number | null;
  /** Seconds after which the active signing key is replaced automatically. */
  signingKeyMaxAge: number;
  /** A passkey may be added or deleted only this many seconds after signing in. */
  reauthWindow: number;
  /** DBSC_COOKIE_TTL: seconds a device-bound session's refresh token is accepted without a fresh proof of its key. */
  dbscCookieTtl: number;
  /** How long audit events are kept, seconds. */
  auditRetention: number;
  /** Exchanged once for the first admin key (POST /admin/bootstrap); unset = no bootstrap. */
  adminBootstrapSecret: string | undefined;
  /** Where events are POSTed (API.md "Events"); null = no webhooks. */
  webhookUrl: string | null;
  /** The Standard Webhooks secret `whsec_<base64>`; set whenever webhookUrl is. */
  webhookSecret: string | null;
  /** DKIM signing of outgoing SMTP mail (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY); null = unsigned. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
}

export type TrustProxy = { mode: 'off' } | { mode: 'peer' } | { mode: 'list'; ranges: IpRange[] };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, { min = 1, max = 10 * 365 * 86400 } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

function trustProxy(env: Env): TrustProxy {
  const raw = env.TRUST_PROXY?.trim() ?? '';
  const lower = raw.toLowerCase();
  if (raw === '' || lower === 'false' || lower === '0') return { mode: 'off' };
  if (lower === 'true' || lower === '1') return { mode: 'peer' };
  const ranges = raw.split(',').map((entry) => {
    const range = parseIpRange(entry);
    if (!range)
      throw new ConfigError(
        `TRUST_PROXY must be true, false, or a comma-separated list of proxy addresses or CIDRs (like 127.0.0.1,10.0.0.0/8); ${JSON.stringify(entry.trim())} is neither`,
      );
    return range;
  });
  return { mode: 'list', ranges };
}

function origin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${name} must be http(s), got ${JSON.stringify(raw)}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new ConfigError(`${name} must be an origin only (scheme, host, port), got ${JSON.stringify(raw)}`);
  return url.origin;
}

/** True when `host` may use `rpId` as its WebAuthn RP ID: the same host, or a subdomain of it. */
export function hostWithinRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * APP_ORIGINS and its alias CORS_ORIGINS (both may be set; their entries are merged). Every entry
 * must be an origin; one that cannot use RP_ID for passkeys is refused, unless WebAuthn related
 * origins make it valid: the browser then asks `https://RP_ID/.well-known/webauthn`, which this
 * service answers only when PUBLIC_URL's host is RP_ID itself, over https.
 */
function parseAppOrigins(
  env: Env,
  { publicUrl, rpId, production }: { publicUrl: string; rpId: string; production: boolean },
): { appOrigins: string[]; relatedOrigins: string[] | null } {
  const appOrigins: string[] = [];
  const outside: string[] = [];
  for (const name of ['APP_ORIGINS', 'CORS_ORIGINS'] as const) {
    for (const entry of (env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const parsed = origin(name, entry);
      const url = new URL(parsed);
      // The refresh cookie is Secure and passkeys need a secure context: no plain http app in production.
      if (production && url.protocol !== 'https:' && url.hostname !== 'localhost')
        throw new ConfigError(`${name} entry ${JSON.stringify(entry)} must be https in production`);
      if (parsed === publicUrl || appOrigins.includes(parsed)) continue;
      appOrigins.push(parsed);
      if (hostWithinRpId(url.hostname, rpId)) continue;
      // Outside RP_ID's domain: only related origins can let this origin run passkey ceremonies.
      const publicHost = new URL(publicUrl).hostname;
      if (publicHost !== rpId || !publicUrl.startsWith('https:'))
        throw new ConfigError(
          `${name} entry ${parsed} cannot use RP_ID ${JSON.stringify(rpId)}: its host is neither ${rpId} nor under it, and ` +
            `related origins need PUBLIC_URL (${publicUrl}) to be https://${rpId}, where browsers ask /.well-known/webauthn`,
        );
      outside.push(parsed);
    }
  }
  return { appOrigins, relatedOrigins: outside.length > 0 ? [publicUrl, ...appOrigins] : null };
}

/** `Production`, ` PRODUCTION ` and `production` are one environment: a typo in case must not turn development features on. */
export function isProductionName(name: string | undefined): boolean {
  return (name ?? '').trim().toLowerCase() === 'production';
}

/**
 * True for an origin only this machine can reach: `localhost`, an address in 127.0.0.0/8, or ::1
 * (the URL parser has already normalised the spelling). The development outbox shows sign-in links to whoever asks,
 * so it exists only behind such an origin.
 */
export function isLoopbackOrigin(origin: string): boolean {
  const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

export function parseConfig(env: Env, platform: Platform = NODE_PLATFORM): Config {
  const production = isProductionName(env[platform.environmentVariable]);
  const port = int(env, 'PORT', platform.defaultPort, { min: 0, max: 65535 });
  const publicUrl = origin('PUBLIC_URL', env.PUBLIC_URL || `http://localhost:${port}`);
  const publicHost = new URL(publicUrl).hostname;
  const rpId = (env.RP_ID || publicHost).toLowerCase();
  // WebAuthn: the RP ID must be the origin's host or a registrable suffix of it.
  if (publicHost !== rpId && !publicHost.endsWith(`.${rpId}`))
    throw new ConfigError(
      `RP_ID ${JSON.stringify(rpId)} must equal or be a parent domain of PUBLIC_URL's host ${publicHost}`,
    );
  if (production && new URL(publicUrl).protocol !== 'https:' && publicHost !== 'localhost')
    throw new ConfigError('PUBLIC_URL must be https in production (the refresh cookie is Secure)');

  const { appOrigins, relatedOrigins } = parseAppOrigins(env, { publicUrl, rpId, production });

  const signingKeySecret = env.SIGNING_KEY_SECRET || undefined;
  if (signingKeySecret !== undefined && signingKeySecret.length < 32)
    throw new ConfigError('SIGNING_KEY_SECRET must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  if (production && !signingKeySecret)
    throw new ConfigError('SIGNING_KEY_SECRET is required in production: it seals the token signing keys at rest');

  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(smtpUrl);
    } catch {
      /* reported below */
    }
    if (!u || (u.protocol !== 'smtp:' && u.protocol !== 'smtps:'))
      throw new ConfigError('SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }
  if (production && platform.mailNeedsSmtp && !smtpUrl)
    throw new ConfigError('SMTP_URL is required in production (the development outbox is off there)');
  const devOutbox = !production && isLoopbackOrigin(publicUrl);
  // Without a transport mail goes to the outbox, which hands out sign-in links: only behind a loopback PUBLIC_URL.
  if (platform.mailNeedsSmtp && !smtpUrl && !devOutbox)
    throw new ConfigError(
      `SMTP_URL is required when PUBLIC_URL (${publicUrl}) is not a loopback origin: the development outbox would show sign-in links to anyone`,
    );
  const smtpAllowPlaintext = bool(env, 'SMTP_ALLOW_PLAINTEXT');
  const rateLimitEmailsPerHour = int(env, 'RATE_LIMIT_EMAILS_PER_HOUR', 5, { max: 1_000_000 });

  const accessTokenTtl = int(env, 'ACCESS_TOKEN_TTL', 900, { max: 86400 });
  const sessionIdleTtl = int(env, 'SESSION_IDLE_TTL', 604800);
  const sessionAbsoluteTtl = int(env, 'SESSION_ABSOLUTE_TTL', 2592000);
  if (sessionIdleTtl > sessionAbsoluteTtl)
    throw new ConfigError('SESSION_IDLE_TTL must not exceed SESSION_ABSOLUTE_TTL');

  let branding: Branding;
  try {
    branding = parseBranding(env, { publicUrl, production });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const adminBootstrapSecret = env.ADMIN_BOOTSTRAP_SECRET || undefined;
  if (adminBootstrapSecret !== undefined && adminBootstrapSecret.length < 32)
    throw new ConfigError('ADMIN_BOOTSTRAP_SECRET must be at least 32 characters (e.g. `openssl rand -base64 32`)');

  const { webhookUrl, webhookSecret } = webhookSettings(env, production);
  // The sender's name is the product's unless MAIL_FROM says otherwise (quoted when it needs to be, RFC 5322).
  const mailFrom =
    env.MAIL_FROM ||
    `${/^[A-Za-z0-9 ]+$/.test(branding.productName) ? branding.productName : JSON.stringify(branding.productName)} <no-reply@localhost>`;
  const dkim = dkimSettings(env, mailFrom);

  return {
    production,
    port,
    host: env.HOST || '127.0.0.1',
    publicUrl,
    rpId,
    // Authenticators show this name; by default the product's own.
    rpName: env.RP_NAME || branding.productName,
    branding,
    databasePath: env.DATABASE_PATH || './data/sesame.db',
    smtpUrl,
    mailFrom,
    accessTokenTtl,
    accessTokenAudience: env.ACCESS_TOKEN_AUDIENCE || publicUrl,
    sessionIdleTtl,
    sessionAbsoluteTtl,
    magicLinkTtl: int(env, 'MAGIC_LINK_TTL', 600, { max: 86400 }),
    refreshReuseWindow: int(env, 'REFRESH_REUSE_WINDOW', 10, { min: 0, max: 300 }),
    rateLimitEmailsPerHour,
    rateLimitEmailsPerMailboxPerHour: int(env, 'RATE_LIMIT_EMAILS_PER_MAILBOX_PER_HOUR', 4 * rateLimitEmailsPerHour, {
      max: 1_000_000,
    }),
    rateLimitEmailsPerClientPerHour: int(
      env,
      'RATE_LIMIT_EMAILS_PER_CLIENT_PER_HOUR',
      Math.max(20, rateLimitEmailsPerHour),
      { max: 1_000_000 },
    ),
    rateLimitEmailsPerDomainPerHour: int(
      env,
      'RATE_LIMIT_EMAILS_PER_DOMAIN_PER_HOUR',
      Math.max(1000, rateLimitEmailsPerHour),
      { max: 100_000_000 },
    ),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 60, { max: 100_000_000 }),
    trustProxy: trustProxy(env),
    appOrigins,
    relatedOrigins,
    devOutbox,
    smtpAllowPlaintext,
    signingKeySecret,
    webConcurrency: env.WEB_CONCURRENCY ? int(env, 'WEB_CONCURRENCY', 1, { min: 1, max: 256 }) : null,
    signingKeyMaxAge: int(env, 'SIGNING_KEY_MAX_AGE', 30 * 86400, { min: 3600 }),
    reauthWindow: int(env, 'REAUTH_WINDOW', 600, { min: 10, max: 86400 }),
    dbscCookieTtl: int(env, 'DBSC_COOKIE_TTL', 600, { min: 1, max: 86400 }),
    auditRetention: int(env, 'AUDIT_RETENTION', 90 * 86400, { min: 86400 }),
    adminBootstrapSecret,
    webhookUrl,
    webhookSecret,
    dkim,
  };
}

function webhookSettings(env: Env, production: boolean): { webhookUrl: string | null; webhookSecret: string | null } {
  const raw = env.WEBHOOK_URL || undefined;
  const secret = env.WEBHOOK_SECRET || undefined;
  if (raw === undefined) {
    if (secret !== undefined) throw new ConfigError('WEBHOOK_SECRET is set but WEBHOOK_URL is not');
    return { webhookUrl: null, webhookSecret: null };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`WEBHOOK_URL must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && !production))
    throw new ConfigError('WEBHOOK_URL must be https (a loopback http URL is allowed outside production)');
  // Standard Webhooks secrets are `whsec_` + base64 of 24 to 64 random bytes.
  const key = secret?.startsWith('whsec_') ? secret.slice(6) : undefined;
  const bytes = key && /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Math.floor((key.replace(/=+$/, '').length * 3) / 4) : 0;
  if (bytes < 24 || bytes > 64)
    throw new ConfigError(
      'WEBHOOK_SECRET must be whsec_ followed by base64 of 24 to 64 random bytes (e.g. `echo whsec_$(openssl rand -base64 32)`)',
    );
  return { webhookUrl: url.href, webhookSecret: secret! };
}

function dkimSettings(env: Env, mailFrom: string): Config['dkim'] {
  const names = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;
  const set = names.filter((n) => env[n]);
  if (set.length === 0) return null;
  if (set.length !== names.length)
    throw new ConfigError(`DKIM needs all of ${names.join(', ')}; missing ${names.filter((n) => !env[n]).join(', ')}`);
  const domainName = env.DKIM_DOMAIN!.trim().toLowerCase();
  const keySelector = env.DKIM_SELECTOR!.trim();
  // Environment files often hold a PEM on one line with literal \n.
  const privateKey = env.DKIM_PRIVATE_KEY!.replace(/\\n/g, '\n').trim();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domainName))
    throw new ConfigError(`DKIM_DOMAIN must be a domain name, got ${JSON.stringify(env.DKIM_DOMAIN)}`);
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(keySelector))
    throw new ConfigError(
      `DKIM_SELECTOR must be a DNS label such as sesame2026, got ${JSON.stringify(env.DKIM_SELECTOR)}`,
    );
  if (!/^-----BEGIN (RSA |)PRIVATE KEY-----[\s\S]+-----END (RSA |)PRIVATE KEY-----$/.test(privateKey))
    throw new ConfigError('DKIM_PRIVATE_KEY must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)');
  // DMARC passes on DKIM only when the signing domain aligns with the From address's domain.
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1]?.toLowerCase() ?? '';
  if (fromDomain !== domainName && !fromDomain.endsWith(`.${domainName}`))
    throw new ConfigError(
      `DKIM_DOMAIN ${domainName} must be MAIL_FROM's domain (${fromDomain || 'none'}) or a parent of it, or DMARC will not align`,
    );
  return { domainName, keySelector, privateKey };
}
