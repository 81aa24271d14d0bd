// Data sets (src/numeric/data.ts): statistics, exact-Gram data with a prescribed Gram matrix, and
// two-cluster mixtures. (Completion data: tensor.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutsideDomainError } from '../../src/core/errors.js';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { dataStats, exactGram, gaussianMixture, linearlySeparable, sparseRegression, spectrumStats } from '../../src/numeric/data.js';
import { fromRows, gramRows, mat, toRows } from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

describe('dataStats', () => {
  it('data statistics: κ and R of a known data set', () => {
    const s = dataStats(
      fromRows([
        [2, 0],
        [1, 3],
      ]),
    );
    expect(s.Rmin).toBe(2);
    expect(s.pmax).toBe(2);
    expect(s.kappa).toBe(4 / (2 * 2));
    expect(s.Rratio).toBeCloseTo(Math.sqrt(10) / 2, 15);
  });
});

describe('exact-Gram data', () => {
  it('has exactly the requested κ, norms and Gram matrix (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.constantFrom('anti-aligned', 'aligned', 'random'),
        fc.constantFrom(2, 5, 50),
        fc.constantFrom(1, 1.5),
        (n, pattern, kappa, R) => {
          const D = exactGram(new Rng(n), { n, d: n + 3, kappa, pattern: pattern as 'random', Rratio: R, nPositive: Math.floor(n / 2) });
          expect(D.stats.kappa).toBeCloseTo(kappa, 9);
          expect(D.stats.Rmin).toBeCloseTo(1, 12);
          expect(D.stats.Rratio).toBeCloseTo(R, 12);
          if (pattern === 'anti-aligned') {
            const G = gramRows(D.X);
            for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.sign(G.data[i * n + j])).toBe(-D.y[i] * D.y[j]);
          }
        },
      ),
      fcRuns(60),
    );
  });

  it('is out of the domain when the anti-aligned Gram matrix is not positive definite (κ < (n−1)/n)', () => {
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.5, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).toThrow(OutsideDomainError);
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.95, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).not.toThrow();
  });
});

describe('two-cluster mixture data', () => {
  it('lowers κ as the cluster mean grows, and puts each class on its side of μ', () => {
    const k = [0, 8, 30].map((mu) => gaussianMixture(new Rng(4), 20, 4000, mu, 10).stats.kappa);
    expect(k[0]).toBeGreaterThan(k[1]);
    expect(k[1]).toBeGreaterThan(k[2]);
    const D = gaussianMixture(new Rng(4), 6, 50, 100, 3);
    const mean = (i: number) => D.X.data.subarray(i * 50, (i + 1) * 50).reduce((s, x) => s + x, 0);
    expect(Math.sign(mean(0))).toBe(-Math.sign(mean(5)));
  });
});

describe('spectrum statistics: λ_max(XXᵀ), λ_min⁺(XXᵀ), rank X', () => {
  it('of known matrices: a diagonal one, a rank-1 one written in floating point, the zero matrix', () => {
    const D = fromRows([
      [3, 0],
      [0, 4],
      [0, 0],
    ]);
    expect(dataStats(D)).toMatchObject({ lambda_max: 16, lambda_min_pos: 9, rank_X: 2 });
    // rows 0.1·(1, 2, 3) and 0.3·(1, 2, 3) as float64 literals: rank 1 up to rounding
    const r1 = spectrumStats(
      fromRows([
        [0.1, 0.2, 0.30000000000000004],
        [0.30000000000000004, 0.6000000000000001, 0.8999999999999999],
      ]),
    );
    expect(r1.rank_X).toBe(1);
    expect(r1.lambda_min_pos).toBeCloseTo(r1.lambda_max, 12);
    expect(r1.lambda_max).toBeCloseTo(0.1 * 0.1 * 14 + 0.3 * 0.3 * 14, 12);
    expect(spectrumStats(mat(3, 4))).toEqual({ lambda_max: 0, lambda_min_pos: 0, rank_X: 0 });
    // the threshold: σ_2/σ_1 counts when above √(max(n, d)·ε) ≈ 2.1e-8 for a 2×2 X
    const diag = (t: number) =>
      spectrumStats(
        fromRows([
          [1, 0],
          [0, t],
        ]),
      );
    expect(diag(1e-7).rank_X).toBe(2);
    expect(diag(1e-7).lambda_min_pos).toBeCloseTo(1e-14, 28);
    expect(diag(1e-8)).toMatchObject({ rank_X: 1, lambda_min_pos: 1 });
    expect(spectrumStats(fromRows([[1, NaN]]))).toEqual({ lambda_max: NaN, lambda_min_pos: NaN, rank_X: NaN });
  });

  it('agree with the eigenvalues of XXᵀ on random matrices of chosen rank, wide and tall (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        (seed, n, d, r) => {
          const rng = new Rng(seed);
          const rank = Math.min(r, n, d);
          // X = A·B with A n×rank, B rank×d: rank X = rank almost surely
          const A = rng.fillNormal(new Float64Array(n * rank)),
            B = rng.fillNormal(new Float64Array(rank * d));
          const X = mat(n, d);
          for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let k = 0; k < rank; k++) X.data[i * d + j] += A[i * rank + k] * B[k * d + j];
          const s = spectrumStats(X);
          const eig = new EigenvalueDecomposition(new Matrix(toRows(gramRows(X))), { assumeSymmetric: true }).realEigenvalues.sort((a, b) => b - a);
          expect(s.rank_X).toBe(rank);
          expect(s.lambda_max).toBeCloseTo(eig[0], 9);
          expect(Math.abs(s.lambda_min_pos - eig[rank - 1])).toBeLessThan(1e-9 * eig[0]);
        },
      ),
      fcRuns(60),
    );
  });
});

describe('linearly separable data', () => {
  it('every point has y_i⟨w*, x_i⟩ ≥ γ, labels sign⟨w*, x⟩, under either margin rule and either input law; sphere points (rejection) have norm scale', () => {
    for (const inputs of ['gaussian', 'sphere'] as const)
      for (const marginRule of ['reject', 'shift'] as const) {
        const D = linearlySeparable(new Rng(3), { n: 50, d: 4, inputs, scale: 2, margin: 0.3, marginRule });
        expect(Math.hypot(...D.teacher)).toBeCloseTo(1, 14);
        for (let i = 0; i < 50; i++) {
          const x = D.X.data.subarray(4 * i, 4 * i + 4);
          const s = x.reduce((t, v, k) => t + v * D.teacher[k], 0);
          expect(D.y[i]).toBe(Math.sign(s));
          expect(D.y[i] * s).toBeGreaterThanOrEqual(0.3 - 1e-12);
          if (inputs === 'sphere' && marginRule === 'reject') expect(Math.hypot(...x)).toBeCloseTo(2, 12);
        }
        expect(new Set(D.y).size).toBe(2);
      }
  });

  it('a given teacher is normalized; rejection that keeps too few draws is out of regime; shifting never is', () => {
    const D = linearlySeparable(new Rng(1), { n: 10, d: 2, inputs: 'gaussian', scale: 1, margin: 0, marginRule: 'reject', teacher: [3, 4] });
    expect(Array.from(D.teacher)).toEqual([0.6, 0.8]);
    expect(() => linearlySeparable(new Rng(1), { n: 3, d: 2, inputs: 'sphere', scale: 1, margin: 1.5, marginRule: 'reject' })).toThrow(OutsideDomainError);
    const S = linearlySeparable(new Rng(1), { n: 3, d: 2, inputs: 'sphere', scale: 1, margin: 1.5, marginRule: 'shift' });
    expect(S.X.data.every(Number.isFinite)).toBe(true);
  });
});

describe('sparse regression data', () => {
  it('w* has exactly k nonzeros with the given values or signs, and y = Xw* without noise', () => {
    for (const support of ['random', 'first'] as const) {
      const D = sparseRegression(new Rng(2), { n: 5, d: 12, k: 3, scale: 1, value: 2, signs: 'random', support, sigma: 0 });
      const nz = Array.from(D.teacher.keys()).filter((j) => D.teacher[j] !== 0);
      expect(nz.length).toBe(3);
      if (support === 'first') expect(nz).toEqual([0, 1, 2]);
      expect(nz.every((j) => Math.abs(D.teacher[j]) === 2)).toBe(true);
      for (let i = 0; i < 5; i++) expect(D.y[i]).toBe(D.X.data.subarray(12 * i, 12 * i + 12).reduce((t, x, j) => t + x * D.teacher[j], 0));
    }
    const V = sparseRegression(new Rng(2), { n: 5, d: 6, k: 2, scale: 1, values: [1.5, -0.5], value: 1, signs: 'positive', support: 'random', sigma: 0 });
    expect(Array.from(V.teacher).filter((x) => x !== 0)).toEqual([1.5, -0.5]);
    const noisy = sparseRegression(new Rng(2), { n: 400, d: 3, k: 1, scale: 1, value: 1, signs: 'positive', support: 'first', sigma: 0.5 });
    const resid = Array.from(noisy.y, (y, i) => y - noisy.X.data[3 * i]);
    expect(Math.sqrt(resid.reduce((t, r) => t + r * r, 0) / 400)).toBeCloseTo(0.5, 1);
    expect(() => sparseRegression(new Rng(1), { n: 2, d: 3, k: 4, scale: 1, value: 1, signs: 'positive', support: 'first', sigma: 0 })).toThrow(
      OutsideDomainError,
    );
  });
});
