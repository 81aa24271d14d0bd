// Max-margin checks (src/numeric/maxmargin.ts): the KKT residual and the hard-margin SVM.
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { fromRows, mat, type Mat } from '../../src/numeric/linalg.js';
import { hardMarginSvm, kktResidual, linearMargin, separableThroughOrigin } from '../../src/numeric/maxmargin.js';
import { Rng } from '../../src/numeric/rng.js';
import { SVM_GAP_TOLERANCE } from '../../src/blocks/metrics/linear.js';
import { fcRuns } from '../checks.js';

const row = (X: Mat, i: number) => X.data.subarray(i * X.cols, (i + 1) * X.cols);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((t, x, k) => t + x * b[k], 0);
const norm = (a: ArrayLike<number>) => Math.hypot(...Array.from(a));

/** n points in R^d labelled by a random teacher with |⟨w*, x⟩| ≥ 0.05‖w*‖ (redrawn below it): separable through the origin. */
function separable(rng: Rng, n: number, d: number): { X: Mat; y: Float64Array } {
  const wStar = Array.from({ length: d }, () => rng.normal());
  const X = mat(n, d),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    do {
      for (let k = 0; k < d; k++) X.data[i * d + k] = rng.normal();
      s = dot(row(X, i), wStar);
    } while (Math.abs(s) < 0.05 * norm(wStar));
    y[i] = s >= 0 ? 1 : -1;
  }
  return { X, y };
}

/** Brute force over support sets S: w_S = Z_Sᵀ(Z_S Z_Sᵀ)⁻¹1 (rows z_i = y_i x_i) with multipliers ≥ 0 and every margin ≥ 1 is the SVM (KKT). */
function bruteForceSvm(X: Mat, y: Float64Array): Float64Array {
  let best: Float64Array | undefined;
  for (let mask = 1; mask < 1 << X.rows; mask++) {
    const S = Array.from({ length: X.rows }, (_, i) => i).filter((i) => mask & (1 << i));
    const Z = new Matrix(S.map((i) => Array.from(row(X, i), (x) => y[i] * x)));
    const chol = new CholeskyDecomposition(Z.mmul(Z.transpose()));
    if (!chol.isPositiveDefinite()) continue;
    const lambda = chol.solve(Matrix.columnVector(S.map(() => 1))).getColumn(0);
    if (lambda.some((l) => l < -1e-12)) continue;
    const w = Float64Array.from(Z.transpose().mmul(Matrix.columnVector(lambda)).getColumn(0));
    if (Array.from({ length: X.rows }, (_, i) => y[i] * dot(row(X, i), w)).some((m) => m < 1 - 1e-10)) continue;
    if (!best || norm(w) < norm(best)) best = w;
  }
  return best!;
}

const scaled = (X: Mat, c: number | ((i: number) => number)): Mat => ({
  ...X,
  data: X.data.map((x, t) => x * (typeof c === 'number' ? c : c(Math.floor(t / X.cols)))),
});

describe('max-margin checks', () => {
  it('the KKT residual vanishes at the L1 construction and not at a perturbation of it', () => {
    // orthonormal data, two positive and two negative points; a_j = ±1/√m with both signs
    const m = 4,
      gamma = 0.3;
    const X = fromRows([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    const y = Float64Array.from([1, 1, -1, -1]);
    const a = Float64Array.from([0.5, 0.5, -0.5, -0.5]);
    const A = [1, 1, 0, 0],
      B = [0, 0, 1, 1];
    const uPlus = A.map((x, k) => x - gamma * B[k]);
    const uMinus = B.map((x, k) => x - gamma * A[k]);
    const W = mat(m, 4);
    for (let j = 0; j < m; j++)
      W.data.set(
        (a[j] > 0 ? uPlus : uMinus).map((x) => Math.abs(a[j]) * x),
        j * 4,
      );
    expect(kktResidual(W, a, X, y, gamma).residual).toBeLessThan(1e-9);
    const bent = { ...W, data: Float64Array.from(W.data) };
    bent.data[0] += 0.3;
    bent.data[5] -= 0.2;
    expect(kktResidual(bent, a, X, y, gamma).residual).toBeGreaterThan(1e-2);
  });

  it('the hard-margin SVM finds margin 1/√n on orthonormal points and matches a known 2-D case', () => {
    const X = fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const y = Float64Array.from([1, -1, 1]);
    expect(hardMarginSvm(X, y).margin).toBeCloseTo(1 / Math.sqrt(3), 10);
    // points (2,0) and (0,1) with labels +, −: max-margin direction ∝ (1/2, −1)·… margin = 2/√5
    const r = hardMarginSvm(
      fromRows([
        [2, 0],
        [0, 1],
      ]),
      Float64Array.from([1, -1]),
    );
    expect(r.margin).toBeCloseTo(2 / Math.sqrt(5), 10);
  });

  it('the dual’s duality gap certifies what the sweeps left: after 1 to 3 sweeps ‖u/m − ŵ‖/‖ŵ‖ ≤ √(gap/(1 − gap)) and γ̂ ∈ [margin, margin/√(1 − gap)]; converged, gap ≤ 1e-12 and ŵ as brute force', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, n, d, sweeps) => {
          const { X, y } = separable(new Rng(seed), n, d);
          const ref = bruteForceSvm(X, y);
          const gammaHat = 1 / norm(ref);
          const early = hardMarginSvm(X, y, 1e-13, sweeps);
          if (Number.isFinite(early.gap)) {
            const m = Math.min(...Array.from({ length: n }, (_, i) => y[i] * dot(row(X, i), early.u)));
            const feasible = early.u.map((x) => x / m);
            expect(norm(feasible.map((x, k) => x - ref[k])) / norm(ref)).toBeLessThanOrEqual(Math.sqrt(early.gap / (1 - early.gap)) * (1 + 1e-9) + 1e-12);
            expect(early.margin).toBeLessThanOrEqual(gammaHat * (1 + 1e-12));
            expect(gammaHat).toBeLessThanOrEqual((early.margin / Math.sqrt(1 - early.gap)) * (1 + 1e-9));
          }
          const done = hardMarginSvm(X, y);
          expect(done.gap).toBeLessThanOrEqual(1e-12);
          expect(norm(done.u.map((x, k) => x - ref[k]))).toBeLessThan(1e-8 * norm(ref));
          expect(Math.abs(done.margin - gammaHat)).toBeLessThan(1e-10 * gammaHat);
        },
      ),
      fcRuns(60),
    );
  });

  it('stops at maxSweeps with the gap saying how far it is (not a silently imprecise value)', () => {
    const { X, y } = separable(new Rng(7), 6, 3);
    const r = hardMarginSvm(X, y, 1e-13, 1);
    expect(r.sweeps).toBe(1);
    expect(r.gap).toBeGreaterThan(1e-10);
  });

  it('is scale-free: data times 2^±40 give the same sweeps (exact scaling), times 1e±12 the same ŵ up to the factor and γ̂ times it', () => {
    const { X, y } = separable(new Rng(11), 6, 3);
    const base = hardMarginSvm(X, y);
    for (const c of [2 ** 40, 2 ** -40, 1e12, 1e-12]) {
      const r = hardMarginSvm(scaled(X, c), y);
      if (Math.log2(c) % 1 === 0) expect(r.sweeps).toBe(base.sweeps);
      expect(Math.abs(r.margin / c - base.margin)).toBeLessThan(1e-12 * base.margin);
      expect(norm(r.u.map((x, k) => x * c - base.u[k]))).toBeLessThan(1e-12 * norm(base.u));
      expect(r.gap).toBeLessThanOrEqual(1e-12);
    }
  });
});

describe('the SVM and the linear margin at any scale float64 holds (hostile finding #22.1)', () => {
  const unit = (v: ArrayLike<number>) => {
    const top = Math.max(...Array.from(v, Math.abs));
    const n = norm(Array.from(v, (x) => x / top));
    return Array.from(v, (x) => x / top / n);
  };

  it('margin(c·X) = c·margin(X) to rounding and the direction is unchanged, for c from 1e-300 to 1e300; linearMargin(a·u, c·X) = c·linearMargin(u, X) for a from 1e-300 to 1e300', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 2, max: 3 }),
        fc.double({ min: -300, max: 300, noNaN: true }),
        fc.double({ min: -300, max: 300, noNaN: true }),
        (seed, n, d, logC, logA) => {
          const c = 10 ** logC,
            a = 10 ** logA;
          const { X, y } = separable(new Rng(seed), n, d);
          const base = hardMarginSvm(X, y);
          const r = hardMarginSvm(scaled(X, c), y);
          expect(Math.abs(r.margin / c - base.margin)).toBeLessThan(1e-12 * base.margin);
          expect(norm(unit(r.u).map((x, k) => x - unit(base.u)[k]))).toBeLessThan(1e-12);
          expect(norm(unit(r.direction).map((x, k) => x - unit(base.u)[k]))).toBeLessThan(1e-12);
          const u = Float64Array.from(base.u, (x) => x * a);
          const m = linearMargin(u, scaled(X, c), y);
          expect(Math.abs(m / c - base.margin)).toBeLessThan(1e-12 * base.margin);
        },
      ),
      fcRuns(60),
    );
  });

  it('a margin outside float64’s range is NaN, never 0 or ±∞', () => {
    // ⟨û, x⟩ = 0.0995·2^-1074 (below the least subnormal) and √2·1.5e308 (above the largest float64)
    const a = 2 ** -1022;
    const tiny = fromRows([[a * (1 + 2 ** -52), a, 0]]);
    expect(linearMargin(Float64Array.from([1, -1, 10]), tiny, Float64Array.from([1]))).toBeNaN();
    expect(linearMargin(Float64Array.from([1, 1]), fromRows([[1.5e308, 1.5e308]]), Float64Array.from([1]))).toBeNaN();
    expect(linearMargin(Float64Array.from([1, 1]), fromRows([[1.5e308, 1.5e308]]), Float64Array.from([-1]))).toBeNaN();
    expect(linearMargin(Float64Array.from([0, 0]), tiny, Float64Array.from([1]))).toBeNaN();
  });
});

describe('separability through the origin (LP)', () => {
  it('does not depend on the rows’ scales: each row times a factor from 1e-150 to 1e150 gives the same answer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), (seed, n, d, flip) => {
        const rng = new Rng(seed);
        const { X, y } = separable(rng, n, d);
        if (flip) y[0] = -y[0];
        const expected = separableThroughOrigin(X, y);
        if (!flip) expect(expected).toBe(true);
        const factors = Array.from({ length: n }, () => 10 ** Math.round(300 * (rng.uniform() - 0.5)));
        expect(
          separableThroughOrigin(
            scaled(X, (i) => factors[i]),
            y,
          ),
        ).toBe(expected);
        for (const c of [1e-9, 1e20]) expect(separableThroughOrigin(scaled(X, c), y)).toBe(expected);
      }),
      fcRuns(25),
    );
  });

  it('a non-finite entry is a clear error, a zero row is never separated', () => {
    const X = fromRows([
      [1, 2],
      [Infinity, 1],
    ]);
    expect(() => separableThroughOrigin(X, Float64Array.from([1, 1]))).toThrow(
      'separability LP: row 2 of the data has the entry Infinity; the max-margin problem needs finite data',
    );
    expect(
      separableThroughOrigin(
        fromRows([
          [1, 2],
          [0, 0],
        ]),
        Float64Array.from([1, 1]),
      ),
    ).toBe(false);
  });
});

// the hard-margin SVM against brute force over support sets, and its KKT conditions (was through directions.ts's svmDirection, no longer used)
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(...Array.from(a, (x, i) => x - b[i]));

/** Labels sign⟨w*, x_i⟩ on Gaussian rows: separable through the origin by construction. */
function teacherLabelled(rng: Rng, n: number, d: number): { X: Mat; y: Float64Array } {
  const wStar = Array.from({ length: d }, () => rng.normal());
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
  const y = Float64Array.from({ length: n }, (_, i) => (dot(row(X, i), wStar) >= 0 ? 1 : -1));
  return { X, y };
}

/** Brute force over support sets S: w_S = Z_Sᵀ(Z_S Z_Sᵀ)⁻¹1 (rows z_i = y_i x_i) with multipliers ≥ 0 and every margin ≥ 1 is the SVM (KKT). */
function bruteForceSvmOrNone(X: Mat, y: Float64Array): Float64Array | undefined {
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
        const { X, y } = teacherLabelled(new Rng(seed), n, d);
        const svm = hardMarginSvm(X, y);
        expect(svm.gap).toBeLessThanOrEqual(SVM_GAP_TOLERANCE);
        const ref = bruteForceSvmOrNone(X, y);
        expect(ref).toBeDefined();
        expect(dist(svm.u, ref!)).toBeLessThan(1e-8 * Math.hypot(...ref!));
        expect(svm.margin).toBeCloseTo(1 / Math.hypot(...ref!), 8);
      }),
      fcRuns(60),
    );
  });

  it('satisfies the KKT conditions: margins ≥ 1, and ŵ = Σ λ_i y_i x_i with λ ≥ 0 on the rows of margin 1', () => {
    const { X, y } = teacherLabelled(new Rng(42), 30, 4);
    const { u: w, gap } = hardMarginSvm(X, y);
    expect(gap).toBeLessThanOrEqual(SVM_GAP_TOLERANCE);
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

  it('finds data not separable through the origin, and a row at the origin, not separable', () => {
    const X = fromRows([
      [1, 2],
      [-1, -2],
      [0, 1],
    ]);
    expect(separableThroughOrigin(X, Float64Array.from([1, 1, 1]))).toBe(false);
    expect(separableThroughOrigin(X, Float64Array.from([1, -1, 1]))).toBe(true);
    // the dual on non-separable data ends with no separating u: a gap no tolerance accepts (the svm-* metrics test separability first)
    expect(hardMarginSvm(X, Float64Array.from([1, 1, 1]), 1e-13, 2000).gap).toBeGreaterThan(SVM_GAP_TOLERANCE);
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
