/**
 * withRefreshLock: runs the refresh while holding the cross-tab Web Lock `sesame-refresh`, so
 * only one tab of this origin rotates the refresh cookie at a time.
 *
 * Waiting for the lock is bounded: a tab that froze or crashed while holding it must not hang
 * sign-in for every other tab. When the lock is unavailable (no Web Locks, timeout, opaque
 * origin) the task runs without it; the server answers a racing replay within its reuse window.
 */

export const REFRESH_LOCK_NAME = 'sesame-refresh';

/** The part of the Web Locks API used here, so tests can pass a fake. */
export interface RefreshLockManager {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>): Promise<unknown>;
}

export function defaultLockManager(): RefreshLockManager | null {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks && typeof locks.request === 'function' ? (locks as RefreshLockManager) : null;
}

export async function withRefreshLock<T>({
  locks,
  timeoutMs,
  task,
}: {
  locks: RefreshLockManager | null;
  timeoutMs: number;
  task: () => Promise<T>;
}): Promise<T> {
  if (!locks) return task();
  let granted = false;
  try {
    return (await locks.request(REFRESH_LOCK_NAME, { signal: timeoutSignal(timeoutMs) }, () => {
      granted = true;
      return task();
    })) as T;
  } catch (error) {
    // The task's own failure is the caller's; only a lock that was never granted falls back.
    if (granted) throw error;
    return task();
  }
}

export function timeoutSignal(ms: number): AbortSignal {
  if (typeof AbortSignal.timeout === 'function') return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')), ms);
  return controller.signal;
}
