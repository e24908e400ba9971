/**
 * `npm run db:backup` while a real server serves under load, then `npm run db:restore` into a new
 * directory and a new server: the sessions, passkeys and admin keys made before still work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import { startTestServer, type TestServer } from './helpers/node-server.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-backup-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function addPasskey(s: TestServer, accessToken: string) {
  const device = new SoftAuthenticator();
  const options = await (
    await s.fetch('/auth/passkeys/register/options', { method: 'POST', token: accessToken, json: {} })
  ).json();
  const response = device.createCredential({ options: options as never, origin: s.server.deps.config.publicUrl });
  expect(
    (await s.fetch('/auth/passkeys/register/verify', { method: 'POST', token: accessToken, json: { response } }))
      .status,
  ).toBe(201);
  return device;
}

async function passkeySignIn(s: TestServer, device: SoftAuthenticator) {
  const options = await (await s.fetch('/auth/passkeys/login/options', { method: 'POST', json: {} })).json();
  const assertion = device.getAssertion({ options: options as never, origin: s.server.deps.config.publicUrl });
  return s.fetch('/auth/passkeys/login/verify', { method: 'POST', json: { response: assertion } });
}

describe('backup and restore', () => {
  it('backs up under load; a new server on the restored file honours every session, passkey and key', async () => {
    const publicUrl = 'http://localhost:3999';
    const first = await startTestServer({
      dir: fs.mkdtempSync(path.join(scratch, 'a-')),
      env: { PUBLIC_URL: publicUrl },
    });
    let second: TestServer | undefined;
    try {
      const key = await first.createAdminKey('ops');
      const people = [];
      for (let i = 0; i < 3; i++) {
        const session = await first.signInByEmail(`kept-${i}@example.com`);
        people.push({ ...session, device: await addPasskey(first, session.accessToken) });
      }

      // Load: sign-ins and refreshes keep writing while the backup runs.
      let stop = false;
      let writes = 0;
      const load = Array.from({ length: 3 }, async (_, worker) => {
        for (let n = 0; !stop; n++) {
          const s = await first.signInByEmail(`load-${worker}-${n}@example.com`);
          const refreshed = await first.fetch('/auth/refresh', {
            method: 'POST',
            json: {},
            headers: { cookie: `__Host-sesame_refresh=${s.refresh}` },
          });
          expect(refreshed.status).toBe(200);
          writes++;
        }
      });
      while (writes < 3) await new Promise((r) => setTimeout(r, 20));
      const file = path.join(scratch, 'sesame-backup.db');
      const writesBefore = writes;
      const { stdout } = await first.cli('db:backup', file);
      expect(stdout).toMatch(/integrity ok/);
      const writesDuring = writes - writesBefore;
      stop = true;
      await Promise.all(load);
      // The server went on answering sign-ins and refreshes while the copy was taken.
      expect(writesDuring).toBeGreaterThan(0);
      expect((await first.fetch('/healthz')).status).toBe(200);
      await first.close();

      const restoredDir = fs.mkdtempSync(path.join(scratch, 'b-'));
      const restoreEnv = { ...first.env, DATABASE_PATH: path.join(restoredDir, 'sesame.db') };
      const { execFile } = await import('node:child_process');
      const restored = await new Promise<string>((resolve, reject) =>
        execFile(
          'npm',
          ['run', '-s', 'db:restore', '--', file],
          {
            cwd: path.resolve(import.meta.dirname, '..'),
            env: { PATH: process.env.PATH!, HOME: scratch, ...restoreEnv },
          },
          (err, out) => (err ? reject(err) : resolve(out)),
        ),
      );
      expect(restored).toContain('Restored');

      second = await startTestServer({ dir: restoredDir, env: { PUBLIC_URL: publicUrl } });
      expect((await second.fetch('/healthz')).status).toBe(200);
      expect((await second.fetch('/admin/users?query=kept-', { token: key })).status).toBe(200);
      const listed = (await (await second.fetch('/admin/users?query=kept-', { token: key })).json()) as {
        users: { id: string; passkeys: number }[];
      };
      expect(listed.users.map((u) => u.passkeys)).toEqual([1, 1, 1]);
      for (const person of people) {
        // The access token verifies against the restored signing keys; its session lives.
        expect((await second.fetch('/api/me', { token: person.accessToken })).status).toBe(200);
        const refreshed = await second.fetch('/auth/refresh', {
          method: 'POST',
          json: {},
          headers: { cookie: `__Host-sesame_refresh=${person.refresh}` },
        });
        expect(refreshed.status).toBe(200);
        expect((await passkeySignIn(second, person.device)).status).toBe(200);
      }
      const integrity = second.server.sqlite.sqlite.pragma('integrity_check', { simple: true });
      expect(integrity).toBe('ok');
    } finally {
      await second?.close();
    }
  }, 180_000);

  it('refuses to overwrite a database without --force, and a file that is not a sound database', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'c-'));
    const s = await startTestServer({ dir });
    await s.close();
    const bogus = path.join(scratch, 'bogus.db');
    fs.writeFileSync(bogus, 'not a database at all'.repeat(100));
    await expect(s.cli('db:restore', bogus)).rejects.toMatchObject({
      stderr: expect.stringMatching(/file is not a database|integrity/),
    });
    const copy = path.join(scratch, 'copy.db');
    await s.cli('db:backup', copy);
    await expect(s.cli('db:backup', copy)).rejects.toMatchObject({ stderr: expect.stringContaining('exists already') });
    await expect(s.cli('db:restore', copy)).rejects.toMatchObject({ stderr: expect.stringContaining('--force') });
    expect((await s.cli('db:restore', copy, '--force')).stdout).toContain('Restored');
  }, 120_000);
});
