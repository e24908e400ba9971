/**
 * Runs code around the next all-or-nothing write of the app, whichever batch API it uses
 * (`batch` for drizzle builders, `batchPrepared` for the prepared hot paths): to land a racing
 * request or take a lock exactly there.
 */
import type { Db } from '../../src/db/db.js';

export function aroundNextBatch(
  db: Db,
  {
    before,
    after,
    skip = 0,
  }: { before?: () => unknown; after?: () => unknown /** Batches to let through first. */; skip?: number },
): void {
  const target = db as { batch: Db['batch']; batchPrepared: Db['batchPrepared'] };
  const original = { batch: target.batch, batchPrepared: target.batchPrepared };
  let passed = 0;
  const restore = () => Object.assign(target, original);
  target.batch = (async (items: never) => {
    if (passed++ < skip) return original.batch(items);
    restore();
    await before?.();
    const out = await original.batch(items);
    await after?.();
    return out;
  }) as Db['batch'];
  target.batchPrepared = async (steps) => {
    if (passed++ < skip) return original.batchPrepared(steps);
    restore();
    await before?.();
    const out = await original.batchPrepared(steps);
    await after?.();
    return out;
  };
}
