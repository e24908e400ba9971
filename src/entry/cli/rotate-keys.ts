/** npm run keys:rotate — a new signing key takes over; old keys stay in the JWKS until their tokens expire. */
import { parseConfig } from '../../lib/config.js';
import { openSqlite } from '../../db/better-sqlite3.js';
import { createJsonLogger } from '../../lib/log.js';
import { rotateSigningKey } from '../../auth/sessions/signing-keys.js';

const config = parseConfig(process.env);
const sqlite = openSqlite({ path: config.databasePath });
const kid = await rotateSigningKey({ db: sqlite.db, config, clock: Date.now, logger: createJsonLogger() }, 'manual');
sqlite.close();
console.log(`New signing key ${kid} is active. Other instances pick it up within a minute.`);
