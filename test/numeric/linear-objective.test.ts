// A large bias-free linear model's objective on dense.ts's kernels (linearObjectiveKernel) against the model's own passes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINEAR_KERNEL_FROM, linearModel, linearObjectiveKernel } from '../../src/numeric/linear.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { exponentialLoss, logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { residentBytes } from '../../src/numeric/dense.js';
import { objective, objectiveOnRows } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x.toString()));

describe('linear objective on dense kernels', () => {
  it('gives the passes’ L, ∇L and −∇L bit for bit (property: sizes around the threshold, losses, reductions, zeros, huge margins)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          n: fc.integer({ min: 1, max: 260 }),
          d: fc.integer({ min: 1, max: 70 }),
          loss: fc.constantFrom(squareLoss, logisticLoss, exponentialLoss),
          mean: fc.boolean(),
          // exact zeros and −0 in X and θ; a large θ: margins whose loss derivative underflows to c_i = 0 (rows the passes skip)
          zeros: fc.boolean(),
          scale: fc.constantFrom(0.1, 1, 1e3),
        }),
        ({ seed, n, d, loss, mean, zeros, scale }) => {
          const rng = new Rng(seed);
          const X: Mat = {
            rows: n,
            cols: d,
            data: Float64Array.from({ length: n * d }, () => (zeros && rng.uniform() < 0.2 ? (rng.uniform() < 0.5 ? 0 : -0) : rng.normal())),
          };
          const y = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
          const model = linearModel({ d, bias: false, init: 'gaussian', scale });
          const theta = model.init(rng.fork('init'));
          if (zeros) theta[seed % d] = -0;
          const kernel = linearObjectiveKernel(model, loss, X, y, mean ? 1 / n : 1, false);
          const negative = linearObjectiveKernel(model, loss, X, y, mean ? 1 / n : 1, true);
          expect(kernel === undefined).toBe(n * d < LINEAR_KERNEL_FROM);
          if (!kernel || !negative) return;
          const { ...plain } = model; // the same passes, not registered: objective() takes the generic path
          const generic = objective(plain, loss, X, y, mean ? 'mean' : 'sum');
          const g = new Float64Array(d),
            g1 = new Float64Array(d).fill(7),
            g2 = new Float64Array(d).fill(7);
          const l = generic.valueAndGrad(theta, g);
          expect([kernel(theta, g1), negative(theta, g2)].map((v) => Object.is(v, l))).toEqual([true, true]);
          expect(bits(g1)).toEqual(bits(g));
          expect(bits(g2)).toEqual(bits(g.map((v) => -v)));
          // objective() routes the registered model to the kernel
          const routed = new Float64Array(d);
          expect(Object.is(objective(model, loss, X, y, mean ? 'mean' : 'sum').valueAndGrad(theta, routed), l)).toBe(true);
          expect(bits(routed)).toEqual(bits(g));
        },
      ),
      fcRuns(120),
    );
  });

  it('keeps the passes for data with a non-finite entry, for a model with a bias, and below the threshold', () => {
    const X: Mat = { rows: 100, cols: 50, data: new Float64Array(5000).fill(1) };
    const y = new Float64Array(100).fill(1);
    const model = linearModel({ d: 50, bias: false, init: 'zero', scale: 1 });
    expect(linearObjectiveKernel(model, logisticLoss, X, y, 1, false)).toBeDefined();
    X.data[7] = Infinity; // a skipped row (c_i = 0) would add 0·∞ = NaN on the product
    expect(linearObjectiveKernel(model, logisticLoss, X, y, 1, false)).toBeUndefined();
    X.data[7] = 1;
    expect(linearObjectiveKernel(linearModel({ d: 50, bias: true, init: 'zero', scale: 1 }), logisticLoss, X, y, 1, false)).toBeUndefined();
    const rows = Math.floor((LINEAR_KERNEL_FROM - 1) / 5);
    const small = linearModel({ d: 5, bias: false, init: 'zero', scale: 1 });
    expect(linearObjectiveKernel(small, logisticLoss, { rows, cols: 5, data: X.data.subarray(0, 5 * rows) }, y, 1, false)).toBeUndefined();
    expect(linearObjectiveKernel(small, logisticLoss, { rows: rows + 1, cols: 5, data: X.data.subarray(0, 5 * rows + 5) }, y, 1, false)).toBeDefined();
  });

  it('a mini-batch objective (objectiveOnRows) of fewer than 4096 products takes the passes, not a copy of X: the same numbers without the copy per step', () => {
    const rng = new Rng(7);
    const n = 17,
      d = 23; // a shape no other test uses, ≥ LINEAR_KERNEL_FROM products
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
    const y = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
    const model = linearModel({ d, bias: false, init: 'gaussian', scale: 1 });
    const theta = model.init(rng.fork('init'));
    const rows = Array.from({ length: n }, (_, i) => i);
    const before = residentBytes();
    const batch = objectiveOnRows(model, logisticLoss, X, y, 'mean', rows);
    expect(residentBytes()).toBe(before);
    const whole = objective(model, logisticLoss, X, y, 'mean');
    expect(residentBytes()).toBeGreaterThan(before);
    const g1 = new Float64Array(d),
      g2 = new Float64Array(d);
    expect(bits([batch.valueAndGrad(theta, g1)])).toEqual(bits([whole.valueAndGrad(theta, g2)]));
    expect(bits(g1)).toEqual(bits(g2));
  });
});
