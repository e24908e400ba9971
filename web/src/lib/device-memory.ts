/**
 * What this device remembers between visits (localStorage), so a returning person is met where
 * they left off: the last address and sign-in method used here (the address pre-filled, the method
 * suggested), and the passkey offers this device declined ("Not now", per account).
 *
 * Never a token or a code: only what the person typed or chose. Every read tolerates a missing or
 * garbled entry (another version, private mode, a full disk) by remembering nothing.
 */

export type SignInMethod = 'passkey' | 'email';

export interface DeviceMemoryData {
  email?: string;
  method?: SignInMethod;
  /** User ids whose passkey offer was declined on this device. */
  offerDeclined?: string[];
}

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const KEY = 'sesame-device';
/** A device shared by many people should not keep a long list. */
const MAX_DECLINED = 20;

export function createDeviceMemory(storage: Store | null) {
  function read(): DeviceMemoryData {
    try {
      const raw = storage?.getItem(KEY);
      const parsed = raw ? (JSON.parse(raw) as unknown) : null;
      if (!parsed || typeof parsed !== 'object') return {};
      const { email, method, offerDeclined } = parsed as Record<string, unknown>;
      return {
        ...(typeof email === 'string' && email.length <= 512 ? { email } : {}),
        ...(method === 'passkey' || method === 'email' ? { method } : {}),
        ...(Array.isArray(offerDeclined)
          ? { offerDeclined: offerDeclined.filter((id): id is string => typeof id === 'string') }
          : {}),
      };
    } catch {
      return {};
    }
  }

  function write(data: DeviceMemoryData): void {
    try {
      storage?.setItem(KEY, JSON.stringify(data));
    } catch {
      // Nothing kept is a fine outcome: the next visit starts fresh.
    }
  }

  return {
    /** The last sign-in on this device: its address (if known) and method. */
    lastSignIn(): { email?: string; method?: SignInMethod } {
      const { email, method } = read();
      return { ...(email ? { email } : {}), ...(method ? { method } : {}) };
    },
    rememberSignIn(method: SignInMethod, email?: string): void {
      const data = read();
      write({ ...data, method, ...(email ? { email } : {}) });
    },
    /** "Not you?": the address and method are forgotten (declined offers stay, they are per account). */
    forgetSignIn(): void {
      const { offerDeclined } = read();
      write(offerDeclined ? { offerDeclined } : {});
    },
    offerDeclined(userId: string): boolean {
      return read().offerDeclined?.includes(userId) ?? false;
    },
    declineOffer(userId: string): void {
      const data = read();
      const declined = [userId, ...(data.offerDeclined ?? []).filter((id) => id !== userId)].slice(0, MAX_DECLINED);
      write({ ...data, offerDeclined: declined });
    },
    /** A passkey was added here: a later "Not now" starts from scratch. */
    clearDeclined(userId: string): void {
      const data = read();
      write({ ...data, offerDeclined: (data.offerDeclined ?? []).filter((id) => id !== userId) });
    },
  };
}

export type DeviceMemory = ReturnType<typeof createDeviceMemory>;

function localStore(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // Storage disabled by the browser's settings.
    return null;
  }
}

/** The pages' instance. */
export const deviceMemory = createDeviceMemory(localStore());
