/**
 * better-auth, configured as a passwordless service comparable to Sesame: email, magic-link
 * (tokens stored hashed, as Sesame stores them), JWT (ES256, as Sesame signs) and, when it is
 * installed, passkey plugins, on its own better-sqlite3 file, served by its documented Node
 * integration (toNodeHandler) on 127.0.0.1. Rate limiting is off (the benchmark sets Sesame's
 * limits out of reach too).
 *
 * Env: PORT, DATABASE_PATH, BETTER_AUTH_SECRET, PUBLIC_URL. BENCH_MIGRATE_ONLY=1 creates the
 * schema and exits (the runner seeds the file afterwards).
 */
import http from 'node:http';
import Database from 'better-sqlite3';
import { loadBenchPackage as load } from './lib/bench-deps.js';

/** The few better-auth entry points used here (bench-only dependency: imported by name). */
type Plugin = { id: string };
interface Auth {
  options: unknown;
  api: { getJwks(): Promise<unknown> };
}
const { betterAuth } = (await load('better-auth')) as { betterAuth: (options: Record<string, unknown>) => Auth };
const { getMigrations } = (await load('better-auth/db/migration')) as {
  getMigrations: (options: unknown) => Promise<{ runMigrations(): Promise<void> }>;
};
const { toNodeHandler } = (await load('better-auth/node')) as {
  toNodeHandler: (auth: Auth) => (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
};
const { jwt, magicLink } = (await load('better-auth/plugins')) as {
  jwt: (o: Record<string, unknown>) => Plugin;
  magicLink: (o: Record<string, unknown>) => Plugin;
};

const port = Number(process.env.PORT ?? 0);
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;

const db = new Database(process.env.DATABASE_PATH ?? ':memory:');
// better-auth leaves pragmas to the application: the same WAL + NORMAL as Sesame and the floor.
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');

const plugins: Plugin[] = [
  // BENCH_BA_JWT_HEADER=off: get-session without the JWT plugin's set-auth-jwt header (a JWT signed per call).
  jwt({
    jwks: { keyPairConfig: { alg: 'ES256' } },
    disableSettingJwtHeader: process.env.BENCH_BA_JWT_HEADER === 'off',
  }),
  magicLink({ storeToken: 'hashed', sendMagicLink: async () => {} }),
];
/** @better-auth/passkey only when installed (its versions trail better-auth's). */
let passkeyPlugin = 'not installed';
try {
  const { passkey } = (await load('@better-auth/passkey')) as { passkey: (o: Record<string, string>) => Plugin };
  plugins.push(passkey({ rpID: new URL(publicUrl).hostname, rpName: 'Bench', origin: publicUrl }));
  passkeyPlugin = 'loaded';
} catch {
  /* left out */
}

const options = {
  database: db,
  baseURL: publicUrl,
  secret: process.env.BETTER_AUTH_SECRET,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins,
};
const auth = betterAuth(options);

if (process.env.BENCH_MIGRATE_ONLY === '1') {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  // Touch the JWT plugin once so its signing key exists before seeding.
  await auth.api.getJwks();
  db.close();
  console.log(JSON.stringify({ migrated: true, passkeyPlugin }));
  process.exit(0);
}

const handler = toNodeHandler(auth);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  void handler(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () =>
  console.log(`better-auth listening on http://127.0.0.1:${port} (passkey plugin ${passkeyPlugin})`),
);
const stop = () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
