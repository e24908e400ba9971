/**
 * Property-based tests (fast-check) over every endpoint of the real app (issue 8, item 1).
 *
 * The routes come from `app.routes` and the request bodies' keys from /openapi.json, so a route
 * added later is fuzzed without touching this file. Every property checks, for every request:
 * - never a 5xx (API.md: "never a 500 for anything a client sent"; nothing here is busy, so no
 *   503 either) and never a redirect;
 * - every error is exactly {"error":{"code":"SNAKE_CASE","message":"non-empty"}} as JSON;
 * - a refused request (4xx) leaves the stored state as it was: users, sessions, refresh_tokens,
 *   passkeys, email_tokens, mail_queue and webauthn_challenges are snapshotted before and
 *   compared after. audit_events and rate_limits are NOT compared: recording a refusal is their
 *   job. The two changes API.md itself prescribes for a refusal are allowed and nothing else (see
 *   support.ts `Allowance`): a passkey verify uses its challenge up, a wrong code counts a try.
 *
 * Properties with a sharper claim add it (the 413 line, the cookie rule, the access-token rules,
 * the cross-site gate's statuses, "changed signed data never signs in").
 *
 * Seeds are fixed (SEEDS below) and runs modest, so the file is deterministic and takes seconds.
 * fast-check prints the seed and path of a failure. To explore further:
 * HARDENING_SEED=<n> shifts every seed, HARDENING_RUNS_SCALE=<k> multiplies the runs, and
 * HARDENING_STATS=1 prints what each property reached (statuses and error codes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { REFRESH_COOKIE } from '../../src/http/cookies.js';
import { MAX_BODY_BYTES } from '../../src/http/security.js';
import { decodeCbor, encodeCbor, type CborValue } from '../helpers/cbor.js';
import { b64url, SoftAuthenticator } from '../helpers/soft-authenticator.js';
import {
  authChoice,
  authHeaders,
  byteMutation,
  cborValue,
  garbage,
  HINTS,
  mutateB64url,
  rawJsonBody,
  segmentChoice,
  unicodeString,
  weirdString,
  type ByteMutation,
  type SegmentChoice,
} from './arbitraries.js';
import {
  allowanceFor,
  appRoutes,
  byteLength,
  diff,
  forbiddenChanges,
  errorCode,
  expectSound,
  expectUnchanged,
  fillPath,
  send,
  snapshot,
  STATE_CHANGING,
  type Route,
  type Wire,
} from './support.js';
import { CORS_ORIGIN, createWorld, freshAssertion, freshRegistration, refreshCookieOf, type World } from './world.js';

const SCALE = Number(process.env.HARDENING_RUNS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/**
 * One fixed seed per property: the suite is the same on every run and every machine. To explore
 * beyond them, HARDENING_SEED=<n> shifts every seed (and HARDENING_RUNS_SCALE multiplies the runs).
 */
const SEED_SHIFT = Number(process.env.HARDENING_SEED ?? 0);
const SEEDS = {
  jsonBodies: 0x5e5a_0001,
  openapiKeys: 0x5e5a_0002,
  bodyLimit: 0x5e5a_0003,
  registration: 0x5e5a_0004,
  authentication: 0x5e5a_0005,
  refreshCookies: 0x5e5a_0006,
  logoutCookies: 0x5e5a_0007,
  headers: 0x5e5a_0008,
  paths: 0x5e5a_0009,
  accessTokens: 0x5e5a_000a,
};
for (const k of Object.keys(SEEDS) as (keyof typeof SEEDS)[]) SEEDS[k] += SEED_SHIFT;

const JSON_TYPE: [string, string] = ['content-type', 'application/json'];

/** Percent-encodes any string (lone surrogates become U+FFFD, as a browser would send them). */
const pctEncode = (s: string) =>
  [...new TextEncoder().encode(s)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

async function resolveSegment(w: World, seg: SegmentChoice): Promise<string> {
  switch (seg.kind) {
    case 'passkey':
      return w.passkeyId;
    case 'session':
      return (await w.session('verified')).session.id;
    case 'encoded':
      return pctEncode(seg.text);
    case 'raw':
      return seg.text;
  }
}

const liveTokens = async (w: World) => ({ pk: await w.bearer('pk'), verified: await w.bearer('verified') });

const describeWire = (wire: Wire) =>
  JSON.stringify({
    method: wire.method,
    path: wire.path.slice(0, 160),
    headers: wire.headers?.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v]),
    body:
      typeof wire.body === 'string'
        ? wire.body.length > 160
          ? `${wire.body.slice(0, 160)}…(${wire.body.length})`
          : wire.body
        : wire.body
          ? `<${wire.body.length} bytes>`
          : undefined,
  });

/** Outcomes per property (status and error code), printed with HARDENING_STATS=1 to see what a property reaches. */
const outcomes = new Map<string, number>();
function printOutcomes(name: string) {
  if (process.env.HARDENING_STATS) console.log(name, JSON.stringify(Object.fromEntries([...outcomes].sort())));
  outcomes.clear();
}

/** Sends, checks the universal invariants, and for a 4xx that stored state did not move. */
async function probe(w: World, wire: Wire) {
  const label = describeWire(wire);
  const before = await snapshot(w.h);
  const answer = await expectSound(await send(w.h, wire), wire.method, label);
  const outcome = `${answer.status} ${errorCode(answer) ?? ''}`.trim();
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  if (answer.status >= 400) await expectUnchanged(w.h, before, allowanceFor(wire.method, wire.path), label);
  return { answer, label };
}

/** JSON.parse as fetch's Request.json() does it (a UTF-8 BOM is dropped). */
function parsedObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text.replace(/^\ufeff/, ''));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

describe('the invariant checkers catch what they claim to', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', ...headers },
    });

  it('error shape, status and headers', async () => {
    await expect(
      expectSound(json(400, { error: { code: 'INVALID_REQUEST', message: 'x' } }), 'POST', ''),
    ).resolves.toMatchObject({ status: 400 });
    for (const bad of [
      json(500, { error: { code: 'INTERNAL', message: 'x' } }),
      json(503, { error: { code: 'SERVICE_BUSY', message: 'x' } }),
      json(400, { error: { code: 'invalid_request', message: 'x' } }),
      json(400, { error: { code: 'INVALID_REQUEST', message: ' ' } }),
      json(400, { error: { code: 'INVALID_REQUEST', message: 'x', stack: 'at ...' } }),
      json(400, { error: { code: 'INVALID_REQUEST', message: 'x' }, detail: 1 }),
      json(400, { message: 'x' }),
      json(429, { error: { code: 'RATE_LIMITED', message: 'x' } }),
      new Response('{"error":{"code":"X","message":"x"}}', {
        status: 400,
        headers: { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' },
      }),
      new Response(null, { status: 302, headers: { location: '//evil.example', 'x-content-type-options': 'nosniff' } }),
      json(404, { error: { code: 'NOT_FOUND', message: 'x' } }, { 'x-content-type-options': '' }),
    ])
      await expect(expectSound(bad, 'POST', '')).rejects.toThrow();
  });

  it('stored-state diff and its two allowances', () => {
    const snap = (rows: Partial<Record<string, Record<string, unknown>[]>>) =>
      Object.fromEntries(
        ['users', 'sessions', 'refresh_tokens', 'passkeys', 'email_tokens', 'mail_queue', 'webauthn_challenges'].map(
          (t) => [t, new Map((rows[t] ?? []).map((r) => [String(r.id ?? r.hash), r]))],
        ),
      );
    const before = snap({
      webauthn_challenges: [{ hash: 'a' }, { hash: 'b' }],
      email_tokens: [{ id: 'e', failed_attempts: 1, consumed_at: null }],
    });
    const oneChallengeUsed = snap({
      webauthn_challenges: [{ hash: 'b' }],
      email_tokens: [{ id: 'e', failed_attempts: 1, consumed_at: null }],
    });
    const twoChallengesUsed = snap({ email_tokens: [{ id: 'e', failed_attempts: 1, consumed_at: null }] });
    const counted = snap({
      webauthn_challenges: [{ hash: 'a' }, { hash: 'b' }],
      email_tokens: [{ id: 'e', failed_attempts: 2, consumed_at: null }],
    });
    const consumed = snap({
      webauthn_challenges: [{ hash: 'a' }, { hash: 'b' }],
      email_tokens: [{ id: 'e', failed_attempts: 2, consumed_at: 5 }],
    });
    const sessionAdded = snap({
      webauthn_challenges: [{ hash: 'a' }, { hash: 'b' }],
      email_tokens: [{ id: 'e', failed_attempts: 1, consumed_at: null }],
      sessions: [{ id: 's' }],
    });
    expect(forbiddenChanges(diff(before, oneChallengeUsed), { challenge: true })).toEqual([]);
    expect(forbiddenChanges(diff(before, oneChallengeUsed), {})).toHaveLength(1);
    expect(forbiddenChanges(diff(before, twoChallengesUsed), { challenge: true })).toHaveLength(1);
    expect(forbiddenChanges(diff(before, counted), { wrongCode: true })).toEqual([]);
    expect(forbiddenChanges(diff(before, counted), { challenge: true })).toHaveLength(1);
    expect(forbiddenChanges(diff(before, consumed), { wrongCode: true })).toHaveLength(1);
    expect(forbiddenChanges(diff(before, sessionAdded), { challenge: true, wrongCode: true })).toEqual([
      expect.objectContaining({ table: 'sessions', kind: 'added' }),
    ]);
  });
});

describe('fuzz: every endpoint', () => {
  it('random JSON bodies, path ids and Authorization headers on every route', async () => {
    const w = await createWorld();
    try {
      const routes = appRoutes(w.h.app);
      expect(routes.length).toBeGreaterThanOrEqual(18);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            route: fc.constantFrom(...routes),
            segment: segmentChoice,
            auth: authChoice,
            junk: unicodeString,
            body: rawJsonBody,
          }),
          async (x) => {
            const segment = await resolveSegment(w, x.segment);
            const wire: Wire = {
              method: x.route.method,
              path: fillPath(x.route.path, () => segment),
              headers: [JSON_TYPE, ...authHeaders(x.auth, await liveTokens(w), x.junk)],
              body: x.route.method === 'GET' ? undefined : x.body,
            };
            const { answer, label } = await probe(w, wire);
            // API.md: a body that is not a JSON object ([], 42, "x", malformed) is never accepted.
            if ((wire.method === 'POST' || wire.method === 'PATCH') && !parsedObject(x.body))
              expect(answer.status, label).toBeGreaterThanOrEqual(400);
          },
        ),
        { seed: SEEDS.jsonBodies, numRuns: runs(400) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it("objects with each route's own keys (from /openapi.json) holding wrong types, unicode and huge strings", async () => {
    const w = await createWorld();
    try {
      const doc = (await (await w.h.request('/openapi.json')).json()) as OpenApiDoc;
      const targets = bodyTargets(doc, appRoutes(w.h.app));
      // Every route with a JSON body is in the OpenAPI document, so every one is fuzzed here.
      expect(targets.map((t) => `${t.route.method} ${t.route.path}`).sort()).toEqual(
        appRoutes(w.h.app)
          .filter((r) => r.method === 'POST' || r.method === 'PATCH')
          // The DBSC endpoints take no JSON body (Chromium sends none); the other fuzz tests here reach them.
          .filter((r) => !r.path.startsWith('/auth/dbsc/'))
          .map((r) => `${r.method} ${r.path}`)
          .sort(),
      );
      const arb = fc.oneof(
        ...targets.map((t) =>
          fc.record({ route: fc.constant(t.route), body: objectFor(t.tree), auth: authChoice, segment: segmentChoice }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(arb, async (x) => {
          const segment = await resolveSegment(w, x.segment);
          const wire: Wire = {
            method: x.route.method,
            path: fillPath(x.route.path, () => segment),
            headers: [JSON_TYPE, ...authHeaders(x.auth, await liveTokens(w), 'x')],
            body: JSON.stringify(x.body),
          };
          await probe(w, wire);
        }),
        { seed: SEEDS.openapiKeys, numRuns: runs(300) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('bodies around and past 64 KiB: 413 exactly when the body is over MAX_BODY_BYTES, counted in bytes', async () => {
    const w = await createWorld();
    try {
      const withBody = appRoutes(w.h.app).filter((r) => STATE_CHANGING.has(r.method) && r.method !== 'DELETE');
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            route: fc.constantFrom(...withBody),
            size: fc.oneof(
              fc.integer({ min: MAX_BODY_BYTES - 48, max: MAX_BODY_BYTES + 48 }),
              fc.integer({ min: 1024, max: 4 * MAX_BODY_BYTES }),
            ),
            unit: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '\u2028'),
            key: fc.constantFrom('email', 'name', 'token', 'response', 'pad'),
            contentLength: fc.boolean(),
            auth: fc.constantFrom('none' as const, 'verified' as const),
          }),
          async (x) => {
            const body = exactSizeBody(x.key, x.unit, x.size);
            expect(byteLength(body)).toBe(x.size);
            const wire: Wire = {
              method: x.route.method,
              path: fillPath(x.route.path, () => w.passkeyId),
              headers: [JSON_TYPE, ...authHeaders(x.auth, await liveTokens(w), 'x')],
              body,
              // Without Content-Length the limit is counted on the stream (chunked uploads).
              contentLength: x.contentLength,
            };
            const { answer, label } = await probe(w, wire);
            if (x.size > MAX_BODY_BYTES) {
              expect(answer.status, label).toBe(413);
              expect(errorCode(answer), label).toBe('PAYLOAD_TOO_LARGE');
            } else {
              expect(answer.status, label).not.toBe(413);
            }
          },
        ),
        { seed: SEEDS.bodyLimit, numRuns: runs(120) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('mutated registration responses: bad base64url, truncated and random CBOR, flipped bits, wrong types', async () => {
    const w = await createWorld();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            withoutBearer: fc.boolean(),
            mutations: fc.array(registrationMutation, { minLength: 1, maxLength: 3 }),
          }),
          async (x) => {
            const device = new SoftAuthenticator();
            const response = await freshRegistration(w, { bearer: await w.bearer('verified') }, device);
            let body: Record<string, unknown> = { response: structuredClone(response) };
            for (const m of x.mutations) body = applyRegistrationMutation(body, m);
            const wire: Wire = {
              method: 'POST',
              path: '/auth/passkeys/register/verify',
              headers: [JSON_TYPE, ...(x.withoutBearer ? [] : authHeaders('verified', await liveTokens(w), ''))],
              body: JSON.stringify(body),
            };
            const { answer, label: sent } = await probe(w, wire);
            // Verify-first: nothing is registered without a signed-in account.
            if (x.withoutBearer) expect([401, 413], sent).toContain(answer.status);
            // Whatever a mutated registration got stored (an odd COSE key, flags), signing in with
            // that credential afterwards answers 200 or 401, never a 5xx.
            const stored = await w.h.all('SELECT id FROM passkeys WHERE id = ?', response.id);
            if (answer.status === 201 && stored.length === 1) {
              const options = (await (
                await w.h.request('/auth/passkeys/login/options', { body: {} })
              ).json()) as PublicKeyCredentialRequestOptionsJSON;
              const assertion = device.getAssertion({ options, origin: w.publicUrl, credentialId: response.id });
              const { answer: signIn, label } = await probe(w, {
                method: 'POST',
                path: '/auth/passkeys/login/verify',
                headers: [JSON_TYPE],
                body: JSON.stringify({ response: assertion }),
              });
              expect([200, 401], label).toContain(signIn.status);
            }
          },
        ),
        { seed: SEEDS.registration, numRuns: runs(150) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('mutated authentication responses: never a session from changed signed data or identity, never a 5xx', async () => {
    const w = await createWorld();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(authenticationMutation, { minLength: 1, maxLength: 2 }), async (mutations) => {
          const response = await freshAssertion(w);
          let body: Record<string, unknown> = { response: structuredClone(response) };
          for (const m of mutations) body = applyAuthenticationMutation(body, m);
          const final = (path: string[]) => getPath(body, ['response', ...path]);
          const original = (path: string[]) => getPath({ response }, ['response', ...path]);
          // id, rawId, clientDataJSON and authenticatorData name the credential or are signed: any
          // change must be refused. An empty or absent userHandle is accepted by design
          // (test/passkeys.test.ts); any other one must be the owner's.
          // The signature's own bytes are NOT in this claim. Found by this property, reported, not
          // fixed here: @simplewebauthn's ASN.1 parser is lenient with an ES256 signature's DER
          // wrapper (bytes appended after it, a flipped bit in the outer tag), so some re-encodings
          // of a valid signature still verify. Harmless for replay (the challenge is single use
          // and consumed before verification), but it is signature malleability.
          const handle = final(['response', 'userHandle']);
          const identityChanged =
            (['id', 'rawId', 'response.clientDataJSON', 'response.authenticatorData'] as const).some(
              (f) => final(f.split('.')) !== original(f.split('.')),
            ) ||
            (typeof handle === 'string' && handle !== '' && handle !== original(['response', 'userHandle'])) ||
            (handle !== undefined && handle !== null && typeof handle !== 'string');
          const { answer, label } = await probe(w, {
            method: 'POST',
            path: '/auth/passkeys/login/verify',
            headers: [JSON_TYPE],
            body: JSON.stringify(body),
          });
          if (identityChanged) expect(answer.status, label).toBeGreaterThanOrEqual(400);
        }),
        { seed: SEEDS.authentication, numRuns: runs(150) },
      );
      // The passkey still works after all that: nothing was damaged by the refusals.
      const ok = await w.h.request('/auth/passkeys/login/verify', { body: { response: await freshAssertion(w) } });
      expect(ok.status).toBe(200);
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('duplicate, shadowing and look-alike cookies on /auth/refresh: only one exact, live cookie refreshes', async () => {
    const w = await createWorld();
    try {
      let live = (await w.session('verified')).refreshToken;
      await fc.assert(
        fc.asyncProperty(cookieJar, async (jar) => {
          const header = renderJar(jar, live);
          const expectOk = jarNamesLive(jar);
          const { answer, label } = await probe(w, {
            method: 'POST',
            path: '/auth/refresh',
            headers: [JSON_TYPE, ['cookie', header]],
            body: '{}',
          });
          if (expectOk) {
            expect(answer.status, label).toBe(200);
            // Rotated: the new cookie is the live one from now on.
            live = refreshCookieOf(new Response(null, { headers: answer.headers }))!;
            expect(live).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9]+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/);
          } else {
            // Ambiguous (the exact name twice), shadowed (NBSP, case) or not ours: no cookie at all.
            expect(answer.status, label).toBe(401);
          }
        }),
        { seed: SEEDS.refreshCookies, numRuns: runs(200) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('duplicate and shadowing cookies on /auth/logout: 204, and only one exact, live cookie signs anything out', async () => {
    const w = await createWorld();
    try {
      await fc.assert(
        fc.asyncProperty(cookieJar, async (jar) => {
          const victim = await w.h.signIn();
          const header = renderJar(jar, victim.refreshToken);
          const before = await snapshot(w.h);
          const wire: Wire = {
            method: 'POST',
            path: '/auth/logout',
            headers: [JSON_TYPE, ['cookie', header]],
            body: '{}',
          };
          const label = describeWire(wire);
          const answer = await expectSound(await send(w.h, wire), 'POST', label);
          expect(answer.status, label).toBe(204);
          const [row] = await w.h.all('SELECT revoked_at FROM sessions WHERE id = ?', victim.session.id);
          if (jarNamesLive(jar)) expect(row!.revoked_at, label).not.toBeNull();
          // Logging out with a cookie that is not exactly ours is a no-op, like no cookie at all.
          else await expectUnchanged(w.h, before, {}, label);
        }),
        { seed: SEEDS.logoutCookies, numRuns: runs(100) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('odd header combinations on every route: Content-Type, repeated Authorization, Origin, Sec-Fetch-Site, absurd Content-Length', async () => {
    // Behind a proxy, so X-Forwarded-For is read (and must survive anything).
    const w = await createWorld({ TRUST_PROXY: 'true' });
    try {
      const routes = appRoutes(w.h.app);
      const origins = [
        undefined,
        w.publicUrl,
        CORS_ORIGIN,
        'null',
        'https://evil.example',
        'http://localhost:3001',
        'https://localhost:3000',
        `${w.publicUrl}/`,
        w.publicUrl.toUpperCase(),
        [w.publicUrl, 'https://evil.example'],
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            route: fc.constantFrom(...routes),
            segment: segmentChoice,
            contentType: fc.constantFrom<string[]>(
              [],
              ['application/json'],
              ['Application/JSON'],
              ['application/json; charset=utf-8'],
              ['application/json;charset=UTF-16'],
              ['application/json;'],
              ['application/json ; x=y'],
              ['application/json\u00a0'],
              ['application/json', 'text/plain'],
              ['application/jsonx'],
              ['application/merge-patch+json'],
              ['text/json'],
              ['text/plain'],
              ['application/x-www-form-urlencoded'],
              ['multipart/form-data; boundary=x'],
              [''],
            ),
            auth: authChoice,
            origin: fc.constantFrom(...origins),
            fetchSite: fc.constantFrom<string[]>(
              [],
              ['same-origin'],
              ['same-site'],
              ['cross-site'],
              ['none'],
              ['CROSS-SITE'],
              ['cross-site', 'same-origin'],
              [''],
            ),
            contentLength: fc.constantFrom(
              'auto',
              'absent',
              '0',
              '-1',
              'abc',
              '1e3',
              '99999999999999999999',
              'half',
              'plus-ten',
              String(MAX_BODY_BYTES + 1),
            ),
            chunked: fc.boolean(),
            body: fc.oneof(fc.constant('{}'), rawJsonBody),
            extra: fc.array(
              fc.tuple(
                fc.constantFrom(
                  'x-forwarded-for',
                  'user-agent',
                  'accept',
                  'accept-encoding',
                  'content-encoding',
                  'x-http-method-override',
                  'forwarded',
                  'x-real-ip',
                  'cookie',
                  'if-none-match',
                  'range',
                ),
                fc.string({
                  unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
                  maxLength: 600,
                }),
              ),
              { maxLength: 3 },
            ),
          }),
          async (x) => {
            const segment = await resolveSegment(w, x.segment);
            const method = x.route.method;
            const hasBody = method !== 'GET';
            const headers: [string, string][] = [
              ...x.contentType.map((t): [string, string] => ['content-type', t]),
              ...authHeaders(x.auth, await liveTokens(w), 'x'),
              ...(x.origin === undefined
                ? []
                : (Array.isArray(x.origin) ? x.origin : [x.origin]).map((o): [string, string] => ['origin', o])),
              ...x.fetchSite.map((s): [string, string] => ['sec-fetch-site', s]),
              ...x.extra,
            ];
            const bytes = byteLength(x.body);
            const cl =
              x.contentLength === 'auto'
                ? String(bytes)
                : x.contentLength === 'half'
                  ? String(bytes >> 1)
                  : x.contentLength === 'plus-ten'
                    ? String(bytes + 10)
                    : x.contentLength;
            if (hasBody && x.contentLength !== 'absent') headers.push(['content-length', cl]);
            if (hasBody && x.chunked) headers.push(['transfer-encoding', 'chunked']);
            const wire: Wire = {
              method,
              path: fillPath(x.route.path, () => segment),
              headers,
              body: hasBody ? x.body : undefined,
              contentLength: false,
            };
            const { answer, label } = await probe(w, wire);
            const expected = expectedGateRefusal(w, wire);
            if (expected) {
              expect(answer.status, label).toBe(expected.status);
              expect(errorCode(answer), label).toBe(expected.code);
            } else if (answer.status === 415) {
              // The second, per-route media-type check (@hono/zod-openapi, after the route's own auth
              // middleware) also refuses a JSON type whose parameters are malformed ("application/json;").
              expect(errorCode(answer), label).toBe('UNSUPPORTED_MEDIA_TYPE');
              expect(strictJsonType(wire), label).toBe(false);
            } else {
              expect([403, 413], label).not.toContain(answer.status);
            }
          },
        ),
        { seed: SEEDS.headers, numRuns: runs(300) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('access tokens: forged headers, and our own key signing garbage claims, give 401; only a faithful token works; never a 5xx', async () => {
    const w = await createWorld();
    try {
      // Reads only: a faithful token on DELETE /api/me would (rightly) delete the account the runs share.
      const bearerRoutes = appRoutes(w.h.app).filter(
        (r) => ['/api/me', '/auth/sessions', '/auth/passkeys'].includes(r.path) && r.method === 'GET',
      );
      // A deviation from the token the service would issue: in the header or a claim, removed or replaced.
      const deviation = fc.oneof(
        fc.record({
          part: fc.constant('header' as const),
          key: fc.constantFrom('alg', 'typ', 'kid', 'jku', 'jwk', 'x5u', 'crit', 'b64', 'zip'),
          value: fc.oneof(
            fc.constantFrom<unknown>(
              DELETE,
              'ES384',
              'EdDSA',
              'RS256',
              'HS256',
              'none',
              'NONE',
              'AT+JWT',
              'JWT',
              'https://evil.example/jwks.json',
              ['exp'],
              false,
              'DEF',
            ),
            unicodeString,
            garbage,
          ),
        }),
        fc.record({
          part: fc.constant('claim' as const),
          key: fc.constantFrom('iss', 'aud', 'sub', 'sid', 'iat', 'exp', 'nbf', 'jti', 'amr'),
          value: fc.oneof(
            fc.constantFrom<unknown>(DELETE, 0, -1, 1e12, '1', 'x', null, [], {}, ['https://evil.example']),
            unicodeString,
            garbage,
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            route: fc.constantFrom(...bearerRoutes),
            deviations: fc.array(deviation, { maxLength: 2 }),
            signature: fc.constantFrom('ours', 'ours', 'ours', 'none', 'random', 'flipped', 'empty-payload'),
          }),
          async (x) => {
            const s = await w.session('verified');
            const now = Math.floor(w.h.now() / 1000);
            const key = await w.h.deps.keys.signingKey();
            const header: Record<string, unknown> = { alg: 'ES256', typ: 'at+jwt', kid: key.kid };
            const claims: Record<string, unknown> = {
              iss: w.h.config.publicUrl,
              aud: w.h.config.accessTokenAudience,
              sub: s.user.id,
              sid: s.session.id,
              iat: now,
              exp: now + 600,
              jti: 'fuzz',
              amr: ['otp'],
            };
            const changed = new Set<string>();
            for (const d of x.deviations) {
              const target = d.part === 'header' ? header : claims;
              const before = JSON.stringify(target[d.key]);
              if (d.value === DELETE) delete target[d.key];
              else target[d.key] = d.value;
              if (JSON.stringify(target[d.key]) !== before) changed.add(`${d.part}.${d.key}`);
            }
            const encode = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
            const signingInput = `${encode(header)}.${x.signature === 'empty-payload' ? '' : encode(claims)}`;
            let signature = '';
            if (x.signature === 'ours' || x.signature === 'flipped' || x.signature === 'empty-payload') {
              const sig = new Uint8Array(
                await crypto.subtle.sign(
                  { name: 'ECDSA', hash: 'SHA-256' },
                  key.privateKey,
                  new TextEncoder().encode(signingInput),
                ),
              );
              if (x.signature === 'flipped') sig[5] = sig[5]! ^ 1;
              signature = Buffer.from(sig).toString('base64url');
            } else if (x.signature === 'random')
              signature = Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64url');
            const wire: Wire = {
              method: x.route.method,
              path: x.route.path,
              headers: [JSON_TYPE, ['authorization', `Bearer ${signingInput}.${signature}`]],
            };
            const { answer, label } = await probe(w, wire);
            const why = `${label} changed=${[...changed].join(',')} signature=${x.signature}`;
            const verdict =
              x.signature === 'ours'
                ? tokenVerdict(header, claims, {
                    kid: key.kid,
                    iss: w.h.config.publicUrl,
                    aud: w.h.config.accessTokenAudience,
                    sub: s.user.id,
                    sid: s.session.id,
                    now,
                  })
                : 'refused';
            if (verdict === 'refused') expect(answer.status, why).toBe(401);
            else if (verdict === 'accepted') expect(answer.status, why).toBe(200);
            else expect([200, 401], why).toContain(answer.status);
            if (changed.size === 0 && x.signature === 'ours') expect(answer.status, why).toBe(200);
          },
        ),
        { seed: SEEDS.accessTokens, numRuns: runs(250) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });

  it('random methods, paths and query strings: unknown routes are JSON 404s, known ones keep every invariant', async () => {
    const w = await createWorld();
    try {
      const routes = appRoutes(w.h.app);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'),
            route: fc.constantFrom(...routes),
            segment: segmentChoice,
            spelling: fc.constantFrom(
              'as-is',
              'upper',
              'trailing-slash',
              'double-slash',
              'dot-segment',
              'encoded-slash',
              'backslash',
              'random',
            ),
            random: unicodeString,
            query: fc.option(
              fc.array(
                fc.tuple(
                  fc.constantFrom('token', 'next', 'redirect', 'email', 'id', 'token[]', '__proto__'),
                  weirdString,
                ),
                { maxLength: 3 },
              ),
              { nil: undefined },
            ),
            auth: authChoice,
          }),
          async (x) => {
            const segment = await resolveSegment(w, x.segment);
            let path = fillPath(x.route.path, () => segment);
            switch (x.spelling) {
              case 'upper':
                path = path.toUpperCase();
                break;
              case 'trailing-slash':
                path += '/';
                break;
              case 'double-slash':
                path = `/${path}`.replace('/auth/', '/auth//');
                break;
              case 'dot-segment':
                path = path.replace(/^\/([^/]+)\//, '/$1/./x/../');
                break;
              case 'encoded-slash':
                path = path.replace(/(.)\/([^/]+)$/, '$1%2F$2');
                break;
              case 'backslash':
                path = path.replace(/(.)\/([^/]+)$/, '$1\\$2');
                break;
              case 'random':
                path = `/${pctEncode(x.random)}`;
                break;
            }
            if (x.query) path += `?${x.query.map(([k, v]) => `${encodeURIComponent(k)}=${pctEncode(v)}`).join('&')}`;
            const wire: Wire = {
              method: x.method,
              path,
              headers: [JSON_TYPE, ...authHeaders(x.auth, await liveTokens(w), 'x')],
              body: x.method === 'GET' || x.method === 'HEAD' ? undefined : '{}',
            };
            await probe(w, wire);
          },
        ),
        { seed: SEEDS.paths, numRuns: runs(250) },
      );
    } finally {
      printOutcomes(expect.getState().currentTestName ?? '');
      await w.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Access-token rules (RFC 8725, RFC 9068 as src/auth/sessions/access-tokens.ts states them), for a token
// carrying our own valid signature.

function tokenVerdict(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  real: { kid: string; iss: string; aud: string; sub: string; sid: string; now: number },
): 'accepted' | 'refused' | 'either' {
  // RFC 8725 §3.1: the algorithm is pinned; the key comes only from our store (no jku/jwk/x5u/x5c).
  if (header.alg !== 'ES256' || header.kid !== real.kid) return 'refused';
  if (['jku', 'jwk', 'x5u', 'x5c', 'crit'].some((k) => k in header)) return 'refused';
  // RFC 8725 §3.11: explicit typing; media types compare case-insensitively, "application/" optional.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'at+jwt')
    return 'refused';
  if (claims.iss !== real.iss || claims.sub !== real.sub || claims.sid !== real.sid) return 'refused';
  if (!(claims.aud === real.aud || (Array.isArray(claims.aud) && claims.aud.includes(real.aud)))) return 'refused';
  if (typeof claims.exp !== 'number' || claims.exp <= real.now) return 'refused';
  if (typeof claims.iat !== 'number' || claims.iat > real.now + 60) return 'refused';
  if ('nbf' in claims && (typeof claims.nbf !== 'number' || claims.nbf > real.now)) return 'refused';
  if (!('jti' in claims) || !Array.isArray(claims.amr)) return 'refused';
  // Unknown header parameters outside "crit" are ignored (RFC 7515 §4); b64/zip are the library's business.
  if ('b64' in header || 'zip' in header) return 'either';
  // jti's and amr's contents are the issuer's (only we can sign): opaque to the verifier.
  return 'accepted';
}

// ---------------------------------------------------------------------------------------------
// The gate every request passes before any route (src/app.ts, src/http/security.ts), as API.md
// states it. Precedence: 403 (cross-site) before 415 (not JSON) before 413 (too large).

/** A header as the app reads it: repeated values joined with ", ", HTTP whitespace trimmed. */
function headerOf(wire: Wire, name: string): string | undefined {
  const values = (wire.headers ?? []).filter(([k]) => k === name).map(([, v]) => v.replace(/^[ \t]+|[ \t]+$/g, ''));
  return values.length ? values.join(', ') : undefined;
}

/** application/json with well-formed parameters only (what the per-route check accepts). */
function strictJsonType(wire: Wire): boolean {
  return /^application\/json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i.test(headerOf(wire, 'content-type') ?? '');
}

function expectedGateRefusal(w: World, wire: Wire): { status: number; code: string } | null {
  const method = wire.method;
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  const joined = (name: string) => headerOf(wire, name);
  const origin = joined('origin');
  const allowed = origin !== undefined && (origin === w.publicUrl || origin === CORS_ORIGIN);
  if (origin !== undefined && !allowed) return { status: 403, code: 'FORBIDDEN_ORIGIN' };
  if (joined('sec-fetch-site') === 'cross-site' && !allowed) return { status: 403, code: 'FORBIDDEN_ORIGIN' };
  const cl = joined('content-length');
  const chunked = joined('transfer-encoding') !== undefined;
  const body = wire.body;
  const hasBody = cl !== undefined ? cl !== '0' : chunked;
  const mediaType = joined('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!(method === 'DELETE' && !hasBody) && mediaType !== 'application/json')
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
  if (body !== undefined) {
    // Content-Length is believed unless the body is chunked; then the stream is counted.
    const size = cl !== undefined && !chunked ? parseInt(cl, 10) : byteLength(body);
    if (size > MAX_BODY_BYTES) return { status: 413, code: 'PAYLOAD_TOO_LARGE' };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Bodies from the OpenAPI document

interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
}
/** Property names, nested: a key holding an object schema has its own tree. */
interface KeyTree {
  [key: string]: KeyTree | null;
}

function keyTree(schema: Schema | undefined, doc: OpenApiDoc, depth = 0): KeyTree | null {
  if (!schema || depth > 6) return null;
  if (schema.$ref) return keyTree(doc.components?.schemas?.[schema.$ref.split('/').pop()!], doc, depth + 1);
  const alternatives = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alternatives) {
    const merged: KeyTree = {};
    for (const alt of alternatives) Object.assign(merged, keyTree(alt, doc, depth + 1) ?? {});
    return Object.keys(merged).length ? merged : null;
  }
  if (!schema.properties) return null;
  return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, keyTree(v, doc, depth + 1)]));
}

function bodyTargets(doc: OpenApiDoc, routes: Route[]): { route: Route; tree: KeyTree }[] {
  const out: { route: Route; tree: KeyTree }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tree = keyTree(op.requestBody?.content?.['application/json']?.schema, doc) ?? {};
      const honoPath = path.replace(/\{([^}]+)\}/g, ':$1');
      const route = routes.find((r) => r.method === method.toUpperCase() && r.path === honoPath);
      if (route && op.requestBody) out.push({ route, tree });
    }
  }
  return out;
}

/** An object with any subset of the schema's keys (and sometimes an extra one), each holding garbage or a nested object of its own keys. */
function objectFor(tree: KeyTree, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(tree)) {
    const leaf = HINTS[key] ? fc.oneof(HINTS[key], garbage) : fc.oneof(garbage, weirdString);
    model[key] = sub && depth < 4 ? fc.oneof(objectFor(sub, depth + 1), garbage) : leaf;
  }
  return fc
    .tuple(
      fc.record(model, { requiredKeys: [] }),
      fc.option(fc.tuple(unicodeString, garbage), { nil: undefined, freq: 4 }),
    )
    .map(([obj, extra]) => (extra ? { ...obj, [extra[0]]: extra[1] } : obj));
}

/** `{"<key>":"<unit repeated, padded with a>"}` of exactly `size` bytes (size ≥ 8). */
function exactSizeBody(key: string, unit: string, size: number): string {
  const frame = (s: string) => JSON.stringify({ [key]: s });
  const overhead = byteLength(frame(''));
  const unitBytes = byteLength(JSON.stringify(unit)) - 2;
  const room = Math.max(0, size - overhead);
  const count = Math.floor(room / unitBytes);
  return frame(unit.repeat(count) + 'a'.repeat(room - count * unitBytes));
}

// ---------------------------------------------------------------------------------------------
// Passkey response mutations

type Path = string[];

function getPath(obj: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}

function setPath(obj: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  let o: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === DELETE) delete o[last];
  else o[last] = value;
  return copy;
}

const DELETE = Symbol('delete');

type CborMutation =
  | { op: 'coseKey'; value: CborValue }
  | { op: 'drop'; key: string }
  | { op: 'set'; key: string; value: CborValue }
  | { op: 'authData'; m: ByteMutation }
  | { op: 'whole'; value: CborValue }
  | { op: 'extra'; key: string; value: CborValue };

type RegistrationMutation =
  | { kind: 'bytes'; path: Path; m: ByteMutation }
  | { kind: 'cbor'; c: CborMutation }
  | { kind: 'value'; path: Path; value: unknown };

const REGISTRATION_B64_FIELDS: Path[] = [
  ['id'],
  ['rawId'],
  ['response', 'clientDataJSON'],
  ['response', 'attestationObject'],
  ['response', 'authenticatorData'],
  ['response', 'publicKey'],
];
/** Paths from the request body: the response's leaves, the response itself, and the top-level name. */
const REGISTRATION_LEAVES: Path[] = [
  ...REGISTRATION_B64_FIELDS.map((p) => ['response', ...p]),
  ['response'],
  ['response', 'type'],
  ['response', 'response'],
  ['response', 'response', 'transports'],
  ['response', 'response', 'publicKeyAlgorithm'],
  ['response', 'clientExtensionResults'],
  ['response', 'clientExtensionResults', 'credProps'],
  ['response', 'clientExtensionResults', 'credProps', 'rk'],
  ['response', 'authenticatorAttachment'],
  ['name'],
];

const coordinate = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ maxLength: 70 }),
  fc.constant(new Uint8Array(32)),
  fc.constant(new Uint8Array(32).fill(0xff)),
);
const coseKey: fc.Arbitrary<CborValue> = fc.oneof(
  // EC2 with any curve and coordinates (mostly off the curve).
  fc
    .record({
      alg: fc.constantFrom(-7, -8, -257, -35, 0, 1),
      crv: fc.constantFrom(1, 2, 3, 6, 99),
      x: coordinate,
      y: coordinate,
    })
    .map(
      ({ alg, crv, x, y }) =>
        new Map<number, CborValue>([
          [1, 2],
          [3, alg],
          [-1, crv],
          [-2, x],
          [-3, y],
        ]),
    ),
  // OKP (Ed25519) with a wrong-size or random x.
  fc.record({ alg: fc.constantFrom(-8, -7), x: coordinate }).map(
    ({ alg, x }) =>
      new Map<number, CborValue>([
        [1, 1],
        [3, alg],
        [-1, 6],
        [-2, x],
      ]),
  ),
  // RSA with a tiny or random modulus and exponent.
  fc.record({ n: fc.uint8Array({ maxLength: 300 }), e: fc.uint8Array({ maxLength: 4 }) }).map(
    ({ n, e }) =>
      new Map<number, CborValue>([
        [1, 3],
        [3, -257],
        [-1, n],
        [-2, e],
      ]),
  ),
  // Anything with COSE-like integer keys.
  fc
    .array(fc.tuple(fc.integer({ min: -4, max: 4 }), cborValue), { maxLength: 6 })
    .map((entries) => new Map<number, CborValue>(entries)),
  cborValue,
);

const registrationMutation: fc.Arbitrary<RegistrationMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    path: fc.constantFrom(...REGISTRATION_B64_FIELDS),
    m: byteMutation,
  }),
  fc.record({
    kind: fc.constant('cbor' as const),
    c: fc.oneof(
      // The credential public key inside authData replaced by another COSE-ish map: wrong kty,
      // alg or curve, points off the curve, missing or oversized coordinates.
      fc.record({ op: fc.constant('coseKey' as const), value: coseKey }),
      fc.record({ op: fc.constant('drop' as const), key: fc.constantFrom('fmt', 'attStmt', 'authData') }),
      fc.record({
        op: fc.constant('set' as const),
        key: fc.constantFrom('fmt', 'attStmt', 'authData'),
        value: cborValue,
      }),
      fc.record({ op: fc.constant('authData' as const), m: byteMutation }),
      fc.record({ op: fc.constant('whole' as const), value: cborValue }),
      fc.record({ op: fc.constant('extra' as const), key: fc.string({ maxLength: 8 }), value: cborValue }),
    ),
  }),
  fc.record({
    kind: fc.constant('value' as const),
    path: fc.constantFrom(...REGISTRATION_LEAVES),
    value: fc.oneof(garbage, fc.constant(DELETE as unknown)),
  }),
);

function applyRegistrationMutation(body: Record<string, unknown>, m: RegistrationMutation): Record<string, unknown> {
  if (m.kind === 'value') return setPath(body, m.path, m.value);
  if (m.kind === 'bytes') {
    const current = getPath(body, ['response', ...m.path]);
    return typeof current === 'string' ? setPath(body, ['response', ...m.path], mutateB64url(current, m.m)) : body;
  }
  const current = getPath(body, ['response', 'response', 'attestationObject']);
  if (typeof current !== 'string') return body;
  let decoded: CborValue;
  try {
    decoded = decodeCbor(b64url.decode(current));
  } catch {
    return body;
  }
  if (!(decoded instanceof Map)) return body;
  const map = new Map(decoded);
  switch (m.c.op) {
    case 'drop':
      map.delete(m.c.key);
      break;
    case 'set':
    case 'extra':
      map.set(m.c.key, m.c.value);
      break;
    case 'coseKey': {
      const authData = map.get('authData');
      if (!(authData instanceof Uint8Array) || authData.length < 55) break;
      // rpIdHash 32, flags 1, counter 4, aaguid 16, credential id length 2, credential id, COSE key.
      const idLength = (authData[53]! << 8) | authData[54]!;
      map.set('authData', new Uint8Array([...authData.subarray(0, 55 + idLength), ...encodeCbor(m.c.value)]));
      break;
    }
    case 'authData': {
      const authData = map.get('authData');
      if (authData instanceof Uint8Array) map.set('authData', b64url.decode(mutateB64urlBytes(authData, m.c.m)));
      break;
    }
    case 'whole':
      return setPath(body, ['response', 'response', 'attestationObject'], b64url.encode(encodeCbor(m.c.value)));
  }
  return setPath(body, ['response', 'response', 'attestationObject'], b64url.encode(encodeCbor(map)));
}

/** A byte mutation on raw bytes; a 'text' mutation (not base64url) becomes random bytes of its UTF-8. */
function mutateB64urlBytes(bytes: Uint8Array, m: ByteMutation): string {
  const mutated = mutateB64url(
    b64url.encode(bytes),
    m.op === 'text' ? { op: 'random', bytes: new TextEncoder().encode(m.text) } : m,
  );
  return mutated;
}

type AuthenticationMutation =
  | { kind: 'bytes'; path: Path; m: ByteMutation }
  | { kind: 'value'; path: Path; value: unknown }
  /** Sets the ED flag and appends CBOR (or raw bytes) as authenticator extension data. */
  | { kind: 'extensions'; data: Uint8Array };

const AUTHENTICATION_B64_FIELDS: Path[] = [
  ['id'],
  ['rawId'],
  ['response', 'clientDataJSON'],
  ['response', 'authenticatorData'],
  ['response', 'signature'],
  ['response', 'userHandle'],
];
const AUTHENTICATION_LEAVES: Path[] = [
  ...AUTHENTICATION_B64_FIELDS,
  ['type'],
  ['response'],
  ['clientExtensionResults'],
  ['authenticatorAttachment'],
];

const authenticationMutation: fc.Arbitrary<AuthenticationMutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      path: fc.constantFrom(...AUTHENTICATION_B64_FIELDS),
      m: byteMutation,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('value' as const),
      path: fc.constantFrom(...AUTHENTICATION_LEAVES),
      value: fc.oneof(garbage, fc.constant(DELETE as unknown)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extensions' as const),
      data: fc.oneof(
        cborValue.map((v) => encodeCbor(v)),
        fc.uint8Array({ maxLength: 40 }),
      ),
    }),
  },
);

function applyAuthenticationMutation(
  body: Record<string, unknown>,
  m: AuthenticationMutation,
): Record<string, unknown> {
  if (m.kind === 'extensions') {
    const path = ['response', 'response', 'authenticatorData'];
    const current = getPath(body, path);
    if (typeof current !== 'string' || !/^[A-Za-z0-9_-]+$/.test(current)) return body;
    const bytes = b64url.decode(current);
    if (bytes.length < 37) return body;
    bytes[32] = bytes[32]! | 0x80;
    return setPath(body, path, b64url.encode(new Uint8Array([...bytes, ...m.data])));
  }
  const path = ['response', ...m.path];
  if (m.kind === 'value') return setPath(body, path, m.value);
  const current = getPath(body, path);
  return typeof current === 'string' ? setPath(body, path, mutateB64url(current, m.m)) : body;
}

// ---------------------------------------------------------------------------------------------
// Cookie jars

/** Names a browser, a proxy or an attacker might produce next to (or instead of) ours. */
const COOKIE_NAMES = {
  exact: REFRESH_COOKIE,
  'space-before': ` ${REFRESH_COOKIE}`,
  'tab-after': `${REFRESH_COOKIE}\t`,
  'nbsp-before': `\u00a0${REFRESH_COOKIE}`,
  'nbsp-after': `${REFRESH_COOKIE}\u00a0`,
  'soft-hyphen': `\u00ad${REFRESH_COOKIE}`,
  lower: REFRESH_COOKIE.toLowerCase(),
  upper: REFRESH_COOKIE.toUpperCase(),
  'secure-prefix': REFRESH_COOKIE.replace('__Host-', '__Secure-'),
  'no-prefix': REFRESH_COOKIE.replace('__Host-', ''),
  quoted: `"${REFRESH_COOKIE}"`,
} as const;
type CookieName = keyof typeof COOKIE_NAMES | { other: string };
type CookieValue =
  | 'live'
  | 'live-spaced'
  | 'live-quoted'
  | 'live-nbsp'
  | 'live-truncated'
  | 'live-extended'
  | 'empty'
  | { token: string }
  | { junk: string };

interface CookieJar {
  cookies: { name: CookieName; value: CookieValue }[];
  fillers: number;
  separator: string;
}

const tokenChars = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 43,
  maxLength: 43,
});

const cookieJar: fc.Arbitrary<CookieJar> = fc.record({
  cookies: fc.array(
    fc.record({
      name: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...(Object.keys(COOKIE_NAMES) as (keyof typeof COOKIE_NAMES)[])) },
        {
          weight: 1,
          arbitrary: fc
            .string({ unit: fc.constantFrom(...'abcXYZ_-$.!'), minLength: 1, maxLength: 12 })
            .map((other) => ({ other })),
        },
      ),
      value: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom<CookieValue>(
            'live',
            'live-spaced',
            'live-quoted',
            'live-nbsp',
            'live-truncated',
            'live-extended',
            'empty',
          ),
        },
        { weight: 1, arbitrary: tokenChars.map((token) => ({ token })) },
        {
          weight: 1,
          arbitrary: fc
            .string({
              unit: fc
                .integer({ min: 0x20, max: 0xff })
                .filter((c) => c !== 0x3b)
                .map((c) => String.fromCharCode(c)),
              maxLength: 60,
            })
            .map((junk) => ({ junk })),
        },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  fillers: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 150 })),
  separator: fc.constantFrom('; ', ';', ' ; ', ';\t'),
});

const asciiTrim = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '');

function cookieValue(v: CookieValue, live: string): string {
  if (typeof v === 'object') return 'token' in v ? v.token : v.junk;
  return {
    live,
    'live-spaced': `  ${live} `,
    'live-quoted': `"${live}"`,
    'live-nbsp': `${live}\u00a0`,
    'live-truncated': live.slice(0, -1),
    'live-extended': `${live}A`,
    empty: '',
  }[v];
}

const cookieName = (n: CookieName) => (typeof n === 'object' ? n.other : COOKIE_NAMES[n]);

function renderJar(jar: CookieJar, live: string): string {
  const parts = jar.cookies.map((c) => `${cookieName(c.name)}=${cookieValue(c.value, live)}`);
  const fillers = Array.from({ length: jar.fillers }, (_, i) => `pref_${i}=${'v'.repeat(i % 17)}`);
  // Fillers on both sides of ours, as a browser with many cookies for the host sends them.
  return [...fillers.slice(0, jar.fillers >> 1), ...parts, ...fillers.slice(jar.fillers >> 1)].join(jar.separator);
}

/**
 * The rule of src/http/cookies.ts, as the contract for this test: names compare byte for byte
 * after trimming ASCII spaces and tabs only; the exact name twice is ambiguous (no cookie); the
 * value must then be the live token (after the same trim).
 */
function jarNamesLive(jar: CookieJar): boolean {
  const ours = jar.cookies.filter((c) => asciiTrim(cookieName(c.name)) === REFRESH_COOKIE);
  return ours.length === 1 && (ours[0]!.value === 'live' || ours[0]!.value === 'live-spaced');
}
