import { describe, expect, it } from 'vitest';
import { ConfigError, NODE_PLATFORM, parseConfig } from './config.js';

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
      trustProxy: { mode: 'off' },
      appOrigins: [],
      relatedOrigins: null,
      production: false,
    });
  });

  it('derives PUBLIC_URL from PORT and RP_ID from PUBLIC_URL', () => {
    expect(parseConfig({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    const SMTP_URL = 'smtp://mail.example.com:587';
    expect(parseConfig({ PUBLIC_URL: 'https://auth.example.com', SMTP_URL }).rpId).toBe('auth.example.com');
    expect(parseConfig({ PUBLIC_URL: 'https://auth.example.com', RP_ID: 'example.com', SMTP_URL }).rpId).toBe(
      'example.com',
    );
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ ACCESS_TOKEN_TTL: '-5' }, /ACCESS_TOKEN_TTL/],
    [{ ACCESS_TOKEN_TTL: '0' }, /ACCESS_TOKEN_TTL/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://a.example.com/path' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://auth.example.com', RP_ID: 'evil.com' }, /RP_ID/],
    [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY/],
    [{ CORS_ORIGINS: 'https://app.localhost, nope' }, /CORS_ORIGINS/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '127.0.0.1:8080' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '127.0.0.1,,10.0.0.0/8' }, /TRUST_PROXY/],
    [{ SMTP_URL: 'http://mail.example.com' }, /SMTP_URL/],
    [{ SESSION_IDLE_TTL: '100', SESSION_ABSOLUTE_TTL: '50' }, /SESSION_IDLE_TTL/],
    [{ SIGNING_KEY_SECRET: 'short' }, /SIGNING_KEY_SECRET/],
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://h:25', PUBLIC_URL: 'https://a.example.com' }, /SIGNING_KEY_SECRET/],
    [{ NODE_ENV: 'production', SIGNING_KEY_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://a.example.com' }, /SMTP_URL/],
    [{ PUBLIC_URL: 'https://auth.example.com' }, /SMTP_URL is required when PUBLIC_URL/],
    [{ NODE_ENV: 'Production', SIGNING_KEY_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://a.example.com' }, /SMTP_URL/],
  ])('fails fast on %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  describe('APP_ORIGINS', () => {
    // A public PUBLIC_URL needs a mail transport (no development outbox there).
    const base = { PUBLIC_URL: 'https://auth.example.com', RP_ID: 'example.com', SMTP_URL: 'smtp://mail.example.com' };

    it("takes the apps on RP_ID's domain, with CORS_ORIGINS as an alias merged in, without duplicates or PUBLIC_URL", () => {
      const c = parseConfig({
        ...base,
        APP_ORIGINS: 'https://app.example.com, https://shop.example.com/ ,https://auth.example.com',
        CORS_ORIGINS: 'https://app.example.com,https://example.com',
      });
      expect(c.appOrigins).toEqual(['https://app.example.com', 'https://shop.example.com', 'https://example.com']);
      expect(c.relatedOrigins).toBeNull();
      expect(parseConfig({ ...base, CORS_ORIGINS: 'https://app.example.com' }).appOrigins).toEqual([
        'https://app.example.com',
      ]);
    });

    it('lists related origins when an app lies outside RP_ID and PUBLIC_URL is https://RP_ID', () => {
      const c = parseConfig({
        PUBLIC_URL: 'https://login.example.com',
        APP_ORIGINS: 'https://notes.example.net,https://app.login.example.com',
        SMTP_URL: 'smtp://mail.example.com',
      });
      expect(c.rpId).toBe('login.example.com');
      expect(c.relatedOrigins).toEqual([
        'https://login.example.com',
        'https://notes.example.net',
        'https://app.login.example.com',
      ]);
    });

    it('refuses an app that cannot use RP_ID, naming the entry and RP_ID', () => {
      // RP_ID example.com is not PUBLIC_URL's host: browsers would ask https://example.com/.well-known/webauthn, not Sesame.
      expect(() => parseConfig({ ...base, APP_ORIGINS: 'https://app.example.com,https://notes.example.net' })).toThrow(
        /APP_ORIGINS entry https:\/\/notes\.example\.net cannot use RP_ID "example\.com"/,
      );
      // Related origins are fetched over https only.
      expect(() => parseConfig({ PORT: '3000', APP_ORIGINS: 'http://127.0.0.1:5173' })).toThrow(
        /127\.0\.0\.1:5173.*RP_ID "localhost"/,
      );
      // A look-alike suffix is not a subdomain.
      expect(() => parseConfig({ ...base, CORS_ORIGINS: 'https://notexample.com' })).toThrow(
        /CORS_ORIGINS entry https:\/\/notexample\.com/,
      );
    });

    it.each([
      'nope',
      '*',
      'null',
      'https://app.example.com/path',
      'https://app.example.com?x=1',
      'https://user@app.example.com',
      'ftp://app.example.com',
      'https://app.example.com#frag',
      'app.example.com',
    ])('stops on the malformed entry %j, naming it', (entry) => {
      expect(() => parseConfig({ ...base, APP_ORIGINS: `https://app.example.com,${entry}` })).toThrow(ConfigError);
      expect(() => parseConfig({ ...base, APP_ORIGINS: `https://app.example.com,${entry}` })).toThrow(
        new RegExp(`APP_ORIGINS.*${JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    });

    it('wants https apps in production, except on localhost', () => {
      const prod = { ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://h:25', SIGNING_KEY_SECRET: 'x'.repeat(32) };
      expect(() => parseConfig({ ...prod, APP_ORIGINS: 'http://app.example.com' })).toThrow(
        /APP_ORIGINS entry "http:\/\/app\.example\.com" must be https/,
      );
      expect(parseConfig({ ...prod, APP_ORIGINS: 'https://app.example.com' }).appOrigins).toEqual([
        'https://app.example.com',
      ]);
    });
  });

  it('reads WEB_CONCURRENCY as a whole number from 1, unset meaning the entry decides', () => {
    expect(parseConfig({}).webConcurrency).toBeNull();
    expect(parseConfig({ WEB_CONCURRENCY: '4' }).webConcurrency).toBe(4);
    expect(() => parseConfig({ WEB_CONCURRENCY: '0' })).toThrow(/WEB_CONCURRENCY must be between 1 and 256/);
    expect(() => parseConfig({ WEB_CONCURRENCY: 'all' })).toThrow(/WEB_CONCURRENCY must be a whole number/);
  });

  it('takes what differs per platform from the entry: the environment variable, the port, whether mail needs SMTP_URL', () => {
    const workers = { environmentVariable: 'ENVIRONMENT', defaultPort: 8787, mailNeedsSmtp: false } as const;
    const prod = { PUBLIC_URL: 'https://auth.example.com', SIGNING_KEY_SECRET: 'x'.repeat(32) };
    expect(parseConfig({}, workers).port).toBe(8787);
    expect(parseConfig({}, NODE_PLATFORM).port).toBe(3000);
    // The Worker's production is named by ENVIRONMENT; NODE_ENV means nothing there, and mail has its binding.
    expect(parseConfig({ ...prod, ENVIRONMENT: 'production' }, workers).production).toBe(true);
    expect(parseConfig({ NODE_ENV: 'production' }, workers).production).toBe(false);
    // On Node the same settings need SMTP_URL: there is no other way out for mail.
    expect(() => parseConfig({ ...prod, NODE_ENV: 'production' })).toThrow(/SMTP_URL is required in production/);
  });
});
