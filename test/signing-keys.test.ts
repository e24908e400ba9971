import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { rotateSigningKey } from '../src/auth/sessions/signing-keys.js';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { SIGNING_KEY_SECRET: 'k'.repeat(40), SIGNING_KEY_MAX_AGE: '86400' } });
});
afterEach(() => h.close());

const kids = async () =>
  ((await (await h.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('signing keys', () => {
  it('are sealed at rest when SIGNING_KEY_SECRET is set', async () => {
    await h.signIn();
    const rows = h.sqlite.sqlite.prepare('SELECT private_jwk FROM signing_keys').all() as { private_jwk: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.private_jwk).toMatch(/^sealed:v1:/);
    expect(rows[0]!.private_jwk).not.toContain('"d"');
  });

  it('rotation: the new key signs, old tokens stay valid to expiry, then the old key leaves the JWKS', async () => {
    const before = await h.signIn();
    const oldKid = decodeProtectedHeader(before.accessToken).kid!;
    const newKid = await rotateSigningKey(h.deps, 'manual');
    h.deps.keys.invalidate();
    const after = await h.signIn();
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect(await kids()).toEqual([newKid, oldKid]);
    const jwks = createLocalJWKSet((await (await h.request('/.well-known/jwks.json')).json()) as never);
    const opts = {
      issuer: h.config.publicUrl,
      audience: h.config.accessTokenAudience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      currentDate: new Date(h.now()),
    };
    await expect(jwtVerify(before.accessToken, jwks, opts)).resolves.toBeTruthy();
    expect((await h.request('/api/me', { token: before.accessToken })).status).toBe(200);
    // Past the old token's expiry plus the key cache lifetime and skew, the old key is gone.
    h.advance(900_000 + 121_000);
    h.deps.keys.invalidate();
    expect(await kids()).toEqual([newKid]);
    const audit = h.sqlite.sqlite
      .prepare("SELECT count(*) AS n FROM audit_events WHERE type = 'key.rotated'")
      .get() as { n: number };
    expect(audit.n).toBe(2);
  });

  it('rotate automatically once the active key is older than SIGNING_KEY_MAX_AGE', async () => {
    const first = decodeProtectedHeader((await h.signIn()).accessToken).kid;
    h.advance(86_401_000);
    h.deps.keys.invalidate();
    const second = decodeProtectedHeader((await h.signIn()).accessToken).kid;
    expect(second).not.toBe(first);
    expect(await kids()).toEqual([second, first]);
  });

  it('a second instance on the same database signs with the same key', async () => {
    const { createNodeDeps } = await import('../src/entry/node-server.js');
    const { openSqlite } = await import('../src/db/better-sqlite3.js');
    const sqlite = openSqlite({ path: `${h.dir}/sesame.db` });
    const other = createNodeDeps({ config: h.config, clock: h.now, sqlite, logger: { log() {} } });
    try {
      const a = await h.deps.keys.signingKey();
      const b = await other.deps.keys.signingKey();
      expect(b.kid).toBe(a.kid);
    } finally {
      sqlite.close();
    }
  });
});
