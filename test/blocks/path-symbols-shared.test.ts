// paths.ts computes one step's path symbols, rounding perturbations and det's step band once for every
// path-extreme of a trial that watches the same layer: each metric must read exactly what it reads alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scatter } from '../../src/blocks/metrics/common.js';
import { detMovedBy, pathExtreme } from '../../src/blocks/metrics/paths.js';
import { pathSymbols } from '../../src/blocks/path.js';
import type { BlockContext, MetricProduct, SimState } from '../../src/blocks/types.js';
import { compileExpr } from '../../src/core/expr.js';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import { determinant, mat } from '../../src/numeric/linalg.js';
import { squareLoss } from '../../src/numeric/losses.js';
import { layerOf, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { runTrial } from '../../src/search/trial.js';
import { fcRuns } from '../checks.js';
import { searchFixture } from '../helpers.js';

const METRICS: Record<string, string> = {
  detmin: `{ block: path-extreme, layer: W, of: 'det / fro^2' }`,
  growth: `{ block: path-extreme, layer: W, of: 'abs(e11) * sqrt(2*loss)', when: 'loss < 0.01' }`,
  ratio: `{ block: path-extreme, layer: W, of: 's2 / s1 / sqrt(2*loss)', extreme: max, when: 'loss < 0.01' }`,
  // decisions that read det and s2 near rounding (the shared perturbations), and a watch that stops
  small: `{ block: path-extreme, layer: W, of: 'det', when: 'det < 1e-3 * fro^2', extreme: max, default: -1 }`,
  stop: `{ block: path-extreme, layer: W, of: 's2', until: 's2 < 1e-3 * s1', output: count }`,
};

const spec = (names: string[], L: number) =>
  searchFixture(`
trials: 1
space: { L: { grid: [${L}] }, alpha: { grid: [0.05] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: L, init: balanced, scale: alpha, det_sign: positive }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 100000, rtol: 1e-9, atol: 1e-13, max_steps: 200000, stop_loss: 0.002 }
metrics:
${names.map((n) => `  ${n}: ${METRICS[n]}`).join('\n')}
  steps: { block: steps }
property: 'steps >= 0'`);

/** The old detMovedBy (before the shared step symbols): det at θ recomputed, θ moved into fresh arrays. */
function detMovedByReference(model: Model, theta: Float64Array, layer: string, eps: number): number {
  const det0 = determinant(layerOf(model, theta, layer));
  let moved = 0;
  for (const sign of [1, -1]) {
    const t = Float64Array.from(theta, (x, i) => x + sign * eps * scatter(i));
    moved = Math.max(moved, Math.abs(determinant(layerOf(model, t, layer)) - det0));
  }
  return moved;
}

describe('path symbols shared by the path-extremes of a trial', () => {
  it('gives every path-extreme the value and watch report it has when it watches alone (depth 2 and 3, det near its rounding band)', () => {
    for (const L of [2, 3]) {
      const names = Object.keys(METRICS);
      const together = runTrial(spec(names, L), { L, alpha: 0.05, seed: 1 });
      expect(together.status).toBe('pass');
      expect(together.quantities.steps).toBeGreaterThan(100);
      for (const name of names) {
        const alone = runTrial(spec([name], L), { L, alpha: 0.05, seed: 1 });
        expect(alone.quantities.steps).toBe(together.quantities.steps);
        expect(Object.is(alone.quantities[name], together.quantities[name])).toBe(true);
        expect(alone.watch?.[name]).toEqual(together.watch?.[name]);
      }
    }
  });

  it('reads each step’s own symbols when several path-extremes watch one objective and θ comes in two buffers changed in place', () => {
    const X = mat(3, 4);
    [1, 2, 3].forEach((e, r) => (X.data[r * 4 + e] = 1));
    const y = Float64Array.from([1, 1, 0]);
    const model = deepLinearNet({ rows: 2, cols: 2, depth: 3, width: 2, init: 'gaussian', scale: 0.7, detSign: 'any' });
    const obj = objective(model, squareLoss, X, y, 'sum');
    const of = ['det / fro^2', 'abs(e11) * sqrt(2*loss)', 's2 / s1', 'loss + step'];
    const ctx = { scope: {} } as unknown as BlockContext;
    const products = of.map((e, k) => pathExtreme.create({ layer: 'W', of: e, extreme: k % 2 ? 'max' : 'min', output: 'value' }, ctx) as MetricProduct);
    const watchers = products.map((f) => f.watch!({ model, objective: obj, data: { X, y } as never }));
    const rng = new Rng(7);
    const buffers = [model.init(rng), new Float64Array(model.nParams)];
    const expected = of.map((_, k) => (k % 2 ? -Infinity : Infinity));
    for (let step = 0; step < 60; step++) {
      const theta = buffers[step % 2];
      if (step > 0) for (let q = 0; q < theta.length; q++) theta[q] = buffers[(step + 1) % 2][q] + 0.05 * rng.normal();
      const sym = pathSymbols(layerOf(model, theta, 'W'), obj.value(theta), step);
      of.forEach((e, k) => {
        const v = compileExpr(e).value(sym);
        expected[k] = k % 2 ? Math.max(expected[k], v) : Math.min(expected[k], v);
      });
      for (const w of watchers) w(theta, undefined, 1e-9);
    }
    products.forEach((f, k) => expect(Object.is(f({} as SimState), expected[k])).toBe(true));
  });

  it('detMovedBy with the step’s det and a work array equals the old computation bit for bit', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 4 }), fc.double({ min: 1e-16, max: 1e-3, noNaN: true }), (seed, L, eps) => {
        const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'gaussian', scale: 0.5, detSign: 'any' });
        const theta = model.init(new Rng(seed));
        const det = determinant(layerOf(model, theta, 'W'));
        const ref = detMovedByReference(model, theta, 'W', eps);
        expect(Object.is(detMovedBy(model, theta, 'W', eps), ref)).toBe(true);
        expect(Object.is(detMovedBy(model, theta, 'W', eps, det, new Float64Array(theta.length)), ref)).toBe(true);
      }),
      fcRuns(200),
    );
  });
});
