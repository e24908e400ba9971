/**
 * What the service counts, as a small interface the domain and middleware call. The Node entry
 * injects a prom-client implementation (src/metrics/prometheus.ts) and serves it at GET /metrics;
 * elsewhere (Workers, unit tests) it is noopMetrics, so nothing runtime-specific leaks in here.
 */
export type SignInMethod = 'email' | 'passkey';
export type RefreshResult = 'rotated' | 'reuse_window' | 'reuse_revoked' | 'refused';
export type QueueEvent = 'queued' | 'sent' | 'retry' | 'failed' | 'dead';
/**
 * Device-bound sessions (src/auth/sessions/dbsc.ts): 'offered' a registration challenge (one per
 * session), 'bound' a key, 'challenged' a bound session's renewal, 'renewed' it with a proof.
 */
export type DbscEvent = 'offered' | 'bound' | 'challenged' | 'renewed';

export interface Metrics {
  /** A sign-in attempt that reached its verify step; `result` is 'success' or the error code. */
  signIn(method: SignInMethod, result: string): void;
  refresh(result: RefreshResult): void;
  /** A request refused by a rate limit; `limit` names which. */
  rateLimited(limit: string): void;
  mail(event: QueueEvent): void;
  webhook(event: QueueEvent): void;
  dbsc(event: DbscEvent): void;
  /** A refused device proof, or a bound session's cookie past its time: the step and the audit event's reason. */
  dbscProofFailure(step: string, reason: string): void;
  /** One answered request: the matched route pattern, never the raw path. */
  request(route: string, method: string, status: number, seconds: number): void;
}

export interface MetricsExposition {
  contentType: string;
  body: string;
}

export const noopMetrics: Metrics = {
  signIn() {},
  refresh() {},
  rateLimited() {},
  mail() {},
  webhook() {},
  dbsc() {},
  dbscProofFailure() {},
  request() {},
};
