// A diagonal network's objective on X held in WebAssembly memory (diagonalLinearObjectiveKernel) against the model's own passes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagonalLinear, diagonalLinearObjectiveKernel, type DiagonalParametrization } from '../../src/numeric/diagonal-linear.js';
import { gradientDescent } from '../../src/numeric/dynamics.js';
import { LINEAR_KERNEL_FROM } from '../../src/numeric/linear.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { exponentialLoss, logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { expectKernelMatchesGeneric } from './objective-kernel-checks.js';
import { expectSameResult } from './sim-outcome.js';

describe('diagonal network objective on X held in WebAssembly memory', () => {
  it('gives the passes’ L, ∇L, −∇L and L alone bit for bit (property: sizes around the threshold, both parametrizations, losses, zeros, rows with c_i = 0)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          n: fc.integer({ min: 1, max: 45 }),
          d: fc.integer({ min: 1, max: 70 }),
          parametrization: fc.constantFrom<DiagonalParametrization>('u2-v2', 'uv'),
          loss: fc.constantFrom(squareLoss, logisticLoss, exponentialLoss),
          mean: fc.boolean(),
          // exact zeros and −0 in X and θ; y = 0 with w = 0 (c_i = 0 under the square loss); large θ
          zeros: fc.boolean(),
          alpha: fc.constantFrom(0.1, 1, 30),
        }),
        ({ seed, n, d, parametrization, loss, mean, zeros, alpha }) => {
          const rng = new Rng(seed);
          const X: Mat = {
            rows: n,
            cols: d,
            data: Float64Array.from({ length: n * d }, () => (zeros && rng.uniform() < 0.2 ? (rng.uniform() < 0.5 ? 0 : -0) : rng.normal())),
          };
          const y = Float64Array.from({ length: n }, () => (zeros && rng.uniform() < 0.3 ? 0 : rng.normal()));
          const model = diagonalLinear({ d, parametrization, alpha });
          const theta = zeros ? model.init(rng) : Float64Array.from({ length: 2 * d }, () => alpha * rng.normal());
          if (zeros) theta[seed % (2 * d)] = -0;
          const kernel = diagonalLinearObjectiveKernel(model, loss, X, y, mean ? 1 / n : 1, false);
          expect(kernel === undefined).toBe(n * d < LINEAR_KERNEL_FROM);
          if (!kernel) return;
          expectKernelMatchesGeneric(model, { ...model }, loss, X, y, mean ? 'mean' : 'sum', theta);
        },
      ),
      fcRuns(150),
    );
  });

  it('gradient descent through the kernel ends at the passes’ point, loss and snapshots', () => {
    const rng = new Rng(4);
    const n = 20,
      d = 100;
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
    const y = Float64Array.from({ length: n }, () => rng.normal());
    for (const parametrization of ['u2-v2', 'uv'] as const) {
      const model = diagonalLinear({ d, parametrization, alpha: 0.3 });
      const o = { steps: 400, eta: 2e-3, snapshots: true };
      expectSameResult(
        gradientDescent(objective(model, squareLoss, X, y, 'sum'), model.init(rng), o),
        gradientDescent(objective({ ...model }, squareLoss, X, y, 'sum'), model.init(rng), o),
      );
    }
  });

  it('keeps the passes for data with a non-finite entry or columns other than d', () => {
    const X: Mat = { rows: 10, cols: 10, data: new Float64Array(100).fill(1) };
    const y = new Float64Array(10);
    const model = diagonalLinear({ d: 10, parametrization: 'u2-v2', alpha: 1 });
    expect(diagonalLinearObjectiveKernel(model, squareLoss, X, y, 1, false)).toBeDefined();
    X.data[7] = -Infinity;
    expect(diagonalLinearObjectiveKernel(model, squareLoss, X, y, 1, false)).toBeUndefined();
    expect(diagonalLinearObjectiveKernel(diagonalLinear({ d: 9, parametrization: 'uv', alpha: 1 }), squareLoss, X, y, 1, false)).toBeUndefined();
  });
});
