import fc from 'fast-check';
import type { BigNumber } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { ddObjective, ddRound, ddVec, ddVecFrom, type DDVec } from '../../src/numeric/dd-model.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, linearActivation, type Activation, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { cpFactorization } from '../../src/numeric/tensor.js';
import { fcRuns } from '../checks.js';
import { big, exactBig } from './big.js';

const relErrTo = (ref: BigNumber, hi: number, lo = 0): number =>
  big
    .abs(exactBig(hi).plus(exactBig(lo)).minus(ref))
    .div(big.abs(ref))
    .toNumber();
const maxAbs = (v: ArrayLike<number>): number => Array.from(v).reduce((s, x) => Math.max(s, Math.abs(x)), 0);

/** x rounded to `bits` significant bits: products and sums of such numbers stay exact in double-double. */
const shortSignificand = (x: number, bits: number): number => {
  const e = Math.floor(Math.log2(Math.abs(x)));
  return Math.round(x * 2 ** (bits - 1 - e)) * 2 ** (e - bits + 1);
};

/** Value and gradient of the float64 objective and of its double-double twin agree to 1e-13 (gradient: relative to its largest entry). */
function expectTwinAgrees(m: Model, theta: Float64Array, X: Mat, y: Float64Array, reduction: 'sum' | 'mean'): void {
  const g = new Float64Array(m.nParams);
  const v = objective(m, squareLoss, X, y, reduction).valueAndGrad(theta, g);
  const gd = ddVec(m.nParams);
  const vd = ddObjective(m.dd!(), squareLoss.dd!, X, y, reduction).valueAndGrad(ddVecFrom(theta), gd);
  expect(Math.abs(vd.hi + vd.lo - v)).toBeLessThanOrEqual(1e-13 * Math.abs(v));
  const diff = ddRound(gd).map((x, i) => x - g[i]);
  expect(maxAbs(diff)).toBeLessThanOrEqual(1e-13 * maxAbs(g));
}

/** Every layer of the twin has the float64 model's name, shape and values (to tol relative to the layer's largest entry). */
function expectLayersAgree(m: Model, theta: Float64Array, tol: number): void {
  const f = m.layers!(theta),
    d = m.dd!().layers(ddVecFrom(theta));
  expect(Object.keys(d).sort()).toEqual(Object.keys(f).sort());
  for (const name of Object.keys(f)) {
    expect([d[name].rows, d[name].cols], name).toEqual([f[name].rows, f[name].cols]);
    const r = ddRound(d[name]);
    const scale = maxAbs(f[name].data);
    for (let i = 0; i < r.length; i++) expect(Math.abs(r[i] - f[name].data[i]), `${name}[${i}]`).toBeLessThanOrEqual(tol * scale);
  }
}

/** Rows [x_i, e_c] of relu-net's encoding: Gaussian inputs, output coordinates in turn. */
function reluRows(rng: Rng, dIn: number, dOut: number, n: number): Mat {
  const cols = dIn + dOut,
    data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < dIn; q++) data[i * cols + q] = rng.normal();
    data[i * cols + dIn + (i % dOut)] = 1;
  }
  return { rows: n, cols, data };
}
const gaussian = (rng: Rng, n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());

/** relu-net's output N(x)_c in 64-digit BigNumber from the exact float64 θ and x (ReLU hidden layers). */
function reluForwardBig(sizes: number[], theta: Float64Array, x: number[], c: number): BigNumber {
  let a = x.map(exactBig);
  let off = 0;
  for (let j = 0; j + 1 < sizes.length; j++) {
    const rows = sizes[j + 1],
      cols = sizes[j],
      last = j + 2 === sizes.length;
    a = Array.from({ length: rows }, (_, r) => {
      const z = a.reduce((s, ac, q) => s.plus(exactBig(theta[off + r * cols + q]).times(ac)), big.bignumber(0));
      return last || z.isPositive() ? z : big.bignumber(0);
    });
    off += rows * cols;
  }
  return a[c];
}

describe('relu-net: the double-double twin', () => {
  const shapes = [
    [3, 2],
    [3, 4, 2],
    [2, 5, 3, 2],
    [3, 3, 4, 2, 1],
    [4, 6, 6, 3],
  ];
  const activations: Activation[] = [leakyRelu(0, 0), leakyRelu(0, 1), leakyRelu(0.2), linearActivation];

  it('agrees with float64 in value, gradient and layers W1…Wk for random θ and data (depths 1–4, several widths and activations)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(...shapes),
        fc.constantFrom(...activations),
        fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
        (seed, sizes, activation, reduction) => {
          const m = reluNet({ sizes, activation, init: 'gaussian', scale: 1.5 });
          const rng = new Rng(seed);
          const theta = m.init(rng);
          const X = reluRows(rng, sizes[0], sizes[sizes.length - 1], 6);
          expectTwinAgrees(m, theta, X, gaussian(rng, X.rows), reduction);
          expectLayersAgree(m, theta, 0);
        },
      ),
      fcRuns(40),
    );
  });

  it('keeps φ′(0) of the activation: a unit whose pre-activation is exactly 0 back-propagates dphiAtZero', () => {
    // x = (1, −1) and equal first-layer weights: the first hidden unit's pre-activation is exactly 0
    const X: Mat = { rows: 1, cols: 3, data: Float64Array.from([1, -1, 1]) };
    const y = Float64Array.from([3]);
    for (const dphiAtZero of [0, 1]) {
      const m = reluNet({ sizes: [2, 2, 1], activation: leakyRelu(0, dphiAtZero), init: 'gaussian', scale: 1 });
      const theta = Float64Array.from([0.5, 0.5, 0.25, -0.75, 1.5, -2]);
      expectTwinAgrees(m, theta, X, y, 'sum');
      const gd = ddVec(m.nParams);
      ddObjective(m.dd!(), squareLoss.dd!, X, y, 'sum').valueAndGrad(ddVecFrom(theta), gd);
      expect(gd.hi[0] !== 0).toBe(dphiAtZero === 1);
    }
  });

  it('refuses an activation without a double-double twin, by name', () => {
    const softplus: Activation = { name: 'softplus', phi: (z) => Math.log1p(Math.exp(z)), dphi: (z) => 1 / (1 + Math.exp(-z)) };
    const m = reluNet({ sizes: [2, 3, 1], activation: softplus, init: 'gaussian', scale: 1 });
    expect(() => m.dd!()).toThrow(/softplus has no double-double twin/);
  });

  it('matches 64-digit BigNumber to 1e-28 where float64 keeps about 9 digits (hidden units of ≈ 1e8 whose difference is ≈ 1)', () => {
    // N(x) = (p − q)(u1 − u2)·x2: every pre-activation is ≈ 1e8 and the output ≈ 1, so float64, which rounds the
    // first layer at 1e8·2^-53, keeps about 9 digits. Short significands keep every intermediate within 106 bits.
    const rng = new Rng(7);
    const s = (x: number, bits: number) => shortSignificand(x, bits);
    const sizes = [2, 2, 2, 1];
    const m = reluNet({ sizes, activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const [u1, u2, p, q] = [s(1 + rng.uniform(), 20), s(-1 - rng.uniform(), 20), s(0.5 + rng.uniform(), 24), s(0.1 + rng.uniform() / 4, 24)];
    const theta = Float64Array.from([1e8, u1, 1e8, u2, p, q, q, p, 1, -1]);
    const xs = [1, 1.5, 2.75].map((t) => [1, s(t + rng.uniform(), 20)]);
    const X: Mat = { rows: xs.length, cols: 3, data: Float64Array.from(xs.flatMap((x) => [...x, 1])) };
    const out = new Float64Array(X.rows),
      outDD: DDVec = ddVec(X.rows);
    m.forward(theta, X, out);
    m.dd!().forward(ddVecFrom(theta), X, outDD);
    xs.forEach((x, i) => {
      const exact = reluForwardBig(sizes, theta, x, 0);
      expect(relErrTo(exact, out[i])).toBeGreaterThan(1e-12);
      expect(relErrTo(exact, outDD.hi[i], outDD.lo[i])).toBeLessThanOrEqual(1e-28);
    });
  });
});

/** Measurement rows: one-hot entries (completion) and Gaussian tensors (sensing). */
function cpRows(rng: Rng, size: number, n: number): Mat {
  const data = new Float64Array(n * size);
  for (let k = 0; k < n; k++)
    if (k % 2 === 0) data[k * size + Math.floor(rng.uniform() * size)] = 1;
    else for (let e = 0; e < size; e++) data[k * size + e] = rng.normal();
  return { rows: n, cols: size, data };
}

describe('cp-factorization: the double-double twin', () => {
  const shapes: { dims: number[]; rank: number }[] = [
    { dims: [4], rank: 3 },
    { dims: [4, 3], rank: 2 },
    { dims: [3, 3, 3], rank: 2 },
    { dims: [2, 3, 2, 2], rank: 3 },
    { dims: [3, 3, 3], rank: 5 },
  ];

  it('agrees with float64 in value, gradient and layers A1…AN, T, components for random θ and data (orders 1–4, ranks 1–5)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(...shapes),
        fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
        (seed, shape, reduction) => {
          const m = cpFactorization({ ...shape, scale: 0.8 });
          const rng = new Rng(seed);
          const theta = m.init(rng);
          const size = shape.dims.reduce((a, b) => a * b, 1);
          const X = cpRows(rng, size, 7);
          expectTwinAgrees(m, theta, X, gaussian(rng, X.rows), reduction);
          expectLayersAgree(m, theta, 1e-14);
        },
      ),
      fcRuns(40),
    );
  });

  it('matches 64-digit BigNumber to 1e-28 in T and ⟨A_k, T⟩ where float64 keeps about 8 digits (two components that nearly cancel)', () => {
    // a_2^(1) = −a_1^(1), a_2^(2) = a_1^(2), a_2^(3) = a_1^(3) + δ with |δ| ≈ 2^-24: T = −a_1^(1) ⊗ a_1^(2) ⊗ δ is 2^-24 of
    // either component, which float64 rounds at 2^-53. Short significands keep every product within 106 bits.
    const rng = new Rng(11);
    const dims = [3, 2, 2],
      R = 2;
    const m = cpFactorization({ dims, rank: R, scale: 1 });
    const s = (x: number) => shortSignificand(x, 12);
    const A1 = Array.from({ length: dims[0] }, () => s(rng.normal()));
    const A2 = Array.from({ length: dims[1] }, () => s(rng.normal()));
    const A3 = Array.from({ length: dims[2] }, () => s(1 + rng.uniform()));
    const D = Array.from({ length: dims[2] }, () => s(rng.normal()) * 2 ** -24);
    // θ: each mode's factor is dims[m] × R, row-major (entry i, component r at i·R + r)
    const theta = Float64Array.from([...A1.flatMap((a) => [a, -a]), ...A2.flatMap((a) => [a, a]), ...A3.flatMap((a, i) => [a, a + D[i]])]);
    const exactT = A1.flatMap((a) => A2.flatMap((b) => D.map((d) => exactBig(a).times(exactBig(b)).times(exactBig(d)).neg())));
    const T = m.layers!(theta).T.data,
      Td = m.dd!().layers(ddVecFrom(theta)).T;
    let worstFloat64 = 0;
    exactT.forEach((ref, e) => {
      worstFloat64 = Math.max(worstFloat64, relErrTo(ref, T[e]));
      expect(relErrTo(ref, Td.hi[e], Td.lo[e]), `T[${e}]`).toBeLessThanOrEqual(1e-28);
    });
    expect(worstFloat64).toBeGreaterThan(1e-10);

    const X = cpRows(rng, exactT.length, 6);
    const out = ddVec(X.rows);
    m.dd!().forward(ddVecFrom(theta), X, out);
    for (let k = 0; k < X.rows; k++) {
      const ref = exactT.reduce((acc, t, e) => acc.plus(exactBig(X.data[k * X.cols + e]).times(t)), big.bignumber(0));
      expect(relErrTo(ref, out.hi[k], out.lo[k]), `row ${k}`).toBeLessThanOrEqual(1e-28);
    }
  });
});
