// The kkt-point-search metric (src/blocks/metrics/kkt-points.ts) in a trial: its outputs read one
// search, rank ≤ 2 in the near-orthogonal regime, a confirmed rank-3 KKT point at small κ.
import { describe, expect, it } from 'vitest';
import { runTrial } from '../../src/search/trial.js';
import { searchFixture } from '../helpers.js';

const search = (kappa: number) =>
  searchFixture(`
trials: 1
space: { kappa: { grid: [${kappa}] } }
data: { block: exact-gram, n: 8, d: 8, kappa: kappa, pattern: anti-aligned }
model: { block: two-layer, d: 8, width: 10, gamma: 0.3, w_scale: 1, v_scale: '1 / sqrt(10)', v_init: split, train_output: false }
metrics:
  sv3: { block: kkt-point-search, output: max-sv3, per_kind: 3 }
  rank: { block: kkt-point-search, output: max-rank, per_kind: 3 }
  feasible: { block: kkt-point-search, output: feasible, per_kind: 3 }
  distinct: { block: kkt-point-search, output: distinct, per_kind: 3 }
  tried: { block: kkt-point-search, output: tried, per_kind: 3 }
  unconfirmed: { block: kkt-point-search, output: unconfirmed, per_kind: 3 }
property: 'sv3 <= 1e-9'`);

describe('kkt-point-search metric', () => {
  it('in the regime: one distinct KKT point, reached by several candidates, rank 2', () => {
    const r = runTrial(search(1000), { kappa: 1000, seed: 3 });
    expect(r.status).toBe('pass');
    const q = r.quantities;
    expect(q.tried).toBe(1 + 4 * 3);
    expect(q.feasible).toBeGreaterThan(1);
    expect(q.distinct).toBe(1);
    expect(q.unconfirmed).toBe(0);
    expect(q.rank).toBe(2);
  });

  it('at κ = 1.5 it constructs a KKT point of rank ≥ 3 and the property fails', () => {
    const r = runTrial(search(1.5), { kappa: 1.5, seed: 3 });
    expect(r.status).toBe('fail');
    expect(r.quantities.rank).toBeGreaterThanOrEqual(3);
    expect(r.quantities.unconfirmed).toBe(0);
  });

  it('where (P) has no KKT point (one input labelled both ways) a maximum over none is a trial error, not a pass', () => {
    const r = runTrial(
      searchFixture(`
trials: 1
space: { s: { grid: [1] } }
data: { block: explicit, rows: [[1, 0], [1, 0], [0, 1]], y: [1, -1, 1] }
model: { block: two-layer, d: 2, width: 4, gamma: 0.3, w_scale: 1, v_scale: 0.5, v_init: split, train_output: false }
metrics:
  sv3: { block: kkt-point-search, output: max-sv3, per_kind: 2 }
property: 'sv3 <= 1e-9'`),
      { s: 1, seed: 1 },
    );
    expect([r.status, r.message]).toEqual(['error', expect.stringMatching(/no KKT point of \(P\) among the \d+ candidate patterns/)]);
  });
});
