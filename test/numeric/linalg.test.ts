import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  euclideanNorm,
  cholesky,
  determinant,
  effectiveRankOf,
  fromRows,
  gramRows,
  mat,
  matmul,
  toRows,
  nuclearNorm,
  schattenOf,
  singularValueRatio,
  singularValues,
  singularValues2x2,
  spectralNorm,
  stableRank,
  stableRankOf,
  transpose,
  frobeniusNorm,
} from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

function naiveMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}

describe('linear algebra', () => {
  it('multiplies like the textbook triple loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (n, k, m, seed) => {
        const r = new Rng(seed);
        const a = Array.from({ length: n }, () => Array.from({ length: k }, () => r.normal()));
        const b = Array.from({ length: k }, () => Array.from({ length: m }, () => r.normal()));
        const c = matmul(fromRows(a), fromRows(b));
        const ref = naiveMatmul(a, b).flat();
        ref.forEach((x, i) => expect(c.data[i]).toBeCloseTo(x, 12));
      }),
      fcRuns(100),
    );
  });

  it('finds the singular values of known matrices', () => {
    expect(
      singularValues(
        fromRows([
          [3, 0],
          [0, -4],
        ]),
      ),
    ).toEqual([4, 3]);
    // rank one: u vᵀ with ‖u‖ = 5, ‖v‖ = √2
    const r1 = singularValues(
      fromRows([
        [3, 3],
        [4, 4],
      ]),
    );
    expect(r1[0]).toBeCloseTo(5 * Math.SQRT2, 12);
    expect(r1[1]).toBeLessThan(1e-14);
    // a rotation times diag(2, 1/2): singular values 2 and 1/2
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const R = fromRows([
      [c, -s],
      [s, c],
    ]);
    const sv = singularValues(
      matmul(
        R,
        fromRows([
          [2, 0],
          [0, 0.5],
        ]),
      ),
    );
    expect(sv[0]).toBeCloseTo(2, 13);
    expect(sv[1]).toBeCloseTo(0.5, 13);
    // wide and tall shapes agree
    const W = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(singularValues(W).map((x) => x.toFixed(10))).toEqual(singularValues(transpose(W)).map((x) => x.toFixed(10)));
  });

  it('computes norms and stable rank of a known matrix', () => {
    const A = fromRows([
      [3, 0, 0],
      [0, 4, 0],
    ]);
    expect(spectralNorm(A)).toBeCloseTo(4, 14);
    expect(frobeniusNorm(A)).toBeCloseTo(5, 14);
    expect(nuclearNorm(A)).toBeCloseTo(7, 14);
    expect(stableRank(A)).toBeCloseTo(25 / 16, 14);
    expect(singularValueRatio(A, 2)).toBeCloseTo(3 / 4, 14);
    expect(singularValueRatio(A, 3)).toBe(0);
    expect(stableRank(mat(2, 2))).toBe(0);
  });

  it('keeps 1 ≤ stable rank ≤ rank and ‖A‖_F² = Σσ² (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (m, d, r, seed) => {
        const rng = new Rng(seed);
        const k = Math.min(r, m, d);
        const U = mat(m, k),
          V = mat(k, d);
        rng.fillNormal(U.data);
        rng.fillNormal(V.data);
        const A = matmul(U, V);
        const s = singularValues(A);
        const sr = stableRank(A);
        expect(sr).toBeGreaterThanOrEqual(1 - 1e-12);
        expect(sr).toBeLessThanOrEqual(k + 1e-9);
        expect(s.reduce((t, x) => t + x * x, 0)).toBeCloseTo(frobeniusNorm(A) ** 2, 8);
        expect(s.filter((x) => x > 1e-9 * s[0]).length).toBe(k);
        // the Gram route of stableRank agrees with the SVD's σ's
        expect(Math.abs(sr - stableRankOf(s))).toBeLessThanOrEqual(1e-12 * sr);
      }),
      fcRuns(100),
    );
  });

  it('computes Gram matrices', () => {
    const X = fromRows([
      [1, 2],
      [3, 4],
      [0, 1],
    ]);
    const G = gramRows(X);
    expect(Array.from(G.data)).toEqual(Array.from(matmul(X, transpose(X)).data));
  });
});

describe('factorizations', () => {
  it('Cholesky reproduces its matrix', () => {
    const A = fromRows([
      [4, 2, 0.4],
      [2, 5, 1],
      [0.4, 1, 3],
    ]);
    const L = cholesky(A)!;
    const back = matmul(L, transpose(L));
    back.data.forEach((x, i) => expect(x).toBeCloseTo(A.data[i], 13));
    expect(
      cholesky(
        fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toBeUndefined();
  });

  it('determinant by elimination agrees with the 2×2 formula and a permutation example', () => {
    expect(determinant({ rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) })).toBe(-2);
    expect(determinant({ rows: 3, cols: 3, data: Float64Array.from([0, 1, 0, 1, 0, 0, 0, 0, 2]) })).toBeCloseTo(-2, 15);
  });
});

describe('spectral summaries', () => {
  it('2×2 singular values in closed form agree with the SVD (property), and keep a tiny σ₂ accurate', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), (a) => {
        const s = singularValues2x2(a);
        const F = a.reduce((t, x) => t + x * x, 0);
        expect(s[0] ** 2 + s[1] ** 2).toBeCloseTo(F, 8);
        expect(s[0] * s[1]).toBeCloseTo(Math.abs(a[0] * a[3] - a[1] * a[2]), 8);
        expect(s[0]).toBeGreaterThanOrEqual(s[1]);
      }),
      fcRuns(200),
    );
    const s = singularValues(mat(2, 2, [1e8, 1, 1, 1e-8 + 1e-8]));
    expect(s[1]).toBeCloseTo(Math.abs(1e8 * 2e-8 - 1) / s[0], 20);
  });

  it('effective rank and Schatten norms on known spectra', () => {
    expect(effectiveRankOf([3, 0])).toBe(1);
    expect(effectiveRankOf([2, 2, 2])).toBeCloseTo(3, 14);
    expect(schattenOf([3, 4], 2)).toBeCloseTo(5, 14);
    expect(schattenOf([3, 4], 1)).toBeCloseTo(7, 14);
    expect(schattenOf([1, 1], 0.5)).toBeCloseTo(4, 14);
    expect(() => schattenOf([1], 0)).toThrow(/p > 0/);
  });
});

// review #22 §9: one overflow-safe 2-norm in place of linalg's, maxmargin's scaledNorm (a range) and increments' parameterNorm (a mask)
describe('euclideanNorm over a range and a mask', () => {
  /** The three former copies, verbatim in their operations. */
  const scaledNorm = (v: ArrayLike<number>, from: number, to: number) => {
    let top = 0;
    for (let k = from; k < to; k++) top = Math.max(top, Math.abs(v[k]));
    if (top === 0 || !Number.isFinite(top)) return top;
    let s = 0;
    for (let k = from; k < to; k++) s += (v[k] / top) ** 2;
    return top * Math.sqrt(s);
  };
  const parameterNorm = (theta: Float64Array, mask?: Float64Array) => {
    let m = 0;
    for (let i = 0; i < theta.length; i++) if (!mask || mask[i]) m = Math.max(m, Math.abs(theta[i]));
    if (m === 0 || !Number.isFinite(m)) return m;
    let s = 0;
    for (let i = 0; i < theta.length; i++) if (!mask || mask[i]) s += (theta[i] / m) ** 2;
    return m * Math.sqrt(s);
  };
  it('gives the former copies’ bits, at every scale, with infinities, NaN and zeros', () => {
    const entry = fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(0, -0, 1e-310, 1e300, -1e300, Infinity), fc.double({ min: -10, max: 10, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 0, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (xs, a, b, bits) => {
          const v = Float64Array.from(xs);
          const from = v.length ? a % (v.length + 1) : 0,
            to = from + (v.length - from ? b % (v.length - from + 1) : 0);
          const mask = Float64Array.from(v, (_, i) => (bits[i] ? 1 : 0));
          expect(Object.is(euclideanNorm(v, { from, to }), scaledNorm(v, from, to))).toBe(true);
          expect(Object.is(euclideanNorm(v, { mask }), parameterNorm(v, mask))).toBe(true);
          expect(Object.is(euclideanNorm(v), parameterNorm(v))).toBe(true);
        },
      ),
      fcRuns(2000),
    );
  });
});

describe('toRows', () => {
  it('gives the rows of Array.from over each row, bit for bit (−0, NaN, ±∞ included)', () => {
    const entry = fc.oneof(fc.double(), fc.constantFrom(-0, 0, NaN, Infinity, -Infinity));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.array(entry, { minLength: 36, maxLength: 36 }), (rows, cols, xs) => {
        const a = mat(rows, cols, xs.slice(0, rows * cols));
        const got = toRows(a);
        const want = Array.from({ length: rows }, (_, i) => Array.from(a.data.subarray(i * cols, (i + 1) * cols)));
        expect(got.length).toBe(rows);
        got.forEach((r, i) => {
          expect(r.length).toBe(cols);
          r.forEach((x, j) => expect(Object.is(x, want[i][j])).toBe(true));
        });
      }),
      fcRuns(300),
    );
  });
});
