/**
 * Cross-site requests and return parameters (issue 8, item 2).
 *
 * 1. Every state-changing route of the app (POST/PATCH/DELETE from `app.routes`, so a new one is
 *    covered automatically) against every combination of Origin, Sec-Fetch-Site and Content-Type,
 *    with and without a body, asserting API.md's statuses:
 *    - 403 FORBIDDEN_ORIGIN for an Origin that is neither PUBLIC_URL nor in CORS_ORIGINS
 *      (including "null", another port or scheme of PUBLIC_URL), and for
 *      `Sec-Fetch-Site: cross-site` unless the Origin is an allowed one (a CORS_ORIGINS front end
 *      is cross-site by nature);
 *    - else 415 UNSUPPORTED_MEDIA_TYPE for a request that is not JSON (a DELETE without a body
 *      needs no Content-Type);
 *    - else exactly the status the route gives a plain non-browser JSON request (its own auth and
 *      validation), measured once per route as the baseline;
 *    and a 403 or 415 writes nothing (write journal on the stored-state tables). Then, per route,
 *    one request that succeeds as is (a table that must name every state-changing route) is
 *    refused from every cross-site context with nothing written, and the very same request then
 *    succeeds from PUBLIC_URL and from a CORS_ORIGINS front end.
 *
 *    Precedence, as found and checked below: 403 (Origin / fetch metadata) before 415 (not JSON)
 *    before 413 (body over 64 KiB) before 429 (per-address limit on /auth/*) before the route:
 *    401 (its auth middleware) before 400 (body validation). Refusals at the first three gates
 *    are not counted against the rate limit.
 *
 * 2. Return parameters. The server has no redirect at all (no route answers 3xx, no Location
 *    header anywhere in src/). Its one return parameter, `returnTo` (issue 12), is checked by
 *    src/auth/return-to.ts (test/return-to.test.ts holds its table of hostile values) and only
 *    ever handed back as JSON; the front end (web/src) reads two URL parameters, `token` and, in
 *    lib/return-to.ts alone, `returnTo`, which it follows only as the server's answer to GET
 *    /auth/return-to; everything else navigates to literal same-origin paths. So: a test that no
 *    route, given every usual return parameter set to a hostile target (`//evil`, `/\evil`,
 *    `https:evil`, `javascript:`...), answers a redirect or echoes the target into a page, and a
 *    source check of web/src that keeps it that way (it fails the day someone adds another).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createAdminKey } from '../../src/admin/admin-keys.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import {
  generateDbscKey,
  parseChallengeHeader,
  parseRegistrationOffer,
  refreshProof,
  registrationProof,
} from '../helpers/dbsc-client.js';
import {
  appRoutes,
  expectSound,
  errorCode,
  fillPath,
  installWriteJournal,
  send,
  type Route,
  type Wire,
} from './support.js';

const CORS_ORIGIN = 'https://app.localhost';

describe('cross-site matrix', () => {
  let h: Harness;
  let journal: ReturnType<typeof installWriteJournal>;
  beforeAll(async () => {
    h = await createHarness({ env: { CORS_ORIGINS: CORS_ORIGIN, ADMIN_BOOTSTRAP_SECRET: BOOTSTRAP_SECRET } });
    journal = installWriteJournal(h);
  });
  afterAll(() => h.close());

  const origins = (): Record<string, string | undefined> => {
    const pub = new URL(h.config.publicUrl);
    const otherPort = new URL(pub);
    otherPort.port = String(Number(pub.port || (pub.protocol === 'https:' ? 443 : 80)) + 1);
    const otherScheme = `${pub.protocol === 'https:' ? 'http:' : 'https:'}//${pub.host}`;
    return {
      absent: undefined,
      PUBLIC_URL: h.config.publicUrl,
      'CORS_ORIGINS entry': CORS_ORIGIN,
      foreign: 'https://evil.example',
      null: 'null',
      'PUBLIC_URL, other port': otherPort.origin,
      'PUBLIC_URL, other scheme': otherScheme,
    };
  };
  const FETCH_SITES = [undefined, 'same-origin', 'same-site', 'cross-site', 'none'] as const;
  const BODIES: Record<string, { type?: string; body: string }> = {
    absent: { body: '{}' },
    'application/json': { type: 'application/json', body: '{}' },
    'text/plain': { type: 'text/plain', body: '{}' },
    'application/x-www-form-urlencoded': { type: 'application/x-www-form-urlencoded', body: 'a=b' },
    'multipart/form-data': {
      type: 'multipart/form-data; boundary=x',
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
    },
  };

  it('sanity: the write journal sees a write to a watched table', async () => {
    const mark = journal.mark();
    await h.signIn();
    expect(journal.writesSince(mark).map((w) => w.tbl)).toEqual(expect.arrayContaining(['users', 'sessions']));
  });

  it('sanity: the app has the state-changing routes of API.md', () => {
    expect(stateChanging(h).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'POST /auth/refresh',
        'POST /auth/logout',
        'POST /auth/logout-all',
        'DELETE /auth/sessions/:id',
        'POST /auth/email/start',
        'POST /auth/email/verify',
        'POST /auth/passkeys/register/options',
        'POST /auth/passkeys/register/verify',
        'POST /auth/passkeys/login/options',
        'POST /auth/passkeys/login/verify',
        'PATCH /auth/passkeys/:id',
        'DELETE /auth/passkeys/:id',
      ]),
    );
  });

  it('every state-changing route × Origin × Sec-Fetch-Site × Content-Type answers 403, 415 or its normal status', async () => {
    const allowed = new Set([h.config.publicUrl, CORS_ORIGIN]);
    let cells = 0;
    for (const route of stateChanging(h)) {
      for (const withBody of [true, false]) {
        // A fixture per cell would be exact but slow; one is reused until a cell may have changed it.
        let fixture = await h.signIn();
        const cell = async (origin: string | undefined, site: string | undefined, typeName: string) => {
          const { type, body } = BODIES[typeName]!;
          const headers: [string, string][] = [
            ['authorization', `Bearer ${fixture.accessToken}`],
            ['cookie', `__Host-sesame_refresh=${fixture.refreshToken}`],
            ['user-agent', 'cross-site-matrix'],
          ];
          if (origin !== undefined) headers.push(['origin', origin]);
          if (site !== undefined) headers.push(['sec-fetch-site', site]);
          if (type !== undefined) headers.push(['content-type', type]);
          const wire: Wire = {
            method: route.method,
            path: fillPath(route.path, () => fixture.session.id),
            headers,
            body: withBody ? body : undefined,
          };
          const label = `${route.method} ${route.path} body=${withBody} origin=${origin} sec-fetch-site=${site} content-type=${typeName}`;
          const mark = journal.mark();
          const answer = await expectSound(await send(h, wire), route.method, label);
          const writes = journal.writesSince(mark);
          if (answer.status < 300 || writes.length > 0) fixture = await h.signIn();
          return { answer, writes, label };
        };

        // The route's normal answer: a non-browser client (no Origin, no fetch metadata) sending JSON.
        const baseline = (await cell(undefined, undefined, 'application/json')).answer.status;
        for (const [originName, origin] of Object.entries(origins())) {
          for (const site of FETCH_SITES) {
            for (const typeName of Object.keys(BODIES)) {
              const { answer, writes, label } = await cell(origin, site, typeName);
              cells++;
              const originAllowed = origin !== undefined && allowed.has(origin);
              const crossSite = (origin !== undefined && !originAllowed) || (site === 'cross-site' && !originAllowed);
              // A DELETE without a body needs no Content-Type; everything else state-changing must be JSON.
              const notJson = (route.method !== 'DELETE' || withBody) && typeName !== 'application/json';
              // Precedence: the cross-site check comes first, so a cross-site text/plain or form
              // request is 403, not 415 (the matrix has every such pair).
              if (crossSite) {
                expect(answer.status, `${label} (${originName})`).toBe(403);
                expect(errorCode(answer), label).toBe('FORBIDDEN_ORIGIN');
              } else if (notJson) {
                expect(answer.status, label).toBe(415);
                expect(errorCode(answer), label).toBe('UNSUPPORTED_MEDIA_TYPE');
              } else {
                expect(answer.status, label).toBe(baseline);
              }
              if (crossSite || notJson) expect(writes, `refused, yet wrote: ${label}`).toEqual([]);
              // Credentialed CORS answers name the allowed front end only, never a foreign origin.
              const acao = answer.headers.get('access-control-allow-origin');
              if (origin === CORS_ORIGIN) {
                expect(acao, label).toBe(CORS_ORIGIN);
                expect(answer.headers.get('access-control-allow-credentials'), label).toBe('true');
              } else {
                expect(acao, label).toBeNull();
              }
            }
          }
        }
      }
    }
    expect(cells).toBeGreaterThanOrEqual(12 * 2 * 7 * 5 * 5);
    // Thousands of requests: about 10 s alone, several times that when the machine is busy.
  }, 120_000);

  it('a request that would succeed is refused (403, nothing written) from every cross-site context, then succeeds from PUBLIC_URL and a CORS_ORIGINS front end', async () => {
    const builders = successfulRequests(h);
    // Every state-changing route has a known-good request here; a new route must add one.
    expect(Object.keys(builders).sort()).toEqual(
      stateChanging(h)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    const crossSite: [string, string][][] = [
      [['origin', 'https://evil.example']],
      [['origin', 'null']],
      [['origin', origins()['PUBLIC_URL, other port']!]],
      [['origin', origins()['PUBLIC_URL, other scheme']!]],
      [
        ['origin', 'https://evil.example'],
        ['sec-fetch-site', 'same-origin'],
      ],
      [['sec-fetch-site', 'cross-site']],
      [
        ['origin', 'null'],
        ['sec-fetch-site', 'cross-site'],
      ],
    ];
    for (const [name, build] of Object.entries(builders)) {
      for (const allowedContext of [
        [
          ['origin', h.config.publicUrl],
          ['sec-fetch-site', 'same-origin'],
        ],
        [
          ['origin', CORS_ORIGIN],
          ['sec-fetch-site', 'cross-site'],
        ],
      ] as [string, string][][]) {
        const wire = await build();
        for (const context of crossSite) {
          const mark = journal.mark();
          const label = `${name} ${JSON.stringify(context)}`;
          const answer = await expectSound(
            await send(h, { ...wire, headers: [...(wire.headers ?? []), ...context] }),
            wire.method,
            label,
          );
          expect(answer.status, label).toBe(403);
          expect(errorCode(answer), label).toBe('FORBIDDEN_ORIGIN');
          expect(journal.writesSince(mark), label).toEqual([]);
        }
        // The very same request, untouched by the refusals, succeeds from an allowed origin.
        const label = `${name} ${JSON.stringify(allowedContext)}`;
        const ok = await expectSound(
          await send(h, { ...wire, headers: [...(wire.headers ?? []), ...allowedContext] }),
          wire.method,
          label,
        );
        expect(ok.status, label).toBeGreaterThanOrEqual(200);
        expect(ok.status, label).toBeLessThan(300);
      }
    }
  });

  it('precedence: 403 before 415 before 413 before 429 before the route (401, then 400); gate refusals are not rate-counted', async () => {
    const limited = await createHarness({ env: { CORS_ORIGINS: CORS_ORIGIN, RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
      const session = await limited.signIn();
      const at = (ip: string, headers: [string, string][], body: string, token?: string) =>
        send(limited, {
          method: 'POST',
          path: '/auth/logout-all',
          headers: [...headers, ...(token ? ([['authorization', `Bearer ${token}`]] as [string, string][]) : [])],
          body,
          ip,
        }).then((res) => expectSound(res, 'POST', `${ip} ${JSON.stringify(headers)} ${body.length}`));
      const foreign: [string, string] = ['origin', 'https://evil.example'];
      const text: [string, string] = ['content-type', 'text/plain'];
      const json: [string, string] = ['content-type', 'application/json'];

      // Each gate wins over every later one.
      expect((await at('10.0.0.1', [foreign, text], big)).status).toBe(403);
      expect((await at('10.0.0.1', [['sec-fetch-site', 'cross-site'], text], big)).status).toBe(403);
      expect((await at('10.0.0.1', [text], big)).status).toBe(415);
      expect((await at('10.0.0.1', [json], big)).status).toBe(413);
      // Refused at the gates, none of those counted: the address still has its 3 requests.
      expect((await at('10.0.0.1', [json], '[]')).status).toBe(401);
      expect((await at('10.0.0.1', [json], '[]', session.accessToken)).status).toBe(400);
      expect((await at('10.0.0.1', [json], '{}', 'not-a-token')).status).toBe(401);
      // Limit reached: 429 for what reaches the limiter, the gates still answer first.
      const limitedAnswer = await at('10.0.0.1', [json], '{}', session.accessToken);
      expect(limitedAnswer.status).toBe(429);
      expect(errorCode(limitedAnswer)).toBe('RATE_LIMITED');
      expect((await at('10.0.0.1', [foreign, json], '{}', session.accessToken)).status).toBe(403);
      expect((await at('10.0.0.1', [text], '{}', session.accessToken)).status).toBe(415);
      expect((await at('10.0.0.1', [json], big, session.accessToken)).status).toBe(413);
      // The route itself: auth (401) before body validation (400).
      expect(errorCode(await at('10.0.0.2', [json], '[]'))).toBe('UNAUTHORIZED');
      expect(errorCode(await at('10.0.0.2', [json], '[]', session.accessToken))).toBe('INVALID_REQUEST');
      // Nothing above signed the session out.
      expect((await limited.request('/api/me', { token: session.accessToken, ip: '10.0.0.3' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('return parameters and redirects', () => {
  const HOSTILE = [
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '///evil.example',
    'https:evil.example',
    'https://evil.example/',
    'http://localhost:3000@evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/%2F%2Fevil.example',
    '%2F%2Fevil.example',
    '/%5Cevil.example',
    '/\t/evil.example',
  ];
  const PARAMS = [
    'next',
    'redirect',
    'redirect_uri',
    'redirectTo',
    'redirect_to',
    'return',
    'returnTo',
    'return_to',
    'returnUrl',
    'continue',
    'url',
    'dest',
    'destination',
    'goto',
    'callback',
    'r',
  ];

  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { CORS_ORIGINS: CORS_ORIGIN } });
  });
  afterAll(() => h.close());

  /** A page (or script) must not carry the hostile target into a link, form, refresh or script. */
  function expectNotEchoed(text: string, label: string) {
    expect(text, label).not.toMatch(/evil\.example|javascript:|data:text\/html/i);
  }

  it('no route answers a redirect or echoes a hostile next/redirect/return target, in the query or the body', async () => {
    let session = await h.signIn();
    // A live link, so the link page renders its full confirm form too.
    await h.request('/auth/email/start', { body: { email: 'linked@example.com' } });
    const outbox = (await (await h.request('/dev/outbox')).json()) as { messages: { text: string }[] };
    const token = /token=([A-Za-z0-9_-]+)/.exec(outbox.messages[0]!.text)![1]!;

    const routes: Route[] = appRoutes(h.app).flatMap((r) => (r.method === 'GET' ? [r, { ...r, method: 'HEAD' }] : [r]));
    for (const route of routes) {
      // A fresh sign-in per route: DELETE /auth/sessions/:id (own session) and logout-all may end the last one.
      session = await h.signIn();
      for (const target of HOSTILE) {
        const query = new URLSearchParams(PARAMS.map((p) => [p, target]));
        if (route.path.startsWith('/auth/email/')) query.set('token', token);
        const bodyFields = Object.fromEntries(PARAMS.map((p) => [p, target]));
        for (const auth of [[], [['authorization', `Bearer ${session.accessToken}`]]] as [string, string][][]) {
          const wire: Wire = {
            method: route.method,
            path: `${fillPath(route.path, () => session.session.id)}?${query}`,
            headers: [['content-type', 'application/json'], ['origin', h.config.publicUrl], ...auth],
            body: route.method === 'GET' || route.method === 'HEAD' ? undefined : JSON.stringify(bodyFields),
          };
          const label = `${route.method} ${wire.path}`;
          const res = await send(h, wire);
          expect(res.headers.get('location'), label).toBeNull();
          // expectSound fails on any 3xx.
          const answer = await expectSound(res, route.method, label);
          if ((res.headers.get('content-type') ?? '').startsWith('text/')) expectNotEchoed(answer.text, label);
        }
      }
    }
  });

  it('a hostile path is a JSON 404, never a redirect to it (no trailing-slash or path normalisation redirect)', async () => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      for (const target of [
        ...HOSTILE.filter((t) => t.startsWith('/')),
        '/auth/email/verify/',
        '/auth/email/verify//evil.example',
        '/api/me/',
        '/auth/refresh/',
      ]) {
        const wire: Wire = {
          method,
          path: target.replace(/\t/g, '%09'),
          headers: [['content-type', 'application/json']],
          body: method === 'POST' ? '{}' : undefined,
        };
        const res = await send(h, wire);
        expect(res.headers.get('location'), `${method} ${target}`).toBeNull();
        const answer = await expectSound(res, method, `${method} ${target}`);
        expect(answer.status, `${method} ${target}`).toBe(404);
      }
    }
  });

  it("the link page's script goes only to a literal same-origin path, or to the returnTo of the server's JSON answer", async () => {
    const script = await (await h.request('/auth/email/confirm.js')).text();
    const targets = [
      ...script.matchAll(/location\.(?:replace|assign)\(([^)]*)\)|location(?:\.href)?\s*=\s*([^;]+)/g),
    ].map((m) => (m[1] ?? m[2])!.trim());
    expect(targets.length).toBeGreaterThan(0);
    const serverAnswer = "body && typeof body.returnTo === 'string' ? body.returnTo : '/'";
    for (const t of targets) if (t !== serverAnswer) expect(t).toMatch(/^'\/(?:[^/\\'][^']*)?'$/);
    // The answer it reads is the verify's session response: returnTo there was checked when stored.
    expect(script).toContain("fetch('/auth/email/verify'");
  });

  it('the front end reads returnTo only in lib/return-to.ts and otherwise navigates only to literal same-origin paths (source check of web/src)', () => {
    const root = path.resolve(import.meta.dirname, '../../web/src');
    const files = walk(root).filter((f) => /\.(tsx?|jsx?)$/.test(f) && !/\.test\./.test(f));
    expect(files.length).toBeGreaterThan(5);
    const sameOriginLiteral = /^(['"`])\/(?![/\\])[^'"`$]*\1$/;
    const problems: string[] = [];
    for (const file of files) {
      const source = fs.readFileSync(file, 'utf8');
      const rel = path.relative(root, file);
      // The one module allowed to read returnTo and leave the app; it follows only the server's answer.
      const returnToModule = rel === path.join('lib', 'return-to.ts');
      const allowedParam = (name: string) => name === 'token' || (returnToModule && name === 'returnTo');
      // Query/fragment parameters read from the URL: only the emailed link's token, and returnTo in lib/return-to.ts.
      for (const m of source.matchAll(/URLSearchParams\([^)]*\)\.get\(\s*(['"])([^'"]+)\1/g))
        if (!allowedParam(m[2]!)) problems.push(`${rel}: reads URL parameter "${m[2]}"`);
      for (const m of source.matchAll(/searchParams\.get\(\s*(['"])([^'"]+)\1/g))
        if (!allowedParam(m[2]!)) problems.push(`${rel}: reads URL parameter "${m[2]}"`);
      if (returnToModule) {
        // It follows what GET /auth/return-to answered (body.returnTo), never the raw parameter.
        expect(source).toMatch(/if \(response\.ok && typeof body\?\.returnTo === 'string'\) write\(body\.returnTo\)/);
        expect(source).toContain('/auth/return-to?');
      }
      // Navigation by the router: a literal path on this origin (the router's own definition and Link pass through `to`/`href`).
      for (const m of source.matchAll(/\bnavigate\(\s*([^,)]+)/g)) {
        const arg = m[1]!.trim();
        if (rel === 'router.tsx' && (arg === 'to: string' || arg === 'href')) continue;
        if (returnToModule && (arg === 'to' || arg === 'fallback')) continue;
        if (!sameOriginLiteral.test(arg)) problems.push(`${rel}: navigate(${arg})`);
      }
      for (const m of source.matchAll(/\bhref=\{?\s*([^\s}>]+)/g))
        if (!sameOriginLiteral.test(m[1]!) && !(rel === 'router.tsx' && m[1] === 'href'))
          problems.push(`${rel}: href=${m[1]}`);
      // Full-page navigation and new windows: none at all.
      for (const m of source.matchAll(
        /\b(?:location\.(?:assign|replace)\(|location\.href\s*=(?!=)|window\.location\s*=(?!=)|window\.open\()/g,
      ))
        if (!(returnToModule && m[0] === 'location.replace(')) problems.push(`${rel}: ${m[0]}`);
      // finishSignIn's fallback, when a page gives one, is a literal path too.
      for (const m of source.matchAll(/finishSignIn\(\{[^}]*fallback:\s*([^,}]+)/g))
        if (!sameOriginLiteral.test(m[1]!.trim())) problems.push(`${rel}: fallback ${m[1]}`);
      // The History API only inside the router (which is given the literal paths checked above).
      if (rel !== 'router.tsx')
        for (const m of source.matchAll(/\bhistory\.(?:push|replace)State\(/g)) problems.push(`${rel}: ${m[0]}`);
    }
    // If this fails because a return parameter was added: accept only same-origin paths ("/x", not
    // "//x", "/\x", "https:x" or "javascript:x"), test that here, and update this check.
    expect(problems).toEqual([]);
  });
});

/**
 * For each state-changing route, a builder of one request that succeeds (2xx) when sent as is;
 * each call prepares a fresh one (a new session, challenge, link or passkey).
 */
const BOOTSTRAP_SECRET = 'cross-site-bootstrap-secret-0123456789abcdef';

function successfulRequests(h: Harness): Record<string, () => Promise<Wire>> {
  const origin = h.config.publicUrl;
  let n = 0;
  const unique = () => `cross-site-${n++}@example.com`;
  const json: [string, string] = ['content-type', 'application/json'];
  const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`];
  const post = (path: string, body: unknown, headers: [string, string][] = []): Wire => ({
    method: 'POST',
    path,
    headers: [json, ...headers],
    body: JSON.stringify(body),
  });
  /** An account (address proved) with one passkey. */
  const signUp = async () => {
    const device = new SoftAuthenticator();
    const { accessToken } = await h.signIn(unique());
    const options = (await (
      await h.request('/auth/passkeys/register/options', { body: {}, token: accessToken })
    ).json()) as PublicKeyCredentialCreationOptionsJSON;
    const response = device.createCredential({ options, origin });
    const res = await h.request('/auth/passkeys/register/verify', { body: { response }, token: accessToken });
    expect(res.status).toBe(201);
    return { device, id: response.id, accessToken };
  };
  /** A session response to a browser: its DBSC registration offer and the session. */
  const offered = async () => {
    const signedIn = await h.signIn();
    const res = await send(
      h,
      post('/auth/refresh', {}, [
        ['cookie', `__Host-sesame_refresh=${signedIn.refreshToken}`],
        ['sec-fetch-mode', 'cors'],
      ]),
    );
    return { signedIn, offer: parseRegistrationOffer(res.headers.get('secure-session-registration'))! };
  };
  /** Chromium's DBSC requests: no body, no Content-Type. */
  const dbsc = (path: string, headers: [string, string][]): Wire => ({ method: 'POST', path, headers });
  const adminKey = async () =>
    (await createAdminKey(h.deps, { name: `cross-site-${n++}`, scopes: ['users:write'], createdBy: 'cli' }))!.key;
  const adminTarget = async () => ({ key: await adminKey(), userId: (await h.signIn()).user.id });
  return {
    'POST /auth/dbsc/register': async () => {
      const { offer } = await offered();
      return dbsc('/auth/dbsc/register', [
        ['secure-session-response', registrationProof(generateDbscKey(), offer.challenge)],
      ]);
    },
    'POST /auth/dbsc/refresh': async () => {
      const { signedIn, offer } = await offered();
      const key = generateDbscKey();
      await send(
        h,
        dbsc('/auth/dbsc/register', [['secure-session-response', registrationProof(key, offer.challenge)]]),
      );
      const sid: [string, string] = ['sec-secure-session-id', signedIn.session.id];
      const { challenge } = parseChallengeHeader(
        (await send(h, dbsc('/auth/dbsc/refresh', [sid]))).headers.get('secure-session-challenge'),
      )!;
      return dbsc('/auth/dbsc/refresh', [sid, ['secure-session-response', refreshProof(key, challenge)]]);
    },
    'POST /admin/users/:id/disable': async () => {
      const { key, userId } = await adminTarget();
      return post(`/admin/users/${userId}/disable`, {}, [bearer(key)]);
    },
    'POST /admin/users/:id/enable': async () => {
      const { key, userId } = await adminTarget();
      return post(`/admin/users/${userId}/enable`, {}, [bearer(key)]);
    },
    'DELETE /admin/users/:id': async () => {
      const { key, userId } = await adminTarget();
      return { method: 'DELETE', path: `/admin/users/${userId}`, headers: [bearer(key)] };
    },
    'DELETE /admin/users/:id/sessions': async () => {
      const { key, userId } = await adminTarget();
      return { method: 'DELETE', path: `/admin/users/${userId}/sessions`, headers: [bearer(key)] };
    },
    'POST /admin/bootstrap': async () => {
      // The exchange works only while no admin key exists.
      h.sqlite.sqlite.prepare('DELETE FROM admin_keys').run();
      return post('/admin/bootstrap', { name: `bootstrap-${n++}` }, [bearer(BOOTSTRAP_SECRET)]);
    },
    'POST /auth/refresh': async () =>
      post('/auth/refresh', {}, [['cookie', `__Host-sesame_refresh=${(await h.signIn()).refreshToken}`]]),
    'POST /auth/logout': async () =>
      post('/auth/logout', {}, [['cookie', `__Host-sesame_refresh=${(await h.signIn()).refreshToken}`]]),
    'POST /auth/logout-all': async () => post('/auth/logout-all', {}, [bearer((await h.signIn()).accessToken)]),
    'DELETE /auth/sessions/:id': async () => {
      const s = await h.signIn();
      return { method: 'DELETE', path: `/auth/sessions/${s.session.id}`, headers: [bearer(s.accessToken)] };
    },
    'POST /auth/email/start': async () => post('/auth/email/start', { email: unique() }),
    'POST /auth/email/verify': async () => {
      const email = unique();
      expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
      const { messages } = (await (await h.request('/dev/outbox')).json()) as {
        messages: { to: string; text: string }[];
      };
      const token = /token=([A-Za-z0-9_-]+)/.exec(messages.find((m) => m.to === email)!.text)![1]!;
      return post('/auth/email/verify', { token });
    },
    'POST /auth/passkeys/register/options': async () =>
      post('/auth/passkeys/register/options', {}, [bearer((await h.signIn()).accessToken)]),
    'POST /auth/passkeys/register/verify': async () => {
      const { accessToken } = await h.signIn();
      const options = (await (
        await h.request('/auth/passkeys/register/options', { body: {}, token: accessToken })
      ).json()) as PublicKeyCredentialCreationOptionsJSON;
      return post(
        '/auth/passkeys/register/verify',
        { response: new SoftAuthenticator().createCredential({ options, origin }) },
        [bearer(accessToken)],
      );
    },
    'POST /auth/email/change': async () =>
      post('/auth/email/change', { email: unique() }, [bearer((await h.signIn()).accessToken)]),
    'POST /auth/email/change/verify': async () => {
      const email = unique();
      expect(
        (await h.request('/auth/email/change', { body: { email }, token: (await h.signIn()).accessToken })).status,
      ).toBe(202);
      const { messages } = (await (await h.request('/dev/outbox')).json()) as {
        messages: { to: string; text: string }[];
      };
      const token = /token=([A-Za-z0-9_-]+)/.exec(messages.find((m) => m.to === email)!.text)![1]!;
      return post('/auth/email/change/verify', { token });
    },
    'DELETE /api/me': async () => ({
      method: 'DELETE',
      path: '/api/me',
      headers: [bearer((await h.signIn()).accessToken)],
    }),
    'POST /auth/passkeys/login/options': async () => post('/auth/passkeys/login/options', {}),
    'POST /auth/passkeys/login/verify': async () => {
      const { device, id } = await signUp();
      const options = (await (
        await h.request('/auth/passkeys/login/options', { body: {} })
      ).json()) as PublicKeyCredentialRequestOptionsJSON;
      return post('/auth/passkeys/login/verify', {
        response: device.getAssertion({ options, origin, credentialId: id }),
      });
    },
    'PATCH /auth/passkeys/:id': async () => {
      const { id, accessToken } = await signUp();
      return {
        method: 'PATCH',
        path: `/auth/passkeys/${id}`,
        headers: [json, bearer(accessToken)],
        body: JSON.stringify({ name: 'Renamed' }),
      };
    },
    'DELETE /auth/passkeys/:id': async () => {
      // A verified account may delete its only passkey (its address is another way in).
      const s = await h.signIn();
      const options = (await (
        await h.request('/auth/passkeys/register/options', { body: {}, token: s.accessToken })
      ).json()) as PublicKeyCredentialCreationOptionsJSON;
      const response = new SoftAuthenticator().createCredential({ options, origin });
      expect(
        (await h.request('/auth/passkeys/register/verify', { body: { response }, token: s.accessToken })).status,
      ).toBe(201);
      return { method: 'DELETE', path: `/auth/passkeys/${response.id}`, headers: [bearer(s.accessToken)] };
    },
  };
}

function stateChanging(h: Harness): Route[] {
  return appRoutes(h.app).filter(
    (r) => r.method === 'POST' || r.method === 'PATCH' || r.method === 'DELETE' || r.method === 'PUT',
  );
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
