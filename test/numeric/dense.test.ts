// The blocked two-layer kernels (src/numeric/dense.ts) against the plain loops they replace: equal
// bit for bit, since each sum keeps its order of terms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  denseKernels,
  outerGradient,
  outerGradientJs,
  outerGradientWasm,
  preActivations,
  preActivationsJs,
  preActivationsWasm,
  RESIDENT_BYTES,
  residentBytes,
  rowProducts,
} from '../../src/numeric/dense.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet, type Activation } from '../../src/numeric/models.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

/** The plain two-layer forward and backward pass (the kernel before blocking). */
function plainTwoLayer(
  theta: Float64Array,
  A: Float64Array,
  n: number,
  d: number,
  m: number,
  act: Activation,
  trainOutput: boolean,
  bias: boolean,
  c: Float64Array,
) {
  const nW = m * d,
    nB = nW + m;
  const out = new Float64Array(n),
    grad = new Float64Array(theta.length);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let j = 0; j < m; j++) {
      let s = bias ? theta[nB + j] : 0;
      for (let k = 0; k < d; k++) s += theta[j * d + k] * A[i * d + k];
      f += theta[nW + j] * act.phi(s);
    }
    out[i] = f;
  }
  for (let i = 0; i < n; i++) {
    const ci = c[i];
    if (ci === 0) continue;
    for (let j = 0; j < m; j++) {
      let s = bias ? theta[nB + j] : 0;
      for (let k = 0; k < d; k++) s += theta[j * d + k] * A[i * d + k];
      if (trainOutput) grad[nW + j] += ci * act.phi(s);
      const g = ci * theta[nW + j] * act.dphi(s);
      if (bias) grad[nB + j] += g;
      if (g !== 0) for (let k = 0; k < d; k++) grad[j * d + k] += g * A[i * d + k];
    }
  }
  return { out, grad };
}

const bits = (a: Float64Array) => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (x) => x.toString(16));

describe('blocked two-layer kernels', () => {
  it('give the plain loops’ forward values and gradients bit for bit (property: shapes, activations, bias, zero weights)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(512, 700)),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(0, 0.3, 1),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (n, d, m, gamma, smooth, trainOutput, bias, reuse, seed) => {
          const rng = new Rng(seed);
          const act = smooth ? smoothLeakyRelu(gamma, 2) : leakyRelu(gamma, 0);
          const model = twoLayerNet({ d, width: m, activation: act, trainOutput, wScale: 1, vScale: 1, vInit: 'gaussian', hiddenBias: bias, bScale: 0.5 });
          const theta = model.init(rng.fork('init'));
          const A = Float64Array.from({ length: n * d }, () => rng.normal());
          // exact zeros: a coefficient c_i = 0 (a row skipped) and a zero output weight
          const c = Float64Array.from({ length: n }, (_, i) => (i === 1 ? 0 : rng.normal()));
          if (m > 2) theta[m * d + 2] = 0;
          const X = { rows: n, cols: d, data: A };
          const out = new Float64Array(n),
            grad = new Float64Array(model.nParams);
          model.forward(theta, X, out);
          model.backward(theta, X, c, grad, reuse);
          const ref = plainTwoLayer(theta, A, n, d, m, act, trainOutput, bias, c);
          expect(bits(out)).toEqual(bits(ref.out));
          expect(bits(grad)).toEqual(bits(ref.grad));
        },
      ),
      fcRuns(300),
    );
  });

  it('preActivations and outerGradient agree with the textbook products at the claims’ shapes', () => {
    const rng = new Rng(3);
    for (const [n, m, d] of [
      [16, 40, 64],
      [20, 50, 20],
      [5, 3, 7],
    ]) {
      const W = Float64Array.from({ length: m * d }, () => rng.normal());
      const X = Float64Array.from({ length: n * d }, () => rng.normal());
      const Z = new Float64Array(n * m);
      preActivations(W, X, undefined, 0, n, m, d, Z);
      const grad = new Float64Array(m * d);
      outerGradient(Z, X, n, m, d, grad);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += W[j * d + k] * X[i * d + k];
          expect(Z[i * m + j]).toBe(s);
        }
      for (let j = 0; j < m; j++)
        for (let k = 0; k < d; k++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += Z[i * m + j] * X[i * d + k];
          expect(grad[j * d + k]).toBe(s);
        }
    }
  });
});

describe('blocked Gram product', () => {
  it('gramRows equals the plain symmetric loop bit for bit, across tile edges (property)', async () => {
    const { gramRows } = await import('../../src/numeric/linalg.js');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.constantFrom(1, 5, 511, 512, 513, 1100), fc.integer({ min: 0, max: 1e6 }), (n, d, seed) => {
        const rng = new Rng(seed);
        const A = Float64Array.from({ length: n * d }, () => rng.normal());
        const G = gramRows({ rows: n, cols: d, data: A }).data;
        const ref = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = i; j < n; j++) {
            let s = 0;
            for (let k = 0; k < d; k++) s += A[i * d + k] * A[j * d + k];
            ref[i * n + j] = ref[j * n + i] = s;
          }
        expect(bits(G)).toEqual(bits(ref));
      }),
      fcRuns(60),
    );
  });
});

describe('WebAssembly SIMD kernels', () => {
  it('are the ones running (npm test builds dense.wasm first)', () => {
    expect(denseKernels).toBe('wasm-simd');
  });

  it('equal the JavaScript kernels bit for bit: odd and even shapes, tile edges, bias, zero coefficients (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(511, 512, 513, 1030)),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (n, d, m, bias, seed) => {
          const rng = new Rng(seed);
          const W = Float64Array.from({ length: m * d }, () => rng.normal());
          const X = Float64Array.from({ length: n * d }, () => rng.normal());
          const b = bias ? Float64Array.from({ length: m + 3 }, () => rng.normal()) : undefined;
          const zw = new Float64Array(n * m),
            zj = new Float64Array(n * m);
          preActivationsWasm(W, X, b, 3, n, m, d, zw);
          preActivationsJs(W, X, b, 3, n, m, d, zj);
          expect(bits(zw)).toEqual(bits(zj));
          const G = zj.map((z, i) => (i % 5 === 1 ? 0 : z));
          const gw = new Float64Array(m * d),
            gj = new Float64Array(m * d);
          outerGradientWasm(G, X, n, m, d, gw);
          outerGradientJs(G, X, n, m, d, gj);
          expect(bits(gw)).toEqual(bits(gj));
        },
      ),
      fcRuns(200),
    );
  });

  it('rowProducts (X held in WebAssembly memory) equals preActivations and outerGradient with one neuron bit for bit, over several calls (property: odd n, ±0, ∞, NaN)', () => {
    // NaN by value: its sign bit is the hardware's (Object.is and every report read NaN alike)
    const nanBits = (a: Float64Array) => bits(a).map((b, i) => (Number.isNaN(a[i]) ? 'NaN' : b));
    const entry = (rng: Rng, special: boolean) => {
      if (!special || rng.uniform() < 0.7) return rng.normal();
      return [0, -0, Infinity, -Infinity, NaN, 1e308][Math.floor(rng.uniform() * 6)];
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 41 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (n, d, special, seed) => {
        const rng = new Rng(seed);
        const X = Float64Array.from({ length: n * d }, () => entry(rng, special));
        const r = rowProducts(X, n, d)!;
        for (let call = 0; call < 3; call++) {
          const theta = Float64Array.from({ length: d }, () => entry(rng, special));
          r.theta.set(theta);
          r.predict();
          const z = new Float64Array(n);
          preActivationsJs(theta, X, undefined, 0, n, 1, d, z);
          expect(nanBits(Float64Array.from(r.z))).toEqual(nanBits(z));
          const c = Float64Array.from({ length: n }, () => entry(rng, special));
          r.c.set(c);
          r.gradient();
          const g = new Float64Array(d);
          outerGradientJs(c, X, n, 1, d, g);
          expect(nanBits(Float64Array.from(r.grad))).toEqual(nanBits(g));
        }
      }),
      fcRuns(200),
    );
  });

  it('rowProducts keeps at most RESIDENT_BYTES of copies for the shapes it holds (many large data sets: the least recently used dropped)', () => {
    for (let k = 0; k < 12; k++) {
      const n = 1000,
        d = 600 + k;
      const X = new Float64Array(n * d).fill(1);
      const r = rowProducts(X, n, d)!;
      r.theta.fill(1);
      r.predict();
      expect(r.z[n - 1]).toBe(d);
      expect(residentBytes()).toBeLessThanOrEqual(RESIDENT_BYTES + 16 * n * d);
    }
  });

  it('rowProducts: one instance per shape, shared by the matrices of that shape, each call on the matrix of its own products; a matrix changed in place is read again when passed again', () => {
    const X = Float64Array.from({ length: 12 }, (_, i) => i - 5.5),
      Y = Float64Array.from({ length: 12 }, (_, i) => 2 * i);
    const a = rowProducts(X, 4, 3)!,
      b = rowProducts(Y, 4, 3)!;
    // one memory for the shape (a claim's trials, an SGD's mini-batches: one instance, not one per matrix)
    expect(a.z.buffer).toBe(b.z.buffer);
    const predict = (r: typeof a) => (r.theta.set([0, 1, 0]), r.predict(), Array.from(r.z));
    for (let k = 0; k < 2; k++) {
      expect(predict(a)).toEqual([-4.5, -1.5, 1.5, 4.5]);
      expect(predict(b)).toEqual([2, 8, 14, 20]);
    }
    a.c.set([1, 0, 0, 1]);
    a.gradient();
    expect(Array.from(a.grad)).toEqual([-5.5 + 3.5, -4.5 + 4.5, -3.5 + 5.5]);
    X[7] = 100;
    expect(predict(rowProducts(X, 4, 3)!)).toEqual([-4.5, -1.5, 100, 4.5]);
    expect(rowProducts(X, 3, 4)!.z.buffer).not.toBe(a.z.buffer);
  });
});
