// Numerics added for Vardi & Shamir 2021: the Richardson gradient-flow integrator, active-set
// tracking along the path, and the linear-regime point of a single neuron (note §3, C5).
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../src/claims/load.js';
import type { SearchSpec } from '../src/claims/schema.js';
import { gradientFlow, gradientFlowRichardson } from '../src/numeric/dynamics.js';
import { fromRows } from '../src/numeric/linalg.js';
import { leakyRelu, twoLayerNet } from '../src/numeric/models.js';
import { activeSet, linearRegimePoint } from '../src/numeric/neuron.js';
import { objective } from '../src/numeric/objective.js';
import { LOSSES } from '../src/numeric/losses.js';
import { runTrial } from '../src/search/trial.js';
import { quadratic } from './helpers.js';

function spec(search: string): SearchSpec {
  const text = `id: t.fixture\ntitle: fixture\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: holds\nsearch:\n${search.replace(/^/gm, '  ')}\n`;
  const r = loadClaimText('fixture.yaml', text, 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.claim.search!;
}

/** The construction X_γ of Vardi & Shamir Thm 3 with y = (16, 18, 0), w(0) = 0, σ′(0) = 1. */
function thm3(gamma: number) {
  const X = fromRows([[3, -1, 0], [4, 2, 0], [0, gamma, gamma]]);
  const y = Float64Array.from([16, 18, 0]);
  const model = twoLayerNet({ d: 3, width: 1, activation: leakyRelu(0, 1), trainOutput: false, wScale: 0, vScale: 1, vInit: 'split', positiveFraction: 1 });
  const theta0 = new Float64Array(model.nParams);
  theta0[3] = 1;
  return { obj: objective(model, LOSSES.square, X, y, 'sum'), theta0 };
}

describe('gradient flow by Richardson-extrapolated Euler', () => {
  it('on a quadratic: the estimate matches the finer run’s true error, and the extrapolated error is O(η²)', () => {
    const A = [1, 3, 0.2];
    const theta0 = Float64Array.from([1, -2, 0.5]);
    const exact = A.map((a, i) => theta0[i] * Math.exp(-a * 2));
    const errs: number[] = [];
    for (const eta of [1e-2, 5e-3]) {
      const r = gradientFlowRichardson(quadratic(A), theta0, { time: 2, eta });
      const err = Math.max(...exact.map((x, i) => Math.abs(r.theta[i] - x)));
      errs.push(err);
      // the extrapolated point is far better than the estimate, which bounds the finer Euler run's error
      expect(err).toBeLessThan(r.errorEstimate / 10);
      const fineErr = Math.max(...exact.map((x, i) => Math.abs(gradientDescentEnd(A, theta0, eta / 2, 2)[i] - x)));
      expect(r.errorEstimate).toBeGreaterThan(fineErr / 2);
      expect(r.errorEstimate).toBeLessThan(fineErr * 2);
      expect(r.time).toBe(2);
    }
    expect(errs[1]).toBeLessThan(errs[0] / 3); // second order: halving η divides the error by ≈ 4
  });

  it('on Thm 3’s construction (γ = 5) agrees with adaptive Dormand–Prince within its error estimate', () => {
    const { obj, theta0 } = thm3(5);
    const ref = gradientFlow(obj, theta0, { time: 20, rtol: 1e-11, atol: 1e-15, maxSteps: 1e6 });
    const r = gradientFlowRichardson(obj, theta0, { time: 20, eta: 2e-4 });
    expect(ref.theta[2]).toBeGreaterThan(-0.22);
    expect(ref.theta[2]).toBeLessThan(-0.2);
    expect(Math.abs(r.theta[2] - ref.theta[2])).toBeLessThan(r.errorEstimate);
    expect(r.errorEstimate).toBeLessThan(1e-3);
    expect(r.loss).toBeLessThan(1e-12);
  });
});

function gradientDescentEnd(A: number[], theta0: Float64Array, eta: number, time: number): number[] {
  const t = Array.from(theta0);
  for (let k = 0; k < Math.round(time / eta); k++) for (let i = 0; i < t.length; i++) t[i] -= eta * A[i] * t[i];
  return t;
}

describe('the linear-regime point of a single neuron (C5)', () => {
  it('is the projection of w(0) onto the active equations, and the active set has the right slopes', () => {
    const X = fromRows([[1, 0, 0], [0, 1, 0], [0, 0, -1]]);
    const w0 = Float64Array.from([0.5, -0.2, 0.3]);
    expect(activeSet(X, w0, 0)).toEqual([{ i: 0, slope: 1 }]);
    expect(activeSet(X, w0, 0.1)).toEqual([{ i: 0, slope: 1 }, { i: 1, slope: 0.1 }, { i: 2, slope: 0.1 }]);
    const w = linearRegimePoint(X, [2, 0, 0], activeSet(X, w0, 0), 1, w0)!;
    expect(Array.from(w)).toEqual([2, -0.2, 0.3]);
    // dependent active rows: no unique point
    expect(linearRegimePoint(fromRows([[1, 1], [2, 2]]), [1, 2], [{ i: 0, slope: 1 }, { i: 1, slope: 1 }], 1, Float64Array.from([1, 1]))).toBeUndefined();
  });
});

describe('active-set tracking along the path', () => {
  const base = (rows: string, y: string, wScale: number) => `
trials: 1
space: { g: { grid: [5] } }
data: { block: explicit, rows: ${rows}, y: ${y} }
model: { block: two-layer, d: 3, width: 1, gamma: 0, dphi_at_zero: 1, w_scale: ${wScale}, v_init: split, positive_fraction: 1, v_scale: 1, train_output: false }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 60, rtol: 1e-10, atol: 1e-14, max_steps: 1000000, stop_loss: 1e-24 }
metrics:
  changes: { block: active-set-changes }
  dist: { block: linear-regime-distance }
  lossT: { block: loss }
property: 'dist <= 1e-6'`;

  it('sees x₃ switch on and off on Thm 3’s construction, where the linear-regime formula then fails', () => {
    const r = runTrial(spec(base('[[3, -1, 0], [4, 2, 0], [0, g, g]]', '[16, 18, 0]', 0)), { g: 5, seed: 1 });
    expect(r.quantities.lossT).toBeLessThan(1e-16);
    // w(0) = 0: nothing active; then all three; then x₃ off for good
    expect(r.quantities.changes).toBeGreaterThanOrEqual(2);
    expect(r.status).toBe('fail');
  });

  it('counts no change when every example stays active, and the formula then holds', () => {
    // one positive example: from a start where it is active the flow moves along x only; from one where it is not, nothing moves (a dead neuron)
    const s = spec(base('[[1, 2, 0]]', '[3]', 1));
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => runTrial(s, { g: 5, seed }));
    const live = runs.filter((r) => r.quantities.lossT < 1e-16), dead = runs.filter((r) => r.quantities.lossT === 4.5);
    expect(live.length).toBeGreaterThan(0);
    expect(dead.length).toBeGreaterThan(0);
    for (const r of [...live, ...dead]) expect(r.quantities.changes).toBe(0);
    for (const r of live) expect(r.quantities.dist).toBeLessThan(1e-9);
  });

  it('says so when there are no dynamics to watch', () => {
    const s = spec(base('[[1, 2, 0]]', '[3]', 1).replace(/dynamics:.*\n/, ''));
    const r = runTrial(s, { g: 5, seed: 3 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/needs dynamics/);
  });
});
