// Directions (src/numeric/directions.ts): angles accurate near 0 and π, top singular vectors, the
// separability LP, and the hard-margin SVM through the origin against brute force over support sets
// and its KKT conditions.
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { angleBetween, oneMinusCos, separableThroughOrigin, svmDirection, topSingularVector, unitVector } from '../../src/numeric/directions.js';
import { fromRows, type Mat } from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(...Array.from(a, (x, i) => x - b[i]));
const row = (X: Mat, i: number) => X.data.subarray(i * X.cols, (i + 1) * X.cols);

describe('angles', () => {
  it('∠(e₁, (cos θ, sin θ)) = θ to relative 1e-14, from 1e-12 to π − 1e-12 (acos loses small angles entirely)', () => {
    for (const theta of [1e-12, 1e-8, 1e-4, 0.3, 1, Math.PI / 2, 2.5, Math.PI - 1e-6, Math.PI - 1e-12]) {
      const b = [Math.cos(theta), Math.sin(theta), 0];
      expect(Math.abs(angleBetween([3, 0, 0], b) - theta)).toBeLessThan(1e-14 * theta + 4e-16);
      expect(Math.abs(oneMinusCos([3, 0, 0], b) - 2 * Math.sin(theta / 2) ** 2)).toBeLessThan(1e-14 * (1 - Math.cos(theta)) + 1e-300);
      // as lines: the acute angle, and 1 − |cos|
      expect(angleBetween([3, 0, 0], b, true)).toBeCloseTo(Math.min(theta, Math.PI - theta), 14);
      expect(oneMinusCos([1, 0, 0], b, true)).toBeCloseTo(1 - Math.abs(Math.cos(theta)), 14);
    }
    expect(Math.acos(dot([1, 0], [Math.cos(1e-9), Math.sin(1e-9)]))).toBe(0);
  });

  it('does not depend on the lengths, and refuses a zero vector or different lengths', () => {
    expect(angleBetween([1, 2], [1e-200, 2e-200])).toBe(0);
    expect(angleBetween([1e300, 1e300], [-1, -1])).toBeCloseTo(Math.PI, 15);
    expect(() => angleBetween([0, 0], [1, 0], false, ['w at initial', 'w'])).toThrow('w at initial is zero, so it has no direction');
    expect(() => angleBetween([1, 0], [1, 0, 0])).toThrow('a has 2 entries but b has 3');
    expect(() => unitVector([NaN, 1], 'v')).toThrow('v is not finite');
  });
});

describe('top singular vectors', () => {
  it('finds u and v of 3uvᵀ + a small perturbation (up to sign), and refuses a tie σ₁ = σ₂', () => {
    const u = [0.6, 0.8],
      v = [2 / 3, 1 / 3, 2 / 3];
    const M: Mat = { rows: 2, cols: 3, data: Float64Array.from({ length: 6 }, (_, k) => 3 * u[Math.floor(k / 3)] * v[k % 3] + 1e-3 * Math.sin(k)) };
    expect(angleBetween(topSingularVector(M, 'left', 'M'), u, true)).toBeLessThan(1e-3);
    expect(angleBetween(topSingularVector(M, 'right', 'M'), v, true)).toBeLessThan(1e-3);
    expect(() =>
      topSingularVector(
        fromRows([
          [1, 0],
          [0, 1],
        ]),
        'left',
        'I',
      ),
    ).toThrow(/I: σ₂\/σ₁ = 1, so the top singular vector is not determined/);
    expect(() => topSingularVector({ rows: 2, cols: 2, data: new Float64Array(4) }, 'left', 'Z')).toThrow('Z is zero');
  });
});

/** Labels sign⟨w*, x_i⟩ on Gaussian rows: separable through the origin by construction. */
function separable(rng: Rng, n: number, d: number): { X: Mat; y: Float64Array } {
  const wStar = Array.from({ length: d }, () => rng.normal());
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
  const y = Float64Array.from({ length: n }, (_, i) => (dot(row(X, i), wStar) >= 0 ? 1 : -1));
  return { X, y };
}

/** Brute force over support sets S: w_S = Z_Sᵀ(Z_S Z_Sᵀ)⁻¹1 (rows z_i = y_i x_i) with multipliers ≥ 0 and every margin ≥ 1 is the SVM (KKT). */
function bruteForceSvm(X: Mat, y: Float64Array): Float64Array | undefined {
  const n = X.rows;
  let best: Float64Array | undefined;
  for (let mask = 1; mask < 1 << n; mask++) {
    const S = Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));
    const Z = new Matrix(S.map((i) => Array.from(row(X, i), (x) => y[i] * x)));
    const chol = new CholeskyDecomposition(Z.mmul(Z.transpose()));
    if (!chol.isPositiveDefinite()) continue;
    const lambda = chol.solve(Matrix.columnVector(S.map(() => 1))).getColumn(0);
    if (lambda.some((l) => l < -1e-12)) continue;
    const w = Float64Array.from(Z.transpose().mmul(Matrix.columnVector(lambda)).getColumn(0));
    if (Array.from({ length: n }, (_, i) => y[i] * dot(row(X, i), w)).some((m) => m < 1 - 1e-10)) continue;
    if (!best || Math.hypot(...w) < Math.hypot(...best)) best = w;
  }
  return best;
}

describe('hard-margin SVM through the origin', () => {
  it('equals the brute-force KKT point on tiny separable sets, with margin 1/‖ŵ‖', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 3 }), (seed, n, d) => {
        const { X, y } = separable(new Rng(seed), n, d);
        const svm = svmDirection(X, y, 'test');
        const ref = bruteForceSvm(X, y);
        expect(ref).toBeDefined();
        expect(dist(svm.w, ref!)).toBeLessThan(1e-8 * Math.hypot(...ref!));
        expect(svm.margin).toBeCloseTo(1 / Math.hypot(...ref!), 8);
      }),
      fcRuns(60),
    );
  });

  it('satisfies the KKT conditions: margins ≥ 1, and ŵ = Σ λ_i y_i x_i with λ ≥ 0 on the rows of margin 1', () => {
    const { X, y } = separable(new Rng(42), 30, 4);
    const { w } = svmDirection(X, y, 'test');
    const m = Array.from({ length: 30 }, (_, i) => y[i] * dot(row(X, i), w));
    expect(Math.min(...m)).toBeGreaterThan(1 - 1e-9);
    const active = m.flatMap((mi, i) => (mi < 1 + 1e-7 ? [i] : []));
    expect(active.length).toBeGreaterThan(0);
    expect(active.length).toBeLessThanOrEqual(4);
    const Z = new Matrix(active.map((i) => Array.from(row(X, i), (x) => y[i] * x)));
    const lambda = new CholeskyDecomposition(Z.mmul(Z.transpose())).solve(Z.mmul(Matrix.columnVector(Array.from(w)))).getColumn(0);
    expect(Math.min(...lambda)).toBeGreaterThan(0);
    expect(dist(Z.transpose().mmul(Matrix.columnVector(lambda)).getColumn(0), w)).toBeLessThan(1e-9 * Math.hypot(...w));
  });

  it('says so for data not separable through the origin, labels other than ±1, and a row at the origin', () => {
    const X = fromRows([
      [1, 2],
      [-1, -2],
      [0, 1],
    ]);
    expect(separableThroughOrigin(X, Float64Array.from([1, 1, 1]))).toBe(false);
    expect(separableThroughOrigin(X, Float64Array.from([1, -1, 1]))).toBe(true);
    expect(() => svmDirection(X, Float64Array.from([1, 1, 1]), 'svm-angle')).toThrow(
      'svm-angle: the data are not linearly separable through the origin (no w has y_i⟨w, x_i⟩ > 0 for all 3 rows), so there is no max-margin direction',
    );
    expect(() => svmDirection(X, Float64Array.from([1, -1, 0.5]), 'svm-angle')).toThrow('svm-angle: the labels must be ±1 (row 3 has 0.5)');
    expect(
      separableThroughOrigin(
        fromRows([
          [1, 0],
          [0, 0],
        ]),
        Float64Array.from([1, 1]),
      ),
    ).toBe(false);
  });
});
