// The generated deep-linear kernels (deepLinearObjectiveKernel, src/numeric/deeplinear.ts) against objective.ts's
// generic passes through deepLinearNet's forward and backward: the same bits, for L, ∇L, −∇L and whole gradient flows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEEP_LINEAR_KERNEL_MAX, deepLinearNet, deepLinearObjectiveKernel, layerShapes } from '../../src/numeric/deeplinear.js';
import { mat, matmulInto } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import type { Model } from '../../src/numeric/models.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { expectKernelMatchesGeneric, expectSameGradientFlow, sameBits } from './objective-kernel-checks.js';

/** A copy of the model's methods: objective() knows no kernel for it and runs the generic passes. */
const generic = (model: Model): Model => ({ ...model });

/** `k` observations: one-hot rows (completion) or Gaussian sensing matrices with some zero entries. */
function sensing(rng: Rng, rows: number, cols: number, k: number, completion: boolean) {
  const X = mat(k, rows * cols);
  for (let r = 0; r < k; r++)
    for (let e = 0; e < rows * cols; e++)
      X.data[r * rows * cols + e] = completion ? (e === (r * 7 + 3) % (rows * cols) ? 1 : 0) : rng.uniform() < 0.3 ? 0 : rng.normal();
  return { X, y: Float64Array.from({ length: k }, () => rng.normal()) };
}

/** deepLinearNet's product W = W_L⋯W_1 as its plain loops form it: a copy of W_1, then W ← W_j·W by matmulInto. */
function plainProduct(theta: Float64Array, o: { rows: number; cols: number; depth: number; width: number }): Float64Array {
  const shapes = layerShapes(o);
  let at = shapes[0][0] * shapes[0][1];
  let W: Float64Array = theta.slice(0, at);
  for (let j = 1; j < o.depth; j++) {
    const [r, c] = shapes[j];
    W = matmulInto(theta.subarray(at, at + r * c), r, c, W, o.cols, new Float64Array(r * o.cols));
    at += r * c;
  }
  return W;
}

describe('deep-linear objective kernel', () => {
  it('gives L, ∇L and −∇L bit for bit as the generic passes, for every depth, shape, data, loss and reduction', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          L: fc.integer({ min: 1, max: 4 }),
          rows: fc.integer({ min: 1, max: 3 }),
          cols: fc.integer({ min: 1, max: 3 }),
          width: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 1, max: 6 }),
          completion: fc.boolean(),
          // exact zeros (the skipped terms, −0 among them), and one entry of θ infinite (NaN where a skip matters)
          zeros: fc.boolean(),
          infinite: fc.boolean(),
          logistic: fc.boolean(),
          mean: fc.boolean(),
        }),
        (c) => {
          const rng = new Rng(c.seed);
          const model = deepLinearNet({ rows: c.rows, cols: c.cols, depth: c.L, width: c.width, init: 'gaussian', scale: 0.9, detSign: 'any' });
          const { X, y } = sensing(rng, c.rows, c.cols, c.k, c.completion);
          const theta = model.init(rng.fork('init'));
          if (c.zeros) for (let q = 0; q < theta.length; q++) if (rng.uniform() < 0.4) theta[q] = rng.uniform() < 0.5 ? 0 : -0;
          if (c.infinite) theta[Math.floor(rng.uniform() * theta.length)] = rng.uniform() < 0.5 ? Infinity : -Infinity;
          const loss = c.logistic ? logisticLoss : squareLoss,
            reduction = c.mean ? 'mean' : 'sum';
          expectKernelMatchesGeneric(model, generic(model), loss, X, y, reduction, theta);
        },
      ),
      fcRuns(400),
    );
  });

  it('forms the product layer W and the predictions as the plain loops do, and its layers W_j follow θ', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          L: fc.integer({ min: 1, max: 4 }),
          rows: fc.integer({ min: 1, max: 3 }),
          cols: fc.integer({ min: 1, max: 3 }),
          width: fc.integer({ min: 1, max: 4 }),
          zeros: fc.boolean(),
          infinite: fc.boolean(),
        }),
        (c) => {
          const rng = new Rng(c.seed);
          const o = { rows: c.rows, cols: c.cols, depth: c.L, width: c.width };
          const model = deepLinearNet({ ...o, init: 'gaussian', scale: 0.9, detSign: 'any' });
          const theta = model.init(rng),
            other = model.init(rng);
          if (c.zeros) for (let q = 0; q < theta.length; q++) if (rng.uniform() < 0.4) theta[q] = rng.uniform() < 0.5 ? 0 : -0;
          if (c.infinite) theta[c.seed % theta.length] = Infinity;
          const W = plainProduct(theta, o);
          expect(sameBits(model.layers(theta).W.data, W)).toBe(true);
          const { X } = sensing(rng, c.rows, c.cols, 3, false);
          const f = new Float64Array(3);
          model.forward(theta, X, f);
          const plain = Array.from({ length: 3 }, (_, i) => W.reduce((s, w, k) => s + X.data[i * X.cols + k] * w, 0));
          expect(sameBits(f, plain)).toBe(true);
          // two θ arrays in turn, one changed in place: each call sees its own θ as it is now
          model.layers(other);
          theta[0] = 0.25;
          const again = model.layers(theta);
          expect(again.W1.data[0]).toBe(0.25);
          expect(sameBits(again.W.data, plainProduct(theta, o))).toBe(true);
          expect(sameBits(model.layers(other).W1.data, other.subarray(0, layerShapes(o)[0][0] * c.cols))).toBe(true);
        },
      ),
      fcRuns(200),
    );
  });

  it('runs gradient flow on the 2×2 completion problem to the same bits: θ, loss, steps, trajectory and every accepted step', () => {
    const X = mat(3, 4);
    [1, 2, 3].forEach((e, r) => (X.data[r * 4 + e] = 1));
    const y = Float64Array.from([1, 1, 0]);
    for (const L of [2, 3, 4]) {
      const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'balanced', scale: 0.05, detSign: 'positive' });
      const theta0 = model.init(new Rng(L));
      const accepted = expectSameGradientFlow(model, generic(model), squareLoss, X, y, 'sum', theta0, {
        time: 1e5,
        rtol: 1e-9,
        atol: 1e-13,
        maxSteps: 3000,
        stopLoss: 1e-3,
      });
      expect(accepted).toBeGreaterThan(100);
    }
  });

  it('leaves data of other widths and passes above its size to the generic passes', () => {
    const model = deepLinearNet({ rows: 2, cols: 2, depth: 2, width: 2, init: 'gaussian', scale: 1, detSign: 'any' });
    const y = new Float64Array(2000);
    expect(deepLinearObjectiveKernel(model, squareLoss, mat(2, 4), y, 1, false)).toBeDefined();
    expect(deepLinearObjectiveKernel(model, squareLoss, mat(2, 5), y, 1, false)).toBeUndefined();
    expect(2 * 2000 * 4).toBeGreaterThan(DEEP_LINEAR_KERNEL_MAX);
    expect(deepLinearObjectiveKernel(model, squareLoss, mat(2000, 4), y, 1, false)).toBeUndefined();
  });
});
