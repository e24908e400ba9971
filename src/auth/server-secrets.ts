/**
 * Secrets the server keys its own hashes with:
 * - the HMAC key of emailed link tokens and codes (magic-links.ts), so that a reader of
 *   `email_tokens` cannot test the 10^6 possible codes of a row offline;
 * - the MAC key of self-describing refresh tokens (refresh-tokens.ts), so that a token of an older
 *   generation is known to be ours (reuse) without a stored row, and a copy of the database alone
 *   forges none.
 *
 * - With SIGNING_KEY_SECRET (always in production): HKDF-SHA-256 of it with this use's own label,
 *   never stored. Changing the secret makes pending links and codes dead (they live minutes).
 * - Without it (development only): 256 random bits generated once and kept in `server_secrets`,
 *   like the unsealed development signing keys. Instances racing to create it agree (INSERT OR
 *   IGNORE, then read back).
 * Runtime-neutral: no node:* import.
 */
import { eq } from 'drizzle-orm';
import type { Config } from '../lib/config.js';
import type { Db } from '../db/db.js';
import { serverSecrets } from '../db/schema.js';
import { base64UrlToBytes, bytesToBase64Url } from '../lib/encoding.js';
import { hkdfSha256, randomBytes } from '../lib/crypto.js';

const EMAIL_TOKEN_KEY = { label: 'sesame email token hmac v1', row: 'email_token_hmac_v1' } as const;
const REFRESH_TOKEN_KEY = { label: 'sesame refresh token mac v1', row: 'refresh_token_mac' } as const;

export class ServerSecrets {
  private emailTokenKeyLoad: Promise<Uint8Array> | null = null;
  private refreshTokenKeyLoad: Promise<Uint8Array> | null = null;

  constructor(private readonly deps: { db: Db; config: Config; clock: () => number }) {}

  /** The HMAC key for link tokens and codes; loaded once per process or isolate. */
  emailTokenKey(): Promise<Uint8Array> {
    this.emailTokenKeyLoad ??= this.load(EMAIL_TOKEN_KEY).catch((err) => {
      this.emailTokenKeyLoad = null;
      throw err;
    });
    return this.emailTokenKeyLoad;
  }

  /** The MAC key of self-describing refresh tokens; loaded once per process or isolate. */
  refreshTokenKey(): Promise<Uint8Array> {
    this.refreshTokenKeyLoad ??= this.load(REFRESH_TOKEN_KEY).catch((err) => {
      this.refreshTokenKeyLoad = null;
      throw err;
    });
    return this.refreshTokenKeyLoad;
  }

  private async load({ label, row }: { label: string; row: string }): Promise<Uint8Array> {
    const { db, config, clock } = this.deps;
    if (config.signingKeySecret) return hkdfSha256(config.signingKeySecret, label);
    // parseConfig requires the secret in production; a generated key belongs to development only.
    if (config.production) throw new Error('SIGNING_KEY_SECRET is required in production');
    await db.orm
      .insert(serverSecrets)
      .values({ name: row, value: bytesToBase64Url(randomBytes(32)), createdAt: clock() })
      .onConflictDoNothing({ target: serverSecrets.name });
    const [stored] = await db.orm
      .select({ value: serverSecrets.value })
      .from(serverSecrets)
      .where(eq(serverSecrets.name, row));
    const key = stored ? base64UrlToBytes(stored.value) : null;
    if (key?.length !== 32) throw new Error(`server secret ${row} is unreadable`);
    return key;
  }
}
