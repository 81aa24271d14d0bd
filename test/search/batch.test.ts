import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { SearchSpec } from '../../src/claims/schema.js';
import { loadClaimFile } from '../../src/claims/load.js';
import { planSearch } from '../../src/claims/plan.js';
import { planTrials } from '../../src/search/phases.js';
import { executeTrial, executeTrials } from '../../src/search/trial.js';
import { CLAIMS_DIR, searchFixture } from '../helpers.js';

// counts the lanes that ran batched, so that a test can tell batching happened
const lanesRun = vi.hoisted(() => ({ count: 0, calls: 0 }));
vi.mock('../../src/numeric/batched.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/numeric/batched.js')>();
  return {
    ...m,
    runKernelLanes: (group: Parameters<typeof m.runKernelLanes>[0]) => {
      lanesRun.count += group.length;
      lanesRun.calls++;
      return m.runKernelLanes(group);
    },
  };
});

function claimSearch(file: string, trials?: number): SearchSpec {
  const r = loadClaimFile(join(CLAIMS_DIR, file));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const spec = r.claim.search!;
  return trials === undefined ? spec : { ...spec, trials, min_in_regime: Math.min(trials, spec.min_in_regime ?? 1) };
}

/** executeTrials equals executeTrial trial by trial (everything but `ms`); returns how many lanes ran batched. */
function expectSameAsOneByOne(spec: SearchSpec, options = {}): number {
  const plan = planSearch(spec);
  const values = planTrials(spec, spec.seed, spec.trials).trials.map((t) => t.values);
  const before = lanesRun.count;
  const batched = executeTrials(plan, values, options);
  const ran = lanesRun.count - before;
  const single = values.map((v) => executeTrial(plan, v, options));
  expect(batched.length).toBe(values.length);
  batched.forEach((b, t) => {
    const s = single[t];
    // toStrictEqual tells 0 from −0 and compares NaN with NaN
    expect({ ...b.result, ms: 0 }).toStrictEqual({ ...s.result, ms: 0 });
    expect(b.scope).toStrictEqual(s.scope);
  });
  return ran;
}

describe('executeTrials', () => {
  it('gives the Timor et al. experiment the results of its trials run one by one, all of them batched', () => {
    expect(expectSameAsOneByOne(claimSearch('timor2022/experiment-stable-ranks.yaml', 24))).toBe(24);
  });

  it('splits a group into kernel calls of bounded memory', () => {
    const spec = claimSearch('timor2022/experiment-stable-ranks.yaml', 6);
    const plan = planSearch(spec);
    const values = planTrials(spec, spec.seed, spec.trials).trials.map((t) => t.values);
    const single = values.map((v) => executeTrial(plan, v));
    // a lane of the 2-2-2 net on 4 rows holds 3·8 + 2·4·6 + 4·4 = 88 numbers: 200 fit two lanes a call
    const calls = lanesRun.calls;
    const batched = executeTrials(plan, values, {}, 200);
    expect(lanesRun.calls - calls).toBe(3);
    batched.forEach((b, t) => expect({ ...b.result, ms: 0 }).toStrictEqual({ ...single[t].result, ms: 0 }));
  });

  it('batches trials of equal shapes only (two widths of a depth-4 relu-net, with a stop loss)', () => {
    const spec = claimSearch('timor2022/c8-square-loss-large-init.yaml', 6);
    const ran = expectSameAsOneByOne({ ...spec, dynamics: { ...spec.dynamics!, steps: 3000 } } as SearchSpec);
    expect(ran).toBeGreaterThan(0);
  });

  it('runs a model without a batched kernel one by one (deep-linear, path watches)', () => {
    const spec = claimSearch('razin2020/c4-det-sign-gd.yaml', 3);
    expect(expectSameAsOneByOne({ ...spec, dynamics: { ...spec.dynamics!, steps: 2000 } } as SearchSpec)).toBe(0);
  });

  it('keeps per-trial outcomes within a batch: diverged, stopped by the loss, path watches, traces, variants, a replay in double-double', () => {
    const spec = searchFixture(`
trials: 12
seed: 7
space: { eta: { grid: [0.05, 0.3, 40] }, scale: { grid: [0.5, 3] } }
variants: { slow: { eta: 0.01 } }
data: { block: explicit-vector, inputs: [[1, 0.5], [-1, 0.8], [0.3, -1]], targets: [[1, 0], [0, 1], [1, 1]] }
model: { block: relu-net, sizes: [2, 3, 2], init: gaussian, scale: scale }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 400, eta: eta, stop_loss: 0.01 }
metrics:
  lossT: { block: loss }
  steps: { block: steps }
  lmax: { block: path-extreme, layer: W1, of: 'loss', extreme: max }
property: 'lossT <= lossT_slow + 1'
`);
    const statuses = new Set<string>();
    const plan = planSearch(spec);
    const values = planTrials(spec, spec.seed, spec.trials).trials.map((t) => t.values);
    for (const r of executeTrials(plan, values)) statuses.add(r.result.status);
    expect(statuses).toContain('diverged');
    expect(expectSameAsOneByOne(spec, { keepTrajectory: true, trace: { layer: 'W1', x: 'step', y: 'loss' } })).toBeGreaterThan(0);
    expect(expectSameAsOneByOne({ ...spec, trials: 3 }, { precision: 'dd', sameSteps: true })).toBe(0);
  });
});

describe('the pool with batched dispatch', () => {
  it('gives every trial the result it gets alone, and re-runs a batch past its time limit one trial per task (each timed out alone)', async () => {
    const { createPool } = await import('../../src/search/pool.js');
    const spec = claimSearch('timor2022/experiment-stable-ranks.yaml', 8);
    const values = planTrials(spec, spec.seed, spec.trials).trials.map((t) => t.values);
    const pool = createPool(1);
    try {
      const alone = await Promise.all(values.map((v) => pool.trial(spec, v, 60_000, {})));
      const batched = await Promise.all(values.map((v) => pool.trial(spec, v, 60_000, {}, undefined, { batch: 4 })));
      batched.forEach((b, t) => expect({ ...b.result, ms: 0 }).toStrictEqual({ ...alone[t].result, ms: 0 }));
      const late = await Promise.all(values.slice(0, 4).map((v) => pool.trial(spec, v, 1, {}, undefined, { batch: 4 })));
      for (const t of late) {
        expect(t.result.status).toBe('timeout');
        expect(t.result.message).toBe('exceeded the trial time limit of 0.001 s');
      }
    } finally {
      await pool.close();
    }
  });
});
