/**
 * The bare floor's schema: the fewest tables and indexes that can do Sesame's four hot
 * operations. Secrets are stored as 32-byte SHA-256 blobs. Shared by bench/floor-server.ts (which
 * creates it at start) and the runner's seeding (bench/lib/seed.ts).
 */
import type Database from 'better-sqlite3';

export const FLOOR_DDL = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  email_verified INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash BLOB PRIMARY KEY,
  session_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  rotated_at INTEGER
);
CREATE TABLE IF NOT EXISTS passkeys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  public_key BLOB NOT NULL,
  counter INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
  hash BLOB PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS email_tokens (
  hash BLOB PRIMARY KEY,
  email TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  consumed_at INTEGER
);
`;

/** WAL with synchronous=NORMAL, as Sesame ships. */
export function prepareFloorDb(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(FLOOR_DDL);
}
