// The integrators of src/numeric/dynamics.ts: gradient flow (adaptive Dormand–Prince, against closed
// forms), gradient descent, Richardson-extrapolated Euler, and the normalized flow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactGram } from '../../src/numeric/data.js';
import { dopriWasm } from '../../src/numeric/dense.js';
import {
  DivergedError,
  dopriNextStep,
  gradientDescent,
  gradientFlow,
  gradientFlowRichardson,
  integrateDopri,
  normalizedFlow,
} from '../../src/numeric/dynamics.js';
import { fromRows, mat } from '../../src/numeric/linalg.js';
import { exponentialLoss, LOSSES } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns, quadratic } from '../checks.js';

describe('dynamics', () => {
  it('gradient flow on a quadratic matches exp(−At) within the requested tolerance', () => {
    const A = [1, 3, 0.2];
    const theta0 = Float64Array.from([1, -2, 0.5]);
    for (const rtol of [1e-6, 1e-9, 1e-12]) {
      const r = gradientFlow(quadratic(A), theta0, { time: 5, rtol, atol: rtol * 1e-3, maxSteps: 1e6 });
      const err = Math.max(...A.map((a, i) => Math.abs(r.theta[i] - theta0[i] * Math.exp(-a * 5))));
      expect(r.time).toBeCloseTo(5, 12);
      expect(err).toBeLessThan(100 * rtol);
      // the accumulated estimate is of the same order as the true error, not wildly below it
      expect(r.errorEstimate).toBeGreaterThan(err / 1000);
    }
  });

  it('integrates a rotation (energy conserved to the tolerance)', () => {
    const F = (t: Float64Array, out: Float64Array) => {
      out[0] = -t[1];
      out[1] = t[0];
      return 0;
    };
    const r = integrateDopri(F, Float64Array.from([1, 0]), { time: 2 * Math.PI, rtol: 1e-10, atol: 1e-12, maxSteps: 1e6 });
    expect(r.theta[0]).toBeCloseTo(1, 8);
    expect(Math.abs(r.theta[1])).toBeLessThan(1e-8);
  });

  it('gradient descent takes exact steps and stops on the loss', () => {
    const r = gradientDescent(quadratic([2]), Float64Array.from([1]), { steps: 10, eta: 0.25 });
    expect(r.theta[0]).toBeCloseTo(0.5 ** 10, 15);
    const s = gradientDescent(quadratic([2]), Float64Array.from([1]), { steps: 100, eta: 0.25, stopLoss: 1e-6 });
    expect(s.stoppedBy).toBe('loss');
    expect(s.loss).toBeLessThan(1e-6);
  });

  it('reports a diverging run as DivergedError, never as a number', () => {
    expect(() => gradientDescent(quadratic([2]), Float64Array.from([1]), { steps: 5000, eta: 5 })).toThrow(DivergedError);
  });
});

/** The construction X_γ of Vardi & Shamir Thm 3 with y = (16, 18, 0), w(0) = 0, σ′(0) = 1. */
function thm3(gamma: number) {
  const X = fromRows([
    [3, -1, 0],
    [4, 2, 0],
    [0, gamma, gamma],
  ]);
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

describe('the normalized flow', () => {
  it('steps along −∇L_exp / L_exp (gradient flow on the exponential loss up to a time change)', () => {
    const rng = new Rng(3);
    const data = exactGram(rng, { n: 6, d: 6, kappa: 20, pattern: 'random', Rratio: 1, nPositive: 3 });
    const model = twoLayerNet({ d: 6, width: 5, activation: leakyRelu(0.3), trainOutput: false, wScale: 0.3, vScale: 1 / Math.sqrt(5), vInit: 'sign' });
    const theta0 = model.init(rng);
    const eta = 1e-3;
    const step = normalizedFlow(model, data.X, data.y, theta0, { steps: 1, eta }).theta;
    const obj = objective(model, exponentialLoss, data.X, data.y, 'sum');
    const g = new Float64Array(model.nParams);
    const L = obj.valueAndGrad(theta0, g);
    for (let i = 0; i < g.length; i++) expect(step[i]).toBeCloseTo(theta0[i] - (eta * g[i]) / L, 13);
  });

  it('unit steps move θ by exactly η, where the plain normalized flow’s steps grow with ‖θ‖^{k−1}', () => {
    const rng = new Rng(1);
    const model = reluNet({ sizes: [2, 8, 8, 8, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const X = mat(2, 3, [1, 0, 1, 0.6, 0.8, 1]);
    const y = Float64Array.from([1, -1]);
    const lengths = (unitStep: boolean) => {
      const out: number[] = [];
      let prev: Float64Array | undefined;
      normalizedFlow(model, X, y, model.init(rng.fork('init')), {
        steps: 300,
        eta: 0.05,
        unitStep,
        observe: (t) => {
          if (prev) out.push(Math.hypot(...t.map((v, i) => v - prev![i])));
          prev = Float64Array.from(t);
        },
      });
      return out;
    };
    const unit = lengths(true);
    expect(unit.length).toBe(300);
    for (const l of unit) expect(l).toBeCloseTo(0.05, 12);
    const plain = lengths(false);
    expect(Math.max(...plain) / Math.min(...plain)).toBeGreaterThan(2);
  });
});

describe('the normalized flow reusing its forward pass', () => {
  /** The same model, its backward never told it follows a forward pass (the old normalizedFlow). */
  const noReuse = (model: Model): Model => ({ ...model, backward: (t, X, c, g) => model.backward(t, X, c, g) });
  const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

  it('gives the same bits as backward without reuse, for relu-nets and two-layer nets, unit steps or not, with observers that run the model elsewhere', () => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), fc.boolean(), fc.boolean(), (seed, deep, unitStep, observed) => {
        const rng = new Rng(seed);
        const model = deep
          ? reluNet({ sizes: [2, 4, 3, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 })
          : twoLayerNet({ d: 2, width: 4, activation: leakyRelu(0.1), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' });
        const X = deep ? mat(3, 3, [1, 0, 1, 0.6, 0.8, 1, -0.3, 0.5, 1]) : mat(3, 2, [1, 0, 0.6, 0.8, -0.3, 0.5]);
        const other = deep ? mat(1, 3, [0.2, -0.9, 1]) : mat(1, 2, [0.2, -0.9]);
        const y = Float64Array.from([1, -1, 1]);
        const theta0 = model.init(rng);
        const run = (m: Model) => {
          // an observer evaluating the model on other data in between (a path metric on a test set)
          const observe = observed ? (t: Float64Array) => m.forward(t, other, new Float64Array(1)) : undefined;
          return normalizedFlow(m, X, y, theta0, { steps: 40, eta: 0.05, unitStep, observe });
        };
        const a = run(model),
          b = run(noReuse(model));
        expect(sameBits(a.theta, b.theta)).toBe(true);
        expect({ ...a, theta: [] }).toEqual({ ...b, theta: [] });
      }),
      fcRuns(60),
    );
  });
});

/** integrateDopri's step as the plain loops over stages and Butcher coefficients (the order of every sum). */
function dopriReference(F: (theta: Float64Array, out: Float64Array) => number, theta0: Float64Array, time: number, rtol: number, atol: number) {
  const A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ];
  const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
  const B4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40];
  const n = theta0.length;
  let y = Float64Array.from(theta0);
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const tmp = new Float64Array(n);
  const y5 = new Float64Array(n);
  let t = 0,
    h = Math.min(time, 1e-3);
  F(y, k[0]);
  while (t < time) {
    if (t + h > time) h = time - t;
    for (let s = 1; s < 7; s++) {
      for (let i = 0; i < n; i++) {
        let acc = y[i];
        for (let r = 0; r < s; r++) acc += h * A[s][r] * k[r][i];
        tmp[i] = acc;
      }
      F(tmp, k[s]);
    }
    let err = 0;
    for (let i = 0; i < n; i++) {
      let a5 = 0,
        a4 = 0;
      for (let s = 0; s < 7; s++) {
        a5 += B5[s] * k[s][i];
        a4 += B4[s] * k[s][i];
      }
      y5[i] = y[i] + h * a5;
      err = Math.max(err, (h * Math.abs(a5 - a4)) / (atol + rtol * Math.max(Math.abs(y[i]), Math.abs(y5[i]))));
    }
    if (err <= 1) {
      t += h;
      y = Float64Array.from(y5);
      k[0].set(k[6]);
    }
    h = h * (err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -0.2))));
  }
  return y;
}

describe('Dormand–Prince step, written out', () => {
  it('chooses the next step as h·min(5, max(0.2, 0.9·err^(−1/5))) bit for bit, also where the clamp decides without the power (property)', () => {
    const plain = (h: number, err: number) => h * (err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -0.2))));
    // errors spread over 40 decades, and within 1% of the two points where the clamp starts to decide
    const err = fc.oneof(
      fc.double({ min: -30, max: 10, noNaN: true }).map((e) => 10 ** e),
      fc.double({ min: 0.99, max: 1.01, noNaN: true }).chain((f) => fc.constantFrom(f * (0.9 / 5) ** 5, f * 4.5 ** 5)),
      fc.constantFrom(0, Number.MIN_VALUE, 1.88e-4, 1850, Infinity),
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 10, noNaN: true }), err, (h, e) => {
        expect(Object.is(dopriNextStep(h, e, 1), plain(h, e))).toBe(true);
      }),
      fcRuns(20000),
    );
  });

  it('takes the same steps as the plain loops over the Butcher tableau, bit for bit', () => {
    // a nonlinear field, one coordinate held at −0
    const F = (t: Float64Array, out: Float64Array) => {
      out[0] = -t[0] * t[1] + Math.sin(t[2]);
      out[1] = t[0] - 0.3 * t[1] * t[1];
      out[2] = -t[2] + 0.1 * t[0];
      out[3] = -0;
      return t[0] * t[0];
    };
    const theta0 = Float64Array.from([0.7, -1.2, 0.4, -0]);
    for (const wasm of [true, false]) {
      const r = integrateDopri(F, theta0, { time: 3, rtol: 1e-9, atol: 1e-12, maxSteps: 1e6 }, { wasm });
      const ref = dopriReference(F, theta0, 3, 1e-9, 1e-12);
      expect(r.steps).toBeGreaterThan(20);
      for (let i = 0; i < 4; i++) expect(Object.is(r.theta[i], ref[i]), `θ_${i}: ${r.theta[i]} vs ${ref[i]}`).toBe(true);
    }
  });

  /** A coupled nonlinear field on n coordinates (some held at −0), or one that blows up in finite time. */
  const field = (n: number, blowUp: boolean) => (t: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) out[i] = i % 5 === 4 ? -0 : blowUp ? t[i] * t[i] : -t[i] * t[(i + 1) % n] + Math.sin(t[(i + 2) % n]) - 0.1 * t[i];
    return t[0] * t[0];
  };
  /** The run, what its observer saw and the error it threw. */
  function run(n: number, blowUp: boolean, theta0: Float64Array, wasm: boolean) {
    const seen: number[] = [],
      accepted: number[] = [];
    try {
      const r = integrateDopri(
        field(n, blowUp),
        theta0,
        { time: blowUp ? 10 : 2, rtol: 1e-8, atol: 1e-12, maxSteps: 600, acceptedSteps: accepted, observe: (t, _p, e) => seen.push(...t, e ?? -1) },
        { wasm },
      );
      return { r: { ...r, theta: Array.from(r.theta) }, seen, accepted };
    } catch (e) {
      return { error: (e as Error).message, seen, accepted };
    }
  }

  it('runs its stages and error estimate in WebAssembly to the same bits as the JavaScript loops, for every n, also when it diverges (property)', () => {
    expect(dopriWasm).toBeDefined();
    let diverged = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 41 }), fc.boolean(), fc.nat(), (n, blowUp, seed) => {
        const rng = new Rng(seed);
        const theta0 = Float64Array.from({ length: n }, (_, i) => (i % 7 === 6 ? -0 : rng.normal()));
        const a = run(n, blowUp, theta0, true),
          b = run(n, blowUp, theta0, false);
        if (b.error) diverged++;
        expect(a.seen.length).toBe(b.seen.length);
        expect(a.seen.every((x, i) => Object.is(x, b.seen[i]))).toBe(true);
        expect(a.accepted).toEqual(b.accepted);
        expect(a.error).toBe(b.error);
        if (a.r) expect(a.r.theta.every((x, i) => Object.is(x, b.r!.theta[i]))).toBe(true);
        expect(a.r).toEqual(b.r);
      }),
      fcRuns(50),
    );
    expect(diverged).toBeGreaterThan(5);
  });

  it('gives a run started from an observer (its memory is held) the same bits, and keeps the outer run’s', () => {
    const theta0 = Float64Array.from([0.3, -0.7, 1.1, 0.2, -0.4]);
    const o = { time: 1, rtol: 1e-9, atol: 1e-12, maxSteps: 1000 },
      inner: number[][] = [];
    const outer = integrateDopri(field(5, false), theta0, {
      ...o,
      observe: (t) => void (inner.length < 3 && inner.push(Array.from(integrateDopri(field(5, false), t, o).theta))),
    });
    const plain = (t: Float64Array) => Array.from(integrateDopri(field(5, false), t, o, { wasm: false }).theta);
    expect(Array.from(outer.theta)).toEqual(plain(theta0));
    expect(inner[0]).toEqual(plain(theta0));
    expect(inner).toHaveLength(3);
  });
});
