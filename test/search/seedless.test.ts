// A trial that draws no random number is a function of its declared values: trials that differ only
// in their seed are one computation, counted once in every statistic, and the guided phase stops
// proposing once every declared point has run.
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { searchFixture } from '../helpers.js';

const pool = createPool(2);
afterAll(() => pool.close());

const search = (wScale: number) => `
trials: 9
seed: 5
space: { g: { grid: [1, 2, 3] } }
data: { block: explicit, rows: [[1, 0], [0, g]], y: [1, 1] }
model: { block: two-layer, d: 2, width: 1, gamma: 0.5, w_scale: ${wScale}, v_init: split, positive_fraction: 1, v_scale: 1, train_output: false }
loss: { block: square, reduction: sum }
metrics:
  lossT: { block: loss }
property: 'lossT <= 10 * g'`;

describe('seed-free trials', () => {
  it('count once per declared point, and the guided phase stops when the space is used up', async () => {
    const r = await runSearch(searchFixture(search(0)), { claimId: 't', runner: pool });
    expect(r.verdict).toBe('holds');
    expect(r.evidence.inRegime).toBe(3);
    expect(r.evidence.phases.guided).toBe(0);
    expect(r.evidence.repeated).toBe(r.trialsRun - 3);
    expect(r.evidence.failureRateBound).toBeGreaterThan(0.5);
  });

  it('are told apart from trials whose random start depends on the seed', async () => {
    const r = await runSearch(searchFixture(search(1)), { claimId: 't', runner: pool });
    expect(r.evidence.inRegime).toBe(r.trialsRun);
    expect(r.evidence.repeated).toBeUndefined();
  });
});
