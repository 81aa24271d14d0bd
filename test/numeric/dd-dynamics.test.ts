// The double-double dynamics agree with float64 where float64 is accurate, take the given steps, and keep snapshots.
import { describe, expect, it } from 'vitest';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import { ddDeterminant, ddObjective, ddVecFrom, type DDVec } from '../../src/numeric/dd-model.js';
import { ddGradientDescent, ddGradientFlow, ddNormalizedFlow, type DDProblem } from '../../src/numeric/dd-dynamics.js';
import { gradientDescent, gradientFlow, normalizedFlow } from '../../src/numeric/dynamics.js';
import { squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

const completion = { rows: 3, cols: 4, data: Float64Array.from([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]) };
const targets = Float64Array.from([1, 1, 0]);
const deep = (depth: number) => deepLinearNet({ rows: 2, cols: 2, depth, width: 2, init: 'balanced', scale: 0.3, detSign: 'positive' });
const problemOf = (m: ReturnType<typeof deep>): DDProblem => {
  const twin = m.dd!();
  return { model: twin, objective: ddObjective(twin, squareLoss.dd!, completion, targets, 'sum') };
};
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => Math.max(s, Math.abs(x - b[i])), 0);

describe('double-double dynamics', () => {
  it('gradient flow along the float64 run’s accepted steps takes exactly those steps and ends where float64 ends (to its accuracy)', () => {
    const m = deep(3);
    const th = m.init(new Rng(3));
    const steps: number[] = [];
    const f = gradientFlow(objective(m, squareLoss, completion, targets, 'sum'), th, {
      time: 50,
      rtol: 1e-9,
      atol: 1e-12,
      maxSteps: 1e5,
      acceptedSteps: steps,
    });
    const d = ddGradientFlow(problemOf(m), th, { time: 50, rtol: 1e-9, atol: 1e-12, maxSteps: 1e5, steps });
    expect(d.steps).toBe(f.steps);
    expect(d.time).toBeCloseTo(f.time, 12);
    expect(maxDiff(d.theta, f.theta)).toBeLessThan(1e-11);
  });

  it('adaptive double-double gradient flow reaches the same point as float64 at tight tolerance', () => {
    const m = deep(2);
    const th = m.init(new Rng(4));
    const f = gradientFlow(objective(m, squareLoss, completion, targets, 'sum'), th, { time: 20, rtol: 1e-12, atol: 1e-14, maxSteps: 1e5 });
    const d = ddGradientFlow(problemOf(m), th, { time: 20, rtol: 1e-12, atol: 1e-14, maxSteps: 1e5 });
    expect(maxDiff(d.theta, f.theta)).toBeLessThan(1e-9);
  });

  it('gradient descent: the same iterates, a snapshot schedule, and observers that see the double-double point', () => {
    const m = twoLayerNet({ d: 3, width: 4, activation: leakyRelu(0.2), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
    const r = new Rng(9);
    const X = { rows: 5, cols: 3, data: Float64Array.from({ length: 15 }, () => r.normal()) };
    const y = Float64Array.from({ length: 5 }, () => r.normal());
    const th = m.init(new Rng(5));
    const f = gradientDescent(objective(m, squareLoss, X, y, 'mean'), th, { steps: 200, eta: 0.05, snapshots: true });
    const twin = m.dd!();
    let seen: DDVec | undefined;
    const d = ddGradientDescent({ model: twin, objective: ddObjective(twin, squareLoss.dd!, X, y, 'mean') }, th, {
      steps: 200,
      eta: 0.05,
      snapshots: true,
      observe: (_t, p) => (seen = p?.theta),
    });
    expect(maxDiff(d.theta, f.theta)).toBeLessThan(1e-12);
    expect(d.snapshots!.map((s) => s.step)).toEqual(f.snapshots!.map((s) => s.step));
    expect(seen).toBe(d.thetaDD);
  });

  it('normalized flow agrees with float64', () => {
    const m = twoLayerNet({ d: 2, width: 3, activation: leakyRelu(0.1), trainOutput: false, wScale: 0.3, vScale: 1 / Math.sqrt(3), vInit: 'sign' });
    const X = { rows: 4, cols: 2, data: Float64Array.from([1, 0.1, -0.2, 1, -1, 0.3, 0.2, -1]) };
    const y = Float64Array.from([1, 1, -1, -1]);
    const th = m.init(new Rng(2));
    const f = normalizedFlow(m, X, y, th, { steps: 300, eta: 0.1 });
    const d = ddNormalizedFlow(m.dd!(), X, y, th, { steps: 300, eta: 0.1 });
    expect(maxDiff(d.theta, f.theta)).toBeLessThan(1e-10);
    expect(Math.abs(d.loss - f.loss) / f.loss).toBeLessThan(1e-10);
  });

  it('keeps a determinant that float64 loses: det W of a depth-2 product 2⁻⁸⁰ below its entries', () => {
    const m = deep(2);
    const e = 2 ** -40;
    // W₁ = W₂ = [[1, 1], [1, 1 + 2⁻⁴⁰]]: det W = (2⁻⁴⁰)² exactly, entries of W about 2–4
    const theta = ddVecFrom([1, 1, 1, 1 + e, 1, 1, 1, 1 + e]);
    const exact = e * e;
    const dd = ddDeterminant(m.dd!().layers(theta).W);
    const w = m.layers(Float64Array.from(theta.hi)).W.data;
    const float64 = w[0] * w[3] - w[1] * w[2];
    expect(Math.abs(dd.hi + dd.lo - exact) / exact).toBeLessThan(1e-12);
    expect(Math.abs(float64 - exact) / exact).toBeGreaterThanOrEqual(1); // float64 keeps no digit of it
  });
});
