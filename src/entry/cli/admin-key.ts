/**
 * npm run admin:key -- create --name NAME [--scopes users:read,users:write,metrics:read]
 * npm run admin:key -- list
 * npm run admin:key -- revoke ID_OR_NAME
 *
 * Works on the database at DATABASE_PATH (the server may be running: SQLite handles both).
 * `create` prints the key alone on its last line; only its hash is stored, so it is never shown again.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../../lib/config.js';
import { openSqlite } from '../../db/better-sqlite3.js';
import { createAdminKey, listAdminKeys, parseScopes, revokeAdminKey } from '../../admin/admin-keys.js';
import { AuthError } from '../../auth/errors.js';

const usage = `Usage:
  npm run admin:key -- create --name NAME [--scopes users:read,users:write,metrics:read]
  npm run admin:key -- list
  npm run admin:key -- revoke ID_OR_NAME`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' } } });
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`);
  }
})();
const [command, ...rest] = positionals;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

const config = parseConfig(process.env);
const sqlite = openSqlite({ path: config.databasePath });
const deps = { db: sqlite.db, clock: Date.now };
try {
  if (command === 'create') {
    if (!values.name) fail(`create needs --name\n${usage}`);
    const made = await createAdminKey(deps, {
      name: values.name,
      scopes: parseScopes(values.scopes),
      createdBy: 'cli',
    });
    console.log(
      `Admin key "${made!.record.name}" (sak_${made!.record.id}) with scopes ${made!.record.scopes.join(',')}.`,
    );
    console.log('Store it now: only its hash is kept, it cannot be shown again.');
    console.log(made!.key);
  } else if (command === 'list') {
    const keys = await listAdminKeys(sqlite.db);
    if (keys.length === 0) console.log('No admin keys. Make one with: npm run admin:key -- create --name NAME');
    for (const k of keys) {
      console.log(
        [
          `sak_${k.id}`,
          k.name,
          k.scopes.join(','),
          `created ${iso(k.createdAt)} (${k.createdBy})`,
          `last used ${iso(k.lastUsedAt)}`,
          k.revokedAt === null ? 'live' : `revoked ${iso(k.revokedAt)}`,
        ].join('\t'),
      );
    }
  } else if (command === 'revoke') {
    if (rest.length !== 1) fail(`revoke needs one key id (sak_…) or name\n${usage}`);
    const revoked = await revokeAdminKey(deps, rest[0]!);
    if (!revoked) fail(`No live admin key with id or name ${JSON.stringify(rest[0])}`);
    console.log(`Revoked admin key "${revoked.name}" (sak_${revoked.id}).`);
  } else {
    fail(usage);
  }
} catch (err) {
  if (err instanceof AuthError) fail(err.message);
  throw err;
} finally {
  sqlite.close();
}
