import { describe, expect, it } from 'vitest';
import { createDeviceMemory } from './device-memory.js';

function device() {
  const store = new Map<string, string>();
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  return { memory: createDeviceMemory(storage), store };
}

describe('what this device remembers', () => {
  it('remembers the last address and method, and forgets them on "Not you?"', () => {
    const d = device();
    expect(d.memory.lastSignIn()).toEqual({});
    d.memory.rememberSignIn('email', 'ada@example.com');
    d.memory.rememberSignIn('passkey');
    expect(d.memory.lastSignIn()).toEqual({ email: 'ada@example.com', method: 'passkey' });
    d.memory.declineOffer('user-1');
    d.memory.forgetSignIn();
    expect(d.memory.lastSignIn()).toEqual({});
    expect(d.memory.offerDeclined('user-1')).toBe(true);
  });

  it('remembers "Not now" per account until a passkey is added, keeping at most 20 accounts', () => {
    const d = device();
    d.memory.declineOffer('a');
    expect(d.memory.offerDeclined('a')).toBe(true);
    expect(d.memory.offerDeclined('b')).toBe(false);
    d.memory.clearDeclined('a');
    expect(d.memory.offerDeclined('a')).toBe(false);
    for (let i = 0; i < 25; i++) d.memory.declineOffer(`u${i}`);
    expect(d.memory.offerDeclined('u24')).toBe(true);
    expect(d.memory.offerDeclined('u0')).toBe(false);
  });

  it('never stores anything but what it was told, and survives garbled or missing storage', () => {
    const d = device();
    d.store.set('sesame-device', '{"email": 42, "method": "password", "offerDeclined": [1, "x"]}');
    expect(d.memory.lastSignIn()).toEqual({});
    expect(d.memory.offerDeclined('x')).toBe(true);
    d.store.set('sesame-device', '][');
    expect(d.memory.lastSignIn()).toEqual({});
    const none = createDeviceMemory(null);
    none.rememberSignIn('email', 'ada@example.com');
    expect(none.lastSignIn()).toEqual({});
  });
});
