// The pool's queue: a waiting task of a lower priority (a claim started earlier) starts first, in the
// order asked within a priority; each task's worker time is charged to the accounts it was asked under.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaimFile } from '../../src/claims/load.js';
import { planTrials } from '../../src/search/phases.js';
import { charged, createPool, withPriority, type WorkerTime } from '../../src/search/pool.js';
import { CLAIMS_DIR, searchFixture } from '../helpers.js';

const spec = searchFixture(`space: { m: { grid: [2] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: 'w == w'`);
const pool = createPool(1);
afterAll(() => pool.close());

describe('the pool queue', () => {
  it('starts waiting tasks lowest priority first, then in the order asked', async () => {
    await pool.run(spec, { m: 2, seed: 0 }, 30_000); // the worker is up
    const order: string[] = [];
    const ask = (name: string, p: number, seed: number) =>
      withPriority(p, async () => {
        await pool.run(spec, { m: 2, seed }, 30_000);
        order.push(name);
      });
    // the first takes the only slot at once; the others wait
    await Promise.all([ask('first', 9, 1), ask('late-a', 5, 2), ask('early-a', 1, 3), ask('late-b', 5, 4), ask('early-b', 1, 5), ask('earliest', 0, 6)]);
    expect(order).toEqual(['first', 'earliest', 'early-a', 'early-b', 'late-a', 'late-b']);
  });

  it("charges each task's worker time to the accounts it was asked under, nested ones included", async () => {
    const claim: WorkerTime = { ms: 0 },
      search: WorkerTime = { ms: 0 },
      other: WorkerTime = { ms: 0 };
    await charged(claim, async () => {
      await pool.run(spec, { m: 2, seed: 11 }, 30_000);
      const before = claim.ms;
      expect(before).toBeGreaterThan(0);
      await charged(search, () => pool.run(spec, { m: 2, seed: 12 }, 30_000));
      expect(search.ms).toBeGreaterThan(0);
      expect(claim.ms).toBeCloseTo(before + search.ms, 6);
    });
    await charged(other, () => pool.run(spec, { m: 2, seed: 13 }, 30_000));
    expect(other.ms).toBeGreaterThan(0);
    const use = pool.slotUse!();
    expect(use.threads).toBe(1);
    expect(use.busyMs).toBeGreaterThanOrEqual(claim.ms + other.ms - 1e-6);
    expect(use.busyMs).toBeLessThanOrEqual(use.wallMs);
  });

  it("shares a batch's worker time among the searches whose trials it ran (two searches of one spec batched together)", async () => {
    const r = loadClaimFile(join(CLAIMS_DIR, 'timor2022', 'experiment-stable-ranks.yaml'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const spec = r.claim.search!;
    const values = planTrials(spec, spec.seed, 4).trials.map((t) => t.values);
    const a: WorkerTime = { ms: 0 },
      b: WorkerTime = { ms: 0 };
    const before = pool.slotUse!().busyMs;
    const ask = (account: WorkerTime, vs: typeof values) =>
      charged(account, () => Promise.all(vs.map((v) => pool.trial(spec, v, 60_000, {}, undefined, { batch: 4 }))));
    const [ra, rb] = await Promise.all([ask(a, values.slice(0, 2)), ask(b, values.slice(2))]);
    expect([...ra, ...rb].every((o) => o.result.status !== 'error' && o.result.status !== 'timeout')).toBe(true);
    const spent = pool.slotUse!().busyMs - before;
    expect(a.ms).toBeGreaterThan(0);
    expect(a.ms).toBeCloseTo(b.ms, 6);
    expect(a.ms + b.ms).toBeCloseTo(spent, 6);
  });
});
