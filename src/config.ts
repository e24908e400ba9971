/**
 * The one place that reads settings. parseConfig takes a plain record (process.env on Node, the
 * Worker's env bindings on Workers), validates every value and fails fast with a message that
 * names the variable. Defaults are safe for development; production refuses what is unsafe.
 */
export interface Config {
  runtime: 'node' | 'worker';
  production: boolean;
  port: number;
  host: string;
  /** Origin without a trailing slash, e.g. https://auth.example.com */
  publicUrl: string;
  rpId: string;
  rpName: string;
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
  trustProxy: boolean;
  corsOrigins: string[];
  /** Secret that seals the signing keys' private halves at rest; required in production. */
  signingKeySecret: string | undefined;
  /** Seconds after which the active signing key is replaced automatically. */
  signingKeyMaxAge: number;
  /** A passkey may be added or deleted only this many seconds after signing in. */
  reauthWindow: number;
  /** How long audit events are kept, seconds. */
  auditRetention: number;
}

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

function origin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${name} must be http(s), got ${url.protocol}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new ConfigError(`${name} must be an origin only (scheme, host, port), got ${JSON.stringify(raw)}`);
  return url.origin;
}

export function parseConfig(env: Env, runtime: 'node' | 'worker' = 'node'): Config {
  const production = (runtime === 'node' ? env.NODE_ENV : env.ENVIRONMENT) === 'production';
  const port = int(env, 'PORT', runtime === 'node' ? 3000 : 8787, { min: 0, max: 65535 });
  const publicUrl = origin('PUBLIC_URL', env.PUBLIC_URL || `http://localhost:${port}`);
  const publicHost = new URL(publicUrl).hostname;
  const rpId = (env.RP_ID || publicHost).toLowerCase();
  // WebAuthn: the RP ID must be the origin's host or a registrable suffix of it.
  if (publicHost !== rpId && !publicHost.endsWith(`.${rpId}`))
    throw new ConfigError(`RP_ID ${JSON.stringify(rpId)} must equal or be a parent domain of PUBLIC_URL's host ${publicHost}`);
  if (production && new URL(publicUrl).protocol !== 'https:' && publicHost !== 'localhost')
    throw new ConfigError('PUBLIC_URL must be https in production (the refresh cookie is Secure)');

  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((o) => origin('CORS_ORIGINS', o));

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
  if (production && runtime === 'node' && !smtpUrl)
    throw new ConfigError('SMTP_URL is required in production (the development outbox is off there)');

  const accessTokenTtl = int(env, 'ACCESS_TOKEN_TTL', 900, { max: 86400 });
  const sessionIdleTtl = int(env, 'SESSION_IDLE_TTL', 604800);
  const sessionAbsoluteTtl = int(env, 'SESSION_ABSOLUTE_TTL', 2592000);
  if (sessionIdleTtl > sessionAbsoluteTtl) throw new ConfigError('SESSION_IDLE_TTL must not exceed SESSION_ABSOLUTE_TTL');

  return {
    runtime,
    production,
    port,
    host: env.HOST || '127.0.0.1',
    publicUrl,
    rpId,
    rpName: env.RP_NAME || 'Sesame',
    databasePath: env.DATABASE_PATH || './data/sesame.db',
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'Sesame <no-reply@localhost>',
    accessTokenTtl,
    accessTokenAudience: env.ACCESS_TOKEN_AUDIENCE || publicUrl,
    sessionIdleTtl,
    sessionAbsoluteTtl,
    magicLinkTtl: int(env, 'MAGIC_LINK_TTL', 600, { max: 86400 }),
    refreshReuseWindow: int(env, 'REFRESH_REUSE_WINDOW', 10, { min: 0, max: 300 }),
    rateLimitEmailsPerHour: int(env, 'RATE_LIMIT_EMAILS_PER_HOUR', 5, { max: 1_000_000 }),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 60, { max: 100_000_000 }),
    trustProxy: bool(env, 'TRUST_PROXY'),
    corsOrigins,
    signingKeySecret,
    signingKeyMaxAge: int(env, 'SIGNING_KEY_MAX_AGE', 30 * 86400, { min: 3600 }),
    reauthWindow: int(env, 'REAUTH_WINDOW', 600, { min: 10, max: 86400 }),
    auditRetention: int(env, 'AUDIT_RETENTION', 90 * 86400, { min: 86400 }),
  };
}
