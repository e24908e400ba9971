import { describe, expect, it } from 'vitest';
import { createReturnTo, type ReturnToDeps } from './return-to.js';

/** A tab: its sessionStorage, its URL, where it went; the server's answer to GET /auth/return-to. */
function tab({
  search = '',
  accepts = (raw: string): string | null => (raw.startsWith('https://app.example.com/') ? raw : null),
} = {}) {
  const store = new Map<string, string>();
  const went: { left?: string; navigated?: { to: string; state: unknown } } = {};
  const asked: string[] = [];
  let now = 1_000_000;
  const deps: ReturnToDeps = {
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
      removeItem: (k) => void store.delete(k),
    },
    fetch: async (input) => {
      const raw = new URL(input, 'http://sesame.test').searchParams.get('returnTo')!;
      asked.push(raw);
      const ok = accepts(raw);
      return ok
        ? new Response(JSON.stringify({ returnTo: ok }), { status: 200 })
        : new Response(JSON.stringify({ error: { code: 'INVALID_REQUEST', message: 'returnTo must be on …' } }), {
            status: 400,
          });
    },
    leave: (url) => void (went.left = url),
    navigate: (to, { state }) => void (went.navigated = { to, state }),
    now: () => now,
    search: () => search,
  };
  return { deps, went, asked, store, advance: (ms: number) => void (now += ms) };
}

describe('returnTo on the pages', () => {
  it('keeps an accepted ?returnTo= and leaves for the URL the server answered when the sign-in finishes', async () => {
    const t = tab({
      search: '?returnTo=https%3A%2F%2Fapp.example.com%2Fnotes',
      accepts: (raw) => (raw === 'https://app.example.com/notes' ? `${raw}?checked` : null),
    });
    const returnTo = createReturnTo(t.deps);
    await returnTo.capture();
    expect(t.asked).toEqual(['https://app.example.com/notes']);
    expect(await returnTo.pending()).toBe('https://app.example.com/notes?checked');
    await returnTo.finish({ state: { notice: 'hi' } });
    expect(t.went).toEqual({ left: 'https://app.example.com/notes?checked' });
    // Used once: the next sign-in in this tab ends on the account page.
    await returnTo.finish();
    expect(t.went.navigated).toEqual({ to: '/account', state: {} });
  });

  it('never follows a value the server refused', async () => {
    const t = tab({ search: '?returnTo=https%3A%2F%2Fevil.example%2F' });
    const returnTo = createReturnTo(t.deps);
    await returnTo.capture();
    expect(await returnTo.pending()).toBeUndefined();
    await returnTo.finish({ state: { notice: 'Signed in' } });
    expect(t.went).toEqual({ navigated: { to: '/account', state: { notice: 'Signed in' } } });
  });

  it('waits for the check before finishing, so a fast sign-in still returns to the app', async () => {
    const t = tab({ search: '?returnTo=https%3A%2F%2Fapp.example.com%2Fx' });
    const returnTo = createReturnTo(t.deps);
    void returnTo.capture();
    await returnTo.finish();
    expect(t.went.left).toBe('https://app.example.com/x');
  });

  it('keeps a returnTo handed back by a verify (a link opened in a new tab), and drops one older than an hour', async () => {
    const t = tab();
    const returnTo = createReturnTo(t.deps);
    returnTo.keep(undefined);
    expect(await returnTo.pending()).toBeUndefined();
    returnTo.keep('https://app.example.com/from-link');
    expect(await returnTo.pending()).toBe('https://app.example.com/from-link');
    t.advance(61 * 60_000);
    await returnTo.finish({ fallback: '/account' });
    expect(t.went).toEqual({ navigated: { to: '/account', state: {} } });
  });

  it('a refused ?returnTo= also forgets one kept earlier in the tab', async () => {
    const first = tab();
    const earlier = createReturnTo(first.deps);
    earlier.keep('https://app.example.com/old');
    const later = createReturnTo({ ...first.deps, search: () => '?returnTo=javascript%3Aalert(1)' });
    await later.capture();
    expect(await later.pending()).toBeUndefined();
  });
});
