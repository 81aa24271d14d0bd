// The generated two-layer kernels (src/numeric/two-layer-objective.ts) against objective.ts's generic
// passes through twoLayerNet's forward and backward: the same bits, for L, ∇L, −∇L and whole gradient flows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Mat } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet, type Model } from '../../src/numeric/models.js';
import { Rng } from '../../src/numeric/rng.js';
import { TWO_LAYER_KERNEL_MAX, twoLayerObjectiveKernel } from '../../src/numeric/two-layer-objective.js';
import { fcRuns } from '../checks.js';
import { expectKernelMatchesGeneric, expectSameGradientFlow } from './objective-kernel-checks.js';

/** The same net without its two-layer shape (Model.twoLayer): objective() then runs the generic forward and backward passes. */
function unmarked(model: Model): Model {
  const { twoLayer, ...rest } = model as Model & { twoLayer?: unknown };
  expect(twoLayer).toBeDefined();
  return rest;
}

function problem(seed: number, n: number, d: number, m: number, o: { bias: boolean; trainOutput: boolean; act: 'relu' | 'leaky' | 'smooth'; zeros: boolean }) {
  const rng = new Rng(seed);
  const activation = o.act === 'smooth' ? smoothLeakyRelu(0.2, 2) : leakyRelu(o.act === 'relu' ? 0 : rng.uniform(), rng.uniform() < 0.5 ? 0 : 1);
  const model = twoLayerNet({ d, width: m, activation, trainOutput: o.trainOutput, wScale: 1, vScale: 1, vInit: 'gaussian', hiddenBias: o.bias, bScale: 0.5 });
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
  const y = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + rng.uniform()));
  const theta = model.init(rng.fork('init'));
  if (o.zeros) {
    // neuron 0 at its kink on every row (z = 0, −0 where W is −0), and rows i with f_i = y_i (c_i = 0) when v = 0
    for (let k = 0; k < d; k++) theta[k] = k % 2 ? -0 : 0;
    if (o.bias) theta[m * d + m] = 0;
    if (rng.uniform() < 0.5) {
      theta.fill(0, m * d, m * d + m);
      for (let i = 0; i < n; i += 2) y[i] = 0;
    }
  }
  return { model, X, y, theta };
}

describe('two-layer objective kernel', () => {
  it('gives L, ∇L and −∇L bit for bit as the generic passes, for every shape, activation, loss and reduction', () => {
    let ran = 0;
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          n: fc.integer({ min: 1, max: 9 }),
          d: fc.integer({ min: 1, max: 7 }),
          m: fc.integer({ min: 1, max: 6 }),
          bias: fc.boolean(),
          trainOutput: fc.boolean(),
          act: fc.constantFrom<'relu' | 'leaky' | 'smooth'>('relu', 'leaky', 'smooth'),
          zeros: fc.boolean(),
          // one entry of θ infinite: NaN and ±∞ where the passes multiply it
          infinite: fc.boolean(),
          logistic: fc.boolean(),
          mean: fc.boolean(),
        }),
        (c) => {
          const { model, X, y, theta } = problem(c.seed, c.n, c.d, c.m, c);
          if (c.infinite) theta[c.seed % theta.length] = c.seed % 2 ? Infinity : -Infinity;
          const loss = c.logistic ? logisticLoss : squareLoss,
            reduction = c.mean ? 'mean' : 'sum';
          expectKernelMatchesGeneric(model, unmarked(model), loss, X, y, reduction, theta);
          ran++;
        },
      ),
      fcRuns(300),
    );
    expect(ran).toBe(300);
  });

  it('runs gradient flow to the same bits: θ, loss, steps, trajectory and every accepted step', () => {
    for (const [seed, n, d, m, bias] of [
      [1, 5, 3, 4, false],
      [2, 8, 6, 5, true],
      [3, 3, 1, 2, false],
    ] as const) {
      const { model, X, y, theta } = problem(seed, n, d, m, { bias, trainOutput: true, act: 'leaky', zeros: false });
      const accepted = expectSameGradientFlow(model, unmarked(model), squareLoss, X, y, 'mean', theta, { time: 2, rtol: 1e-10, atol: 1e-13, maxSteps: 5000 });
      expect(accepted).toBeGreaterThan(3);
    }
  });

  it('leaves shapes above its size, and data of other widths, to the generic passes', () => {
    const { model, X, y } = problem(4, 40, 6, 5, { bias: false, trainOutput: true, act: 'leaky', zeros: false });
    expect(40 * 6 * 5).toBeGreaterThan(TWO_LAYER_KERNEL_MAX);
    expect(twoLayerObjectiveKernel(model, squareLoss, X, y, 1, false)).toBeUndefined();
    const small: Mat = { rows: 2, cols: 5, data: new Float64Array(10) };
    expect(twoLayerObjectiveKernel(model, squareLoss, small, y, 1, false)).toBeUndefined();
    expect(twoLayerObjectiveKernel(model, squareLoss, { rows: 2, cols: 6, data: new Float64Array(12) }, y, 1, false)).toBeDefined();
  });
});
