/**
 * GET /metrics in the multi-process mode (WEB_CONCURRENCY > 1, entry/node.ts and entry/node-server.ts). Each process counts
 * in its own registry, so a scrape answered by one worker alone would see only its share of the
 * sign-ins and requests, and none of the mail and webhook work the primary's housekeeping does.
 * Instead the worker that gets the scrape asks the primary, which collects every live worker's
 * registry and its own over the cluster IPC channel and merges them with prom-client's
 * AggregatorRegistry.aggregate (counters and histograms summed; the queue gauges, read from the
 * database by each process, taken once). Node only.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsExposition } from './metrics.js';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Primary → worker: send your registry. Worker → primary: here it is / please merge all. Primary → worker: merged. */
type Message =
  | { type: 'sesame:metrics:collect'; id: number }
  | { type: 'sesame:metrics:local'; id: number; metrics: MetricsJson }
  | { type: 'sesame:metrics:scrape'; id: number }
  | { type: 'sesame:metrics:merged'; id: number; body?: string; error?: string };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && String((m as { type?: unknown }).type).startsWith('sesame:metrics:');

/** How long the primary waits for the workers' registries; a worker that does not answer in time is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 2_000;

/** In the primary: answers workers' scrapes with the merged registries of all processes. */
export function serveClusterMetrics(register: Registry): void {
  let nextId = 0;
  const pending = new Map<number, { parts: MetricsJson[]; waiting: number; done: () => void }>();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'sesame:metrics:local') {
      const gather = pending.get(message.id);
      if (!gather) return;
      gather.parts.push(message.metrics);
      if (--gather.waiting === 0) gather.done();
      return;
    }
    if (message.type !== 'sesame:metrics:scrape') return;
    const reply = (answer: { body?: string; error?: string }) => {
      if (worker.isConnected())
        worker.send({ type: 'sesame:metrics:merged', id: message.id, ...answer } satisfies Message);
    };
    const id = nextId++;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const gather = { parts: [] as MetricsJson[], waiting: workers.length, done: () => {} };
    const collected = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
      gather.done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    pending.set(id, gather);
    for (const w of workers) w.send({ type: 'sesame:metrics:collect', id } satisfies Message);
    if (workers.length === 0) gather.done();
    void collected
      .then(async () => {
        pending.delete(id);
        const own = await register.getMetricsAsJSON();
        reply({ body: await AggregatorRegistry.aggregate([own, ...gather.parts]).metrics() });
      })
      .catch((err: unknown) => reply({ error: String(err) }));
  });
}

/** In a worker: hands its registry to the primary when asked, and renders a scrape by asking the primary for the merged one. */
export function clusterWorkerMetrics(register: Registry): () => Promise<MetricsExposition> {
  const waiting = new Map<number, { resolve: (body: string) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'sesame:metrics:collect') {
      void register
        .getMetricsAsJSON()
        .then((metrics) => process.send?.({ type: 'sesame:metrics:local', id: message.id, metrics } satisfies Message));
    } else if (message.type === 'sesame:metrics:merged') {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.body !== undefined) w?.resolve(message.body);
      else w?.reject(new Error(`metrics from the primary: ${message.error ?? 'no answer'}`));
    }
  });
  return () =>
    new Promise<MetricsExposition>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('metrics from the primary: timed out'));
      }, 2 * COLLECT_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (body) => {
          clearTimeout(timer);
          resolve({ contentType: register.contentType, body });
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      process.send?.({ type: 'sesame:metrics:scrape', id } satisfies Message);
    });
}
