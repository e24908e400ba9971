import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has working defaults with no configuration at all', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      rpId: 'localhost',
      rpName: 'Sesame',
      databasePath: './data/sesame.db',
      accessTokenTtl: 900,
      sessionIdleTtl: 604800,
      sessionAbsoluteTtl: 2592000,
      magicLinkTtl: 600,
      refreshReuseWindow: 10,
      rateLimitEmailsPerHour: 5,
      rateLimitPerMinute: 60,
      trustProxy: false,
      corsOrigins: [],
      production: false,
    });
  });

  it('derives PUBLIC_URL from PORT and RP_ID from PUBLIC_URL', () => {
    expect(parseConfig({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    expect(parseConfig({ PUBLIC_URL: 'https://auth.example.com' }).rpId).toBe('auth.example.com');
    expect(parseConfig({ PUBLIC_URL: 'https://auth.example.com', RP_ID: 'example.com' }).rpId).toBe('example.com');
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ ACCESS_TOKEN_TTL: '-5' }, /ACCESS_TOKEN_TTL/],
    [{ ACCESS_TOKEN_TTL: '0' }, /ACCESS_TOKEN_TTL/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://a.example.com/path' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://auth.example.com', RP_ID: 'evil.com' }, /RP_ID/],
    [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY/],
    [{ CORS_ORIGINS: 'https://ok.example, nope' }, /CORS_ORIGINS/],
    [{ SMTP_URL: 'http://mail.example.com' }, /SMTP_URL/],
    [{ SESSION_IDLE_TTL: '100', SESSION_ABSOLUTE_TTL: '50' }, /SESSION_IDLE_TTL/],
    [{ SIGNING_KEY_SECRET: 'short' }, /SIGNING_KEY_SECRET/],
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://h:25', PUBLIC_URL: 'https://a.example.com' }, /SIGNING_KEY_SECRET/],
    [{ NODE_ENV: 'production', SIGNING_KEY_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://a.example.com' }, /SMTP_URL/],
  ])('fails fast on %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
