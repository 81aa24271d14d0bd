import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchSpec } from '../../src/claims/schema.js';
import { loadClaimFile } from '../../src/claims/load.js';
import type { TrialRunner } from '../../src/search/pool.js';
import { runSearch, trialBatchSize } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';
import { CLAIMS_DIR } from '../helpers.js';

function claimSearch(file: string, trials: number): SearchSpec {
  const r = loadClaimFile(join(CLAIMS_DIR, file));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { ...r.claim.search!, trials, min_in_regime: 1, guided: { strategy: 'hill-climb', trials: 0 } };
}

/** A two-thread runner whose k-th asked trial fails when k is in `failing`; records the batch size each trial was asked with. */
function recordingRunner(failing: Set<number>) {
  const sizes: number[] = [];
  /** how many trials had been asked when the first failure came back */
  const askedAtFailure: number[] = [];
  const result = (values: TrialResult['values'], fails: boolean): TrialResult => ({
    status: fails ? 'fail' : 'pass',
    values,
    quantities: {},
    hypotheses: {},
    property: { holds: !fails, robustness: fails ? -1 : 1, op: '<=', lhs: fails ? 1 : 0, rhs: 0 },
    ms: 0,
  });
  const runner: TrialRunner = {
    threads: 2,
    trial: async (_s, v, _t, _o, _f, dispatch) => {
      const k = sizes.length;
      sizes.push(dispatch?.batch ?? 1);
      await new Promise((r) => setImmediate(r));
      if (failing.has(k)) askedAtFailure.push(sizes.length);
      return { result: result(v, failing.has(k)) };
    },
    run: async (_s, v) => result(v, false),
    step: async () => ({ status: 'checked', result: {} as never }),
    close: async () => {},
  };
  return { runner, sizes, askedAtFailure };
}

describe('batched dispatch', () => {
  // a search whose dynamics and model have a batched kernel (two-layer gradient flow)
  const spec = claimSearch('vardi2021/balancedness.yaml', 96);

  it('starts with one trial per task, then whole batches of trialBatchSize once threads × 2 trials came back without a failure', async () => {
    const largest = trialBatchSize(spec, 96, 2);
    expect(largest).toBeGreaterThanOrEqual(8);
    const { runner, sizes } = recordingRunner(new Set());
    await runSearch(spec, { claimId: 't.ramp', runner });
    expect(sizes.slice(0, 4)).toEqual([1, 1, 1, 1]);
    expect(Math.max(...sizes)).toBe(largest);
    // two sizes only: alone, and the largest batch
    expect(new Set(sizes)).toEqual(new Set([1, largest]));
    // never shrinks while nothing fails
    for (let k = 1; k < 96; k++) expect(sizes[k]).toBeGreaterThanOrEqual(sizes[k - 1]);
    // whole batches: past the single trials, the trials come in runs of `largest` (the last may be shorter)
    const big = sizes.filter((s) => s === largest).length;
    expect(big).toBe(96 - sizes.indexOf(largest));
  });

  it('asks for batches whole: a trial that comes back does not top up a batch on its own', async () => {
    const { runner } = recordingRunner(new Set());
    const asked: number[] = [];
    let pending = new Map<number, number>();
    // the runner counts trials asked in the same turn of the event loop with the same batch size (what the pool gathers into one task)
    const grouping: TrialRunner = {
      ...runner,
      trial: (...a) => {
        if (!pending.size)
          setImmediate(() => {
            asked.push(...pending.values());
            pending = new Map();
          });
        const size = a[5]?.batch ?? 1;
        pending.set(size, (pending.get(size) ?? 0) + 1);
        return runner.trial(...a);
      },
    };
    await runSearch(spec, { claimId: 't.ramp', runner: grouping });
    const largest = trialBatchSize(spec, 96, 2);
    // past the ramp's single trials, every group is a multiple of `largest`, but the last
    const groups = asked.slice(asked.findIndex((g) => g >= largest));
    expect(groups.length).toBeGreaterThan(2);
    for (const g of groups.slice(0, -1)) expect(g % largest).toBe(0);
  });

  it('asks for few trials past an early failure (a refuted search does not run whole batches past its witness)', async () => {
    const { runner, sizes, askedAtFailure } = recordingRunner(new Set([1]));
    await runSearch(spec, { claimId: 't.ramp', runner });
    // when trial 1's failure came back, threads × 2 trials had been asked, and one more after trial 0 passed: one per task, as unbatched
    expect(askedAtFailure[0]).toBeLessThanOrEqual(5);
    expect(sizes.slice(0, askedAtFailure[0])).toEqual(new Array(askedAtFailure[0]).fill(1));
  });
});
