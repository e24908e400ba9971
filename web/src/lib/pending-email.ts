/**
 * The email this tab is waiting for ("Check your email"), kept in sessionStorage so the page
 * survives a reload: which address, whether it signs in or creates an account, and when
 * "Send again" may be pressed next.
 *
 * "Send again" waits a little longer each time (30 s, 60 s, 2 min, 4 min, then 5 min), which keeps
 * a person well inside the server's per-mailbox limit; when the server still says 429, its
 * Retry-After sets the wait and the page says so (the latest code keeps working meanwhile).
 */

export type PendingKind = 'sign_in' | 'sign_up';

export interface PendingEmail {
  email: string;
  kind: PendingKind;
  /** Epoch ms of the last message sent. */
  sentAt: number;
  /** Messages sent for this wait. */
  sends: number;
  /** Epoch ms from which "Send again" may be pressed. */
  nextSendAt: number;
  /** True when the wait comes from the server's limit (429) rather than our own pacing. */
  limited: boolean;
}

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const KEY = 'sesame-pending-email';
/** After this long the wait is forgotten: the link and code are long dead. */
const MAX_AGE_MS = 30 * 60_000;

export function resendDelayMs(sends: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, sends - 1), 300_000);
}

export function createPendingEmail(storage: Store | null, now: () => number = Date.now) {
  function save(pending: PendingEmail): PendingEmail {
    try {
      storage?.setItem(KEY, JSON.stringify(pending));
    } catch {
      // Without storage the page still works; only a reload forgets the wait.
    }
    return pending;
  }

  return {
    read(): PendingEmail | null {
      try {
        const raw = storage?.getItem(KEY);
        const p = raw ? (JSON.parse(raw) as Partial<PendingEmail>) : null;
        if (
          !p ||
          typeof p.email !== 'string' ||
          (p.kind !== 'sign_in' && p.kind !== 'sign_up') ||
          typeof p.sentAt !== 'number' ||
          typeof p.sends !== 'number' ||
          typeof p.nextSendAt !== 'number' ||
          now() - p.sentAt > MAX_AGE_MS
        ) {
          return null;
        }
        return {
          email: p.email,
          kind: p.kind,
          sentAt: p.sentAt,
          sends: p.sends,
          nextSendAt: p.nextSendAt,
          limited: p.limited === true,
        };
      } catch {
        return null;
      }
    },
    /** The first message went out. */
    started(email: string, kind: PendingKind): PendingEmail {
      const at = now();
      return save({ email, kind, sentAt: at, sends: 1, nextSendAt: at + resendDelayMs(1), limited: false });
    },
    /** Another message went out: older links and codes are dead now. */
    resent(pending: PendingEmail): PendingEmail {
      const at = now();
      const sends = pending.sends + 1;
      return save({ ...pending, sentAt: at, sends, nextSendAt: at + resendDelayMs(sends), limited: false });
    },
    /** The server refused another message (429): the last one still works; wait `retryAfter` seconds. */
    limited(pending: PendingEmail, retryAfterSeconds: number | undefined): PendingEmail {
      const wait = Math.max(1, retryAfterSeconds ?? 60) * 1000;
      return save({ ...pending, nextSendAt: now() + wait, limited: true });
    },
    clear(): void {
      try {
        storage?.removeItem(KEY);
      } catch {
        // Nothing to forget.
      }
    },
  };
}

export type PendingEmailStore = ReturnType<typeof createPendingEmail>;

function sessionStore(): Store | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

/** This tab's instance. */
export const pendingEmail = createPendingEmail(sessionStore());

/** "0:27", "4:05": what the countdown shows. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
