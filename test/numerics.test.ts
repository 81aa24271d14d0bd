import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataStats, isotropicGaussian } from '../src/numeric/data.js';
import { DivergedError, gradientDescent, gradientFlow, integrateDopri } from '../src/numeric/dynamics.js';
import { fromRows } from '../src/numeric/linalg.js';
import { LOSSES, logisticLoss, logisticNegDerivative, logisticOfMargin } from '../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet } from '../src/numeric/models.js';
import { objective } from '../src/numeric/objective.js';
import { Rng } from '../src/numeric/rng.js';
import { fcRuns, fdGradient, quadratic } from './helpers.js';

describe('random source', () => {
  it('gives the same stream for the same seed on every machine (golden values)', () => {
    const r = new Rng(42);
    const u = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
    expect(u).toEqual(GOLDEN_42);
    expect(new Rng(42).uniform()).toBe(new Rng(42).uniform());
    expect(new Rng(1).uniform()).not.toBe(new Rng(2).uniform());
  });

  it('draws standard normals', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});
// Pinned: change only when the generator is deliberately changed (that changes every seed's trials).
const GOLDEN_42 = [2837322924, 544945897, 479756282];

describe('losses', () => {
  it('are stable for large margins', () => {
    expect(logisticOfMargin(1000)).toBe(0);
    expect(logisticOfMargin(-1000)).toBe(1000);
    expect(logisticOfMargin(40)).toBeCloseTo(Math.exp(-40), 30);
    expect(logisticNegDerivative(40)).toBeGreaterThan(0); // 1+e^{-40} would round to 1 in float32, not here
    expect(logisticNegDerivative(40) / Math.exp(-40)).toBeCloseTo(1, 12);
    expect(logisticNegDerivative(-1000)).toBe(1);
    expect(logisticLoss.derivative(1e3, 1)).toBeLessThanOrEqual(0);
    for (const l of Object.values(LOSSES)) for (const p of [-50, -1, 0, 2, 50]) expect(Number.isFinite(l.derivative(p, 1))).toBe(true);
  });

  it('have derivatives that match central differences (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(LOSSES)), fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(-1, 1), (name, p, y) => {
        const l = LOSSES[name];
        const h = 1e-5;
        const fd = (l.value(p + h, y) - l.value(p - h, y)) / (2 * h);
        expect(Math.abs(fd - l.derivative(p, y))).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }),
      fcRuns(300),
    );
  });
});

describe('two-layer net gradients', () => {
  it('match central finite differences for every loss, activation slope and reduction (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 0.1, 0.5, 1), fc.constantFrom('square', 'logistic', 'exponential'), fc.constantFrom('sum', 'mean'), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), fc.boolean(),
        (n, d, m, gamma, lossName, reduction, trainOutput, seed, smooth, hiddenBias) => {
          const rng = new Rng(seed);
          const data = isotropicGaussian(rng.fork('data'), n, d, 1, lossName === 'square' ? 'gaussian' : 'sign');
          const model = twoLayerNet({ d, width: m, activation: smooth ? smoothLeakyRelu(gamma, 2) : leakyRelu(gamma), trainOutput, wScale: 0.7, vScale: 0.7, vInit: 'gaussian', hiddenBias, bScale: 0.5 });
          const theta = model.init(rng.fork('init'));
          const obj = objective(model, LOSSES[lossName as 'square'], data.X, data.y, reduction as 'sum');
          const g = new Float64Array(model.nParams);
          obj.valueAndGrad(theta, g);
          const fd = fdGradient(obj, theta);
          for (let i = 0; i < g.length; i++) {
            const expected = model.trainable[i] ? fd[i] : 0;
            expect(Math.abs(g[i] - expected)).toBeLessThan(1e-6 * (1 + Math.abs(fd[i])));
          }
        },
      ),
      fcRuns(150),
    );
  });

  it('match TensorFlow.js automatic differentiation (float32 cross-check)', async () => {
    const { twoLayerGradientTf } = await import('../src/numeric/autodiff.js');
    for (const [lossName, gamma] of [['square', 0], ['logistic', 0.1], ['exponential', 0.5]] as const) {
      const rng = new Rng(11);
      const n = 6, d = 4, m = 5;
      const data = isotropicGaussian(rng.fork('data'), n, d, 1, lossName === 'square' ? 'gaussian' : 'sign');
      const model = twoLayerNet({ d, width: m, activation: leakyRelu(gamma), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
      const theta = model.init(rng.fork('init'));
      const obj = objective(model, LOSSES[lossName], data.X, data.y, 'mean');
      const g = new Float64Array(model.nParams);
      obj.valueAndGrad(theta, g);
      const rows = (a: Float64Array, r: number, c: number) => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c)));
      const tf = await twoLayerGradientTf({ X: rows(data.X.data, n, d), y: Array.from(data.y), W: rows(theta.subarray(0, m * d), m, d), v: Array.from(theta.subarray(m * d)), gamma, loss: lossName, reduction: 'mean' });
      const ours = Array.from(g);
      const theirs = [...tf.gW.flat(), ...tf.gv];
      const scale = Math.max(...ours.map(Math.abs));
      for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-4 * scale + 1e-6);
    }
  });
});

describe('two-layer kernel reuse', () => {
  it('backward after forward reuses the pre-activations and gives the same gradient bit for bit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (n, d, m, bias, seed) => {
        const rng = new Rng(seed);
        const model = twoLayerNet({ d, width: m, activation: leakyRelu(0.2), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian', hiddenBias: bias });
        const data = isotropicGaussian(rng, n, d, 1, 'sign');
        const theta = model.init(rng.fork('init'));
        const c = Float64Array.from({ length: n }, () => rng.normal());
        const fresh = new Float64Array(model.nParams), reused = new Float64Array(model.nParams);
        model.backward(theta, data.X, c, fresh);
        model.forward(theta, data.X, new Float64Array(n));
        model.backward(theta, data.X, c, reused, true);
        expect(Array.from(reused)).toEqual(Array.from(fresh));
      }),
      fcRuns(100),
    );
  });
});

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

  it('data statistics: κ and R of a known data set', () => {
    const s = dataStats(fromRows([[2, 0], [1, 3]]));
    expect(s.Rmin).toBe(2);
    expect(s.pmax).toBe(2);
    expect(s.kappa).toBe(4 / (2 * 2));
    expect(s.Rratio).toBeCloseTo(Math.sqrt(10) / 2, 15);
  });
});
