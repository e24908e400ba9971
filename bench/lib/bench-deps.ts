/**
 * Packages that only bench/ installs (bench/package.json): imported by name at run time, typed
 * here by the little the benchmark uses. The root's `tsc` checks bench/ too, on clones where
 * bench/node_modules does not exist, so nothing may import them statically.
 */
const load = (name: string): Promise<unknown> => import(name);

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | null;
  onResponse?: (
    status: number,
    body: string,
    context: Record<string, unknown>,
    headers: Record<string, string | string[]>,
  ) => void;
}

export interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
}

export interface AutocannonHistogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
}

export interface AutocannonResult {
  latency: AutocannonHistogram;
  requests: AutocannonHistogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  requests: AutocannonRequest[];
  setupClient?: (client: AutocannonClient) => void;
}

export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  stop(): void;
}

export type Autocannon = (opts: AutocannonOptions) => AutocannonInstance;

export async function loadAutocannon(): Promise<Autocannon> {
  const mod = (await load('autocannon')) as { default: Autocannon };
  return mod.default;
}

/** True when a bench-only package can be imported (better-auth may be absent on a partial install). */
export async function available(name: string): Promise<boolean> {
  try {
    await load(name);
    return true;
  } catch {
    return false;
  }
}

export { load as loadBenchPackage };
