import { describe, expect, it } from 'vitest';
import { createPendingEmail, formatCountdown, resendDelayMs } from './pending-email.js';

function tab() {
  const store = new Map<string, string>();
  let now = 1_000_000;
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  return {
    pending: createPendingEmail(storage, () => now),
    store,
    advance: (ms: number) => void (now += ms),
    now: () => now,
  };
}

describe('the email a tab waits for', () => {
  it('survives a reload (a second reader of the same storage) with its address, kind and next send time', () => {
    const t = tab();
    t.pending.started('ada@example.com', 'sign_up');
    const again = createPendingEmail(
      { getItem: (k) => t.store.get(k) ?? null, setItem: () => {}, removeItem: () => {} },
      t.now,
    );
    expect(again.read()).toEqual({
      email: 'ada@example.com',
      kind: 'sign_up',
      sentAt: 1_000_000,
      sends: 1,
      nextSendAt: 1_030_000,
      limited: false,
    });
  });

  it('waits longer before each new send, up to five minutes', () => {
    expect([1, 2, 3, 4, 5, 9].map(resendDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    const t = tab();
    let p = t.pending.started('ada@example.com', 'sign_in');
    t.advance(30_000);
    p = t.pending.resent(p);
    expect(p).toMatchObject({ sends: 2, sentAt: 1_030_000, nextSendAt: 1_090_000, limited: false });
  });

  it('takes the server’s Retry-After when it refuses (429), and says the wait is a limit', () => {
    const t = tab();
    const p = t.pending.limited(t.pending.started('ada@example.com', 'sign_in'), 600);
    expect(p).toMatchObject({ limited: true, nextSendAt: 1_000_000 + 600_000, sentAt: 1_000_000, sends: 1 });
  });

  it('forgets a wait after half an hour, a cleared one, and anything garbled', () => {
    const t = tab();
    t.pending.started('ada@example.com', 'sign_in');
    t.advance(30 * 60_000 + 1);
    expect(t.pending.read()).toBeNull();
    t.pending.started('ada@example.com', 'sign_in');
    t.pending.clear();
    expect(t.pending.read()).toBeNull();
    t.store.set('sesame-pending-email', '{"email": 42}');
    expect(t.pending.read()).toBeNull();
    t.store.set('sesame-pending-email', 'not json');
    expect(t.pending.read()).toBeNull();
  });

  it('shows the countdown as minutes and seconds, rounding up', () => {
    expect([0, 1, 999, 27_000, 245_000, -5].map(formatCountdown)).toEqual([
      '0:00',
      '0:01',
      '0:01',
      '0:27',
      '4:05',
      '0:00',
    ]);
  });
});
