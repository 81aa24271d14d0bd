// CP factorization and tensor completion (src/numeric/tensor.ts, with completionData of
// src/numeric/data.ts). (Its metrics: test/blocks/metrics.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completionData } from '../../src/numeric/data.js';
import { LOSSES } from '../../src/numeric/losses.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { cpFactorization, cpObjectiveKernel, randomLowRankTensor } from '../../src/numeric/tensor.js';
import { expectGradientMatchesFD, fcRuns } from '../checks.js';
import { expectKernelMatchesGeneric, expectSameGradientFlow, sameBits } from './objective-kernel-checks.js';

describe('CP factorization and tensor completion', () => {
  it('has gradients that match central finite differences (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (dims, R, seed) => {
          const rng = new Rng(seed);
          const model = cpFactorization({ dims, rank: R, scale: 0.9 });
          const size = dims.reduce((a, b) => a * b, 1);
          const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), Math.max(1, Math.ceil(size / 2)));
          const obj = objective(model, LOSSES.square, data.X, data.y, 'sum');
          const theta = model.init(rng.fork('init'));
          expectGradientMatchesFD(obj, theta, 1e-6);
        },
      ),
      fcRuns(60),
    );
  });

  it('builds T = Σ_r a_r ⊗ b_r ⊗ c_r, normalizes random targets, and observes distinct entries', () => {
    const m = cpFactorization({ dims: [2, 3], rank: 1, scale: 1 });
    const theta = Float64Array.from([1, 2, 3, 4, 5]); // a = (1, 2), b = (3, 4, 5)
    expect(Array.from(m.layers(theta).T.data)).toEqual([3, 4, 5, 6, 8, 10]);
    expect(m.layers(theta).components.data[0]).toBeCloseTo(Math.sqrt(5) * Math.sqrt(50), 12);
    const t = randomLowRankTensor(new Rng(3), [3, 3, 3], 2);
    expect(Math.hypot(...t)).toBeCloseTo(1, 14);
    const d = completionData(new Rng(4), t, 10);
    const seen = new Set<number>();
    for (let k = 0; k < 10; k++) {
      const at = d.X.data.subarray(k * 27, (k + 1) * 27).findIndex((x) => x === 1);
      seen.add(at);
      expect(d.y[k]).toBe(t[at]);
    }
    expect(seen.size).toBe(10);
    expect(() => completionData(new Rng(4), t, 28)).toThrow(/cannot observe/);
  });

  it('forward and backward equal the dense sums over every entry, bit for bit, also where T or c is not finite (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(1, 1e120, 1e200), (seed, big) => {
        const rng = new Rng(seed);
        const dims = [3, 2, 3],
          size = 18,
          R = 2;
        const model = cpFactorization({ dims, rank: R, scale: 0.9 });
        const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), 7);
        data.X.data[2 * size + 5] = -0.5; // a measurement with two entries
        const theta = model.init(rng.fork('init')).map((x) => x * big); // 1e200: T overflows; 1e120: c does
        const T = model.layers(theta).T.data;
        const pred = new Float64Array(7),
          want = new Float64Array(7);
        model.forward(theta, data.X, pred);
        for (let k = 0; k < 7; k++) for (let e = 0; e < size; e++) want[k] += data.X.data[k * size + e] * T[e];
        const c = Float64Array.from(pred, (p, k) => p - data.y[k]);
        const grad = new Float64Array(model.nParams),
          wantGrad = new Float64Array(model.nParams);
        model.backward(theta, data.X, c, grad);
        const G = new Float64Array(size);
        for (let k = 0; k < 7; k++) if (c[k] !== 0) for (let e = 0; e < size; e++) G[e] += c[k] * data.X.data[k * size + e];
        const offsets = [0, 3 * R, 5 * R];
        for (let e = 0; e < size; e++) {
          if (G[e] === 0) continue;
          const idx = [Math.floor(e / 6), Math.floor(e / 3) % 2, e % 3];
          for (let r = 0; r < R; r++)
            for (let m = 0; m < 3; m++) {
              let p = G[e];
              for (let q = 0; q < 3; q++) if (q !== m) p *= theta[offsets[q] + idx[q] * R + r];
              wantGrad[offsets[m] + idx[m] * R + r] += p;
            }
        }
        [...pred, ...grad].forEach((x, i) => expect(Object.is(x, [...want, ...wantGrad][i]), `entry ${i}: ${x}`).toBe(true));
        if (big === 1e200) expect(pred.some(Number.isNaN)).toBe(true);
      }),
      fcRuns(40),
    );
  });

  it('the fused order-3 objective kernel equals the model passes bit for bit: sums, repeated and multi-entry measurements, zero rows and factors, non-finite T or c (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 1e33, 1e120, 1e200), // 1e33: T finite, c infinite (a measurement of 1e250); larger: T not surely finite
        fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
        (dims, R, seed, big, reduction) => {
          const rng = new Rng(seed);
          const model = cpFactorization({ dims, rank: R, scale: 0.9 });
          const generic = { ...model }; // the same passes, not registered for a kernel
          const size = dims[0] * dims[1] * dims[2];
          const k = Math.max(1, Math.ceil(size / 2));
          const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), k);
          // extra rows: one measuring two entries (one of them again, negatively), one measuring nothing (c = 0)
          const X = { rows: k + 2, cols: size, data: new Float64Array((k + 2) * size) };
          X.data.set(data.X.data);
          X.data[k * size + (seed % size)] = big === 1e33 ? 1e250 : -0.5;
          X.data[k * size + ((seed >> 3) % size)] += 2;
          const y = Float64Array.from([...data.y, 0.25, 0]);
          const theta = model.init(rng.fork('init')).map((x) => x * big);
          theta[seed % theta.length] = 0;
          theta[(seed >> 5) % theta.length] = -0;
          expectKernelMatchesGeneric(model, generic, LOSSES.square, X, y, reduction, theta);
          // the JavaScript kernel (where WebAssembly is not used) gives the same bits as the WebAssembly one
          const w = reduction === 'mean' ? 1 / X.rows : 1;
          for (const negate of [false, true]) {
            const g1 = new Float64Array(model.nParams),
              g2 = new Float64Array(model.nParams);
            const l1 = cpObjectiveKernel(model, LOSSES.square, X, y, w, negate)!(theta, g1),
              l2 = cpObjectiveKernel(model, LOSSES.square, X, y, w, negate, { wasm: false })!(theta, g2);
            expect(Object.is(l1, l2) && sameBits(g1, g2)).toBe(true);
          }
        },
      ),
      fcRuns(150),
    );
  });

  it('each fused kernel keeps its own data’s entries while the model’s passes, or another kernel of the model, run on other data', () => {
    const rng = new Rng(12);
    const dims = [3, 2, 4];
    const model = cpFactorization({ dims, rank: 3, scale: 1 });
    const sets = [5, 9, 2].map((k, q) => completionData(rng.fork(`d${q}`), randomLowRankTensor(rng.fork(`t${q}`), dims, 1), k));
    const fused = sets.map((d) => objective(model, LOSSES.square, d.X, d.y, 'sum'));
    const plain = sets.map((d) => objective({ ...model }, LOSSES.square, d.X, d.y, 'sum'));
    expect(fused.every((o) => o.negativeGradient !== undefined) && plain.every((o) => o.negativeGradient === undefined)).toBe(true);
    for (const q of [0, 1, 2, 0, 2, 1, 0]) {
      const theta = model.init(rng.fork(`θ${q}`));
      const g1 = new Float64Array(model.nParams),
        g2 = new Float64Array(model.nParams);
      expect(Object.is(fused[q].valueAndGrad(theta, g1), plain[q].valueAndGrad(theta, g2))).toBe(true);
      expect(g1.every((v, i) => Object.is(v, g2[i]))).toBe(true);
      // the model's passes on the next data set, between two kernel calls
      plain[(q + 1) % 3].value(theta);
    }
  });

  it('a gradient flow through the fused kernel takes the same steps to the same point as through the model passes', () => {
    const rng = new Rng(11);
    const dims = [4, 4, 4];
    const model = cpFactorization({ dims, rank: 16, scale: 1e-3 });
    const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), 26);
    const o = { time: 1e7, rtol: 1e-8, atol: 1e-12, maxSteps: 300, stopLoss: 1e-10 };
    expect(expectSameGradientFlow(model, { ...model }, LOSSES.square, data.X, data.y, 'sum', model.init(rng.fork('init')), o)).toBeGreaterThan(100);
  });

  it('the fused kernel predicts NaN, as the model does, when only an unobserved entry of T overflows', () => {
    const model = cpFactorization({ dims: [2, 2, 2], rank: 1, scale: 1 });
    const X = { rows: 1, cols: 8, data: Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0) }; // T[0,0,0] = 1 observed, T[1,1,1] = 1e600 not
    const theta = Float64Array.of(1, 1e200, 1, 1e200, 1, 1e200);
    expectKernelMatchesGeneric(model, { ...model }, LOSSES.square, X, Float64Array.of(1), 'sum', theta);
    expect(Number.isNaN(objective(model, LOSSES.square, X, Float64Array.of(1), 'sum').valueAndGrad(theta, new Float64Array(6)))).toBe(true);
  });

  it('has a fused kernel only for order-3 factorizations under the square loss', () => {
    const X = { rows: 1, cols: 8, data: new Float64Array(8).fill(1) },
      y = Float64Array.of(1);
    expect(cpObjectiveKernel(cpFactorization({ dims: [2, 2, 2], rank: 2, scale: 1 }), LOSSES.square, X, y, 1, false)).toBeDefined();
    expect(cpObjectiveKernel(cpFactorization({ dims: [2, 4], rank: 2, scale: 1 }), LOSSES.square, X, y, 1, false)).toBeUndefined();
    expect(cpObjectiveKernel(cpFactorization({ dims: [2, 2, 2], rank: 2, scale: 1 }), LOSSES.logistic, X, y, 1, false)).toBeUndefined();
  });
});
