/**
 * The bare floor: Hono on @hono/node-server, better-sqlite3 and jose doing Sesame's four hot
 * operations with nothing of a product around them (no middleware, no ORM, no validation library,
 * no audit, no rate limit, no reuse window). Whatever Sesame spends beyond this is its overhead.
 *
 * - GET /api/me: ES256 Bearer verify (key imported once) + a session/user primary-key lookup.
 * - POST /auth/refresh: hash lookup, then in one transaction claim (UPDATE ... WHERE rotated_at IS
 *   NULL) and insert the successor; sign an access token.
 * - POST /auth/passkeys/login/options + /verify: a stored challenge, consumed by DELETE ... RETURNING,
 *   @simplewebauthn/server's verifyAuthenticationResponse, then counter update + session + refresh
 *   token in one transaction; sign an access token.
 * - POST /auth/email/verify {token}: consume the link row (UPDATE ... RETURNING), find the user,
 *   insert session + refresh token in one transaction; sign an access token.
 *
 * Env: PORT, DATABASE_PATH, PUBLIC_URL. Binds 127.0.0.1. Prepared statements, WAL + NORMAL,
 * 32-byte blob hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { prepareFloorDb } from './floor-db.js';
import { importFromRoot } from './lib/paths.js';

type WebAuthnServer = typeof import('@simplewebauthn/server');
const { verifyAuthenticationResponse } = await importFromRoot<WebAuthnServer>('@simplewebauthn/server');

const port = Number(process.env.PORT ?? 0);
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const rpId = new URL(publicUrl).hostname;
const COOKIE = '__Host-sesame_refresh';
const ACCESS_TTL = 900;
const SESSION_TTL_MS = 30 * 86_400_000;

const db = new Database(process.env.DATABASE_PATH ?? ':memory:');
prepareFloorDb(db);

const { publicKey, privateKey } = await generateKeyPair('ES256');
const kid = (await exportJWK(publicKey)).x!.slice(0, 16);

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const newToken = () => randomBytes(32).toString('base64url');

const q = {
  me: db.prepare(
    `SELECT s.user_id AS sub, s.expires_at, s.revoked_at, u.email, u.email_verified, u.created_at
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
  ),
  token: db.prepare(
    `SELECT t.session_id, t.rotated_at, s.user_id, s.expires_at, s.revoked_at, u.email, u.email_verified
     FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE t.hash = ?`,
  ),
  claim: db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL'),
  insertToken: db.prepare(
    'INSERT INTO refresh_tokens (hash, session_id, created_at, rotated_at) VALUES (?, ?, ?, NULL)',
  ),
  insertSession: db.prepare(
    'INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, NULL)',
  ),
  insertChallenge: db.prepare('INSERT INTO challenges (hash, expires_at) VALUES (?, ?)'),
  consumeChallenge: db.prepare('DELETE FROM challenges WHERE hash = ? AND expires_at > ? RETURNING 1 AS ok'),
  passkey: db.prepare(
    `SELECT p.id, p.user_id, p.public_key, p.counter, u.email, u.email_verified
     FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.id = ?`,
  ),
  bumpCounter: db.prepare('UPDATE passkeys SET counter = ? WHERE id = ? AND counter = ?'),
  consumeEmail: db.prepare(
    'UPDATE email_tokens SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL AND expires_at > ? RETURNING email',
  ),
  userByEmail: db.prepare('SELECT id, email, email_verified FROM users WHERE email = ?'),
};

const rotate = db.transaction((now: number, hash: Buffer, successorHash: Buffer, sessionId: string) => {
  if (q.claim.run(now, hash).changes !== 1) return false;
  q.insertToken.run(successorHash, sessionId, now);
  return true;
});

const startSession = db.transaction((now: number, userId: string, sessionId: string, tokenHash: Buffer) => {
  q.insertSession.run(sessionId, userId, now, now + SESSION_TTL_MS);
  q.insertToken.run(tokenHash, sessionId, now);
});

const signIn = db.transaction(
  (
    now: number,
    passkeyId: string,
    oldCounter: number,
    newCounter: number,
    userId: string,
    sessionId: string,
    tokenHash: Buffer,
  ) => {
    if (q.bumpCounter.run(newCounter, passkeyId, oldCounter).changes !== 1) return false;
    startSession(now, userId, sessionId, tokenHash);
    return true;
  },
);

async function accessToken(sub: string, sid: string, amr: string[]) {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid, amr })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(publicUrl)
    .setAudience(publicUrl)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TTL)
    .setJti(randomBytes(16).toString('base64url'))
    .sign(privateKey);
}

function readCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim();
  }
  return null;
}

const unauthorized = (c: { json: (b: unknown, s: 401) => Response }) =>
  c.json({ error: { code: 'UNAUTHORIZED', message: 'no' } }, 401);

async function sessionResponse(
  c: { header: (k: string, v: string) => void; json: (b: unknown, s: 200) => Response },
  user: { id: string; email: string; email_verified: number },
  sid: string,
  refresh: string,
  amr: string[],
) {
  c.header(
    'Set-Cookie',
    `${COOKIE}=${refresh}; Path=/; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; Secure; SameSite=Strict`,
  );
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      accessToken: await accessToken(user.id, sid, amr),
      tokenType: 'Bearer',
      expiresIn: ACCESS_TTL,
      user: { id: user.id, email: user.email, emailVerified: user.email_verified === 1 },
    },
    200,
  );
}

const app = new Hono();

app.get('/healthz', (c) => c.json({ ok: true }));

app.get('/api/me', async (c) => {
  const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(c.req.header('authorization') ?? '');
  if (!m) return unauthorized(c);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(m[1]!, publicKey, {
      algorithms: ['ES256'],
      issuer: publicUrl,
      audience: publicUrl,
      typ: 'at+jwt',
    }));
  } catch {
    return unauthorized(c);
  }
  const row = q.me.get(payload.sid) as
    | {
        sub: string;
        expires_at: number;
        revoked_at: number | null;
        email: string;
        email_verified: number;
        created_at: number;
      }
    | undefined;
  if (!row || row.sub !== payload.sub || row.revoked_at !== null || row.expires_at <= Date.now())
    return unauthorized(c);
  c.header('Cache-Control', 'no-store');
  return c.json({
    id: row.sub,
    email: row.email,
    emailVerified: row.email_verified === 1,
    createdAt: new Date(row.created_at).toISOString(),
  });
});

app.post('/auth/refresh', async (c) => {
  const token = readCookie(c.req.header('cookie'));
  if (!token) return unauthorized(c);
  const now = Date.now();
  const hash = sha256(token);
  const row = q.token.get(hash) as
    | {
        session_id: string;
        rotated_at: number | null;
        user_id: string;
        expires_at: number;
        revoked_at: number | null;
        email: string;
        email_verified: number;
      }
    | undefined;
  if (!row || row.rotated_at !== null || row.revoked_at !== null || row.expires_at <= now) return unauthorized(c);
  const successor = newToken();
  if (!rotate(now, hash, sha256(successor), row.session_id)) return unauthorized(c);
  return sessionResponse(
    c,
    { id: row.user_id, email: row.email, email_verified: row.email_verified },
    row.session_id,
    successor,
    ['otp'],
  );
});

app.post('/auth/passkeys/login/options', (c) => {
  const challenge = randomBytes(32).toString('base64url');
  q.insertChallenge.run(sha256(challenge), Date.now() + 300_000);
  return c.json({ challenge, timeout: 300_000, rpId, allowCredentials: [], userVerification: 'preferred' });
});

app.post('/auth/passkeys/login/verify', async (c) => {
  const { response } = (await c.req.json()) as {
    response: Parameters<typeof verifyAuthenticationResponse>[0]['response'];
  };
  const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as {
    challenge: string;
  };
  const now = Date.now();
  if (!q.consumeChallenge.get(sha256(clientData.challenge), now)) return unauthorized(c);
  const pk = q.passkey.get(response.id) as
    | { id: string; user_id: string; public_key: Buffer; counter: number; email: string; email_verified: number }
    | undefined;
  if (!pk) return unauthorized(c);
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
  try {
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge: clientData.challenge,
      expectedOrigin: publicUrl,
      expectedRPID: rpId,
      requireUserVerification: false,
      credential: { id: pk.id, publicKey: new Uint8Array(pk.public_key), counter: pk.counter },
    });
    if (!v.verified) return unauthorized(c);
    info = v.authenticationInfo;
  } catch {
    return unauthorized(c);
  }
  const sid = randomBytes(16).toString('base64url');
  const refresh = newToken();
  if (!signIn(now, pk.id, pk.counter, info.newCounter, pk.user_id, sid, sha256(refresh))) return unauthorized(c);
  return sessionResponse(c, { id: pk.user_id, email: pk.email, email_verified: pk.email_verified }, sid, refresh, [
    'hwk',
    'user',
  ]);
});

app.post('/auth/email/verify', async (c) => {
  const { token } = (await c.req.json()) as { token?: string };
  if (typeof token !== 'string') return unauthorized(c);
  const now = Date.now();
  const consumed = q.consumeEmail.get(now, sha256(token), now) as { email: string } | undefined;
  if (!consumed) return unauthorized(c);
  const user = q.userByEmail.get(consumed.email) as { id: string; email: string; email_verified: number } | undefined;
  if (!user) return unauthorized(c);
  const sid = randomBytes(16).toString('base64url');
  const refresh = newToken();
  startSession(now, user.id, sid, sha256(refresh));
  return sessionResponse(c, user, sid, refresh, ['otp']);
});

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`floor listening on http://127.0.0.1:${info.port}`);
});
const stop = () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
