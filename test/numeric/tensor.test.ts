// CP factorization and tensor completion (src/numeric/tensor.ts, with completionData of
// src/numeric/data.ts). (Its metrics: test/blocks/metrics.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completionData } from '../../src/numeric/data.js';
import { LOSSES } from '../../src/numeric/losses.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { cpFactorization, randomLowRankTensor } from '../../src/numeric/tensor.js';
import { expectGradientMatchesFD, fcRuns } from '../checks.js';

describe('CP factorization and tensor completion', () => {
  it('has gradients that match central finite differences (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (dims, R, seed) => {
          const rng = new Rng(seed);
          const model = cpFactorization({ dims, rank: R, scale: 0.9 });
          const size = dims.reduce((a, b) => a * b, 1);
          const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), Math.max(1, Math.ceil(size / 2)));
          const obj = objective(model, LOSSES.square, data.X, data.y, 'sum');
          const theta = model.init(rng.fork('init'));
          expectGradientMatchesFD(obj, theta, 1e-6);
        },
      ),
      fcRuns(60),
    );
  });

  it('builds T = Σ_r a_r ⊗ b_r ⊗ c_r, normalizes random targets, and observes distinct entries', () => {
    const m = cpFactorization({ dims: [2, 3], rank: 1, scale: 1 });
    const theta = Float64Array.from([1, 2, 3, 4, 5]); // a = (1, 2), b = (3, 4, 5)
    expect(Array.from(m.layers(theta).T.data)).toEqual([3, 4, 5, 6, 8, 10]);
    expect(m.layers(theta).components.data[0]).toBeCloseTo(Math.sqrt(5) * Math.sqrt(50), 12);
    const t = randomLowRankTensor(new Rng(3), [3, 3, 3], 2);
    expect(Math.hypot(...t)).toBeCloseTo(1, 14);
    const d = completionData(new Rng(4), t, 10);
    const seen = new Set<number>();
    for (let k = 0; k < 10; k++) {
      const at = d.X.data.subarray(k * 27, (k + 1) * 27).findIndex((x) => x === 1);
      seen.add(at);
      expect(d.y[k]).toBe(t[at]);
    }
    expect(seen.size).toBe(10);
    expect(() => completionData(new Rng(4), t, 28)).toThrow(/cannot observe/);
  });
});
