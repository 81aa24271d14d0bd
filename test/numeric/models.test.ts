// The two-layer network and activations of src/numeric/models.ts: gradients against central
// differences and TensorFlow.js, the reuse of pre-activations between forward and backward, and the
// γ-leaky H-smooth activation. (Its blocked kernels: dense.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isotropicGaussian } from '../../src/numeric/data.js';
import { LOSSES } from '../../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns, fdGradient } from '../checks.js';

describe('two-layer net gradients', () => {
  it('match central finite differences for every loss, activation slope and reduction (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 0.1, 0.5, 1),
        fc.constantFrom('square', 'logistic', 'exponential'),
        fc.constantFrom('sum', 'mean'),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        fc.boolean(),
        (n, d, m, gamma, lossName, reduction, trainOutput, seed, smooth, hiddenBias) => {
          const rng = new Rng(seed);
          const data = isotropicGaussian(rng.fork('data'), n, d, 1, lossName === 'square' ? 'gaussian' : 'sign');
          const model = twoLayerNet({
            d,
            width: m,
            activation: smooth ? smoothLeakyRelu(gamma, 2) : leakyRelu(gamma),
            trainOutput,
            wScale: 0.7,
            vScale: 0.7,
            vInit: 'gaussian',
            hiddenBias,
            bScale: 0.5,
          });
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
    const { twoLayerGradientTf } = await import('../../src/numeric/autodiff.js');
    for (const [lossName, gamma] of [
      ['square', 0],
      ['logistic', 0.1],
      ['exponential', 0.5],
    ] as const) {
      const rng = new Rng(11);
      const n = 6,
        d = 4,
        m = 5;
      const data = isotropicGaussian(rng.fork('data'), n, d, 1, lossName === 'square' ? 'gaussian' : 'sign');
      const model = twoLayerNet({ d, width: m, activation: leakyRelu(gamma), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
      const theta = model.init(rng.fork('init'));
      const obj = objective(model, LOSSES[lossName], data.X, data.y, 'mean');
      const g = new Float64Array(model.nParams);
      obj.valueAndGrad(theta, g);
      const rows = (a: Float64Array, r: number, c: number) => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c)));
      const tf = await twoLayerGradientTf({
        X: rows(data.X.data, n, d),
        y: Array.from(data.y),
        W: rows(theta.subarray(0, m * d), m, d),
        v: Array.from(theta.subarray(m * d)),
        gamma,
        loss: lossName,
        reduction: 'mean',
      });
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
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, d, m, bias, seed) => {
          const rng = new Rng(seed);
          const model = twoLayerNet({ d, width: m, activation: leakyRelu(0.2), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian', hiddenBias: bias });
          const data = isotropicGaussian(rng, n, d, 1, 'sign');
          const theta = model.init(rng.fork('init'));
          const c = Float64Array.from({ length: n }, () => rng.normal());
          const fresh = new Float64Array(model.nParams),
            reused = new Float64Array(model.nParams);
          model.backward(theta, data.X, c, fresh);
          model.forward(theta, data.X, new Float64Array(n));
          model.backward(theta, data.X, c, reused, true);
          expect(Array.from(reused)).toEqual(Array.from(fresh));
        },
      ),
      fcRuns(100),
    );
  });
});

describe('two-layer leaky ReLU written out', () => {
  it('gives the predictions and gradient of the same net calling φ and φ′, bit for bit, at pre-activations exactly 0 too (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0.1, 1),
        fc.constantFrom(0, 1),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (gamma, at0, trainOutput, seed) => {
          const rng = new Rng(seed);
          const { X, y } = isotropicGaussian(rng.fork('d'), 5, 3, 1, 'gaussian');
          const o = { d: 3, width: 4, trainOutput, wScale: 1, vScale: 1, vInit: 'gaussian' as const, hiddenBias: false };
          const act = leakyRelu(gamma, at0);
          const inlined = twoLayerNet({ ...o, activation: act }),
            called = twoLayerNet({ ...o, activation: { ...act, leaky: undefined } });
          const theta = inlined.init(rng.fork('i'));
          theta.fill(0, 0, 3); // w_1 = 0: its pre-activations are exactly 0
          const results = [inlined, called].map((m) => {
            const obj = objective(m, LOSSES.square, X, y, 'sum');
            const g = new Float64Array(m.nParams);
            return [obj.valueAndGrad(theta, g), ...g];
          });
          expect(results[0]).toEqual(results[1]);
        },
      ),
      fcRuns(40),
    );
  });
});

describe('the γ-leaky H-smooth activation', () => {
  it('is C¹ with φ′ ∈ [γ, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (g, H, z) => {
          const a = smoothLeakyRelu(g, H);
          const d = a.dphi(z);
          expect(d).toBeGreaterThanOrEqual(g - 1e-12);
          expect(d).toBeLessThanOrEqual(1 + 1e-12);
          for (const b of [1 / H, -1 / H]) {
            expect(a.phi(b + 1e-9)).toBeCloseTo(a.phi(b - 1e-9), 7);
            expect(a.dphi(b + 1e-9)).toBeCloseTo(a.dphi(b - 1e-9), 7);
          }
          const h = 1e-6;
          expect((a.phi(z + h) - a.phi(z - h)) / (2 * h)).toBeCloseTo(d, 5);
        },
      ),
      fcRuns(200),
    );
  });
});
