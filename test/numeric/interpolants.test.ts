// Interpolants of Xw = y (src/numeric/interpolants.ts) against independent references: the pseudo-inverse
// against the normal equations, the ℓ1 LP against brute force over supports, and the Q_α minimizer
// against a one-row root find, its optimality among interpolants, and its limits α → ∞ (w₂) and α → 0 (w₁).
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  CONSISTENCY_TOLERANCE,
  hypentropyPotential,
  hypentropyQ,
  minHypentropySolution,
  minL1Solution,
  minNormSolution,
  NoInterpolantError,
  requireInterpolant,
  rowSpace,
} from '../../src/numeric/interpolants.js';
import { fromRows, type Mat } from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const gaussian = (rng: Rng, n: number, d: number): Mat => ({ rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) });
const times = (X: Mat, w: ArrayLike<number>): Float64Array =>
  Float64Array.from({ length: X.rows }, (_, i) => {
    let s = 0;
    for (let k = 0; k < X.cols; k++) s += X.data[i * X.cols + k] * w[k];
    return s;
  });
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(...Array.from(a, (x, i) => x - b[i]));
const norm = (a: ArrayLike<number>) => Math.hypot(...Array.from(a));
const l1 = (a: ArrayLike<number>) => Array.from(a).reduce((t, x) => t + Math.abs(x), 0);
const toMatrix = (X: Mat) => Matrix.from1DArray(X.rows, X.cols, X.data);

describe('minimum-ℓ2-norm solution X⁺y (thin SVD)', () => {
  it('equals Xᵀ(XXᵀ)⁻¹y for full row rank (n ≤ d) and (XᵀX)⁻¹Xᵀy for full column rank (n ≥ d)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        (seed, small, extra, wide) => {
          const rng = new Rng(seed);
          const [n, d] = wide ? [small, small + extra] : [small + extra, small];
          const X = gaussian(rng, n, d);
          const y = wide
            ? Float64Array.from({ length: n }, () => rng.normal())
            : times(
                X,
                Array.from({ length: d }, () => rng.normal()),
              );
          const rs = rowSpace(X, y);
          expect(rs.rank).toBe(Math.min(n, d));
          expect(rs.inconsistency).toBeLessThan(1e-12);
          const w2 = minNormSolution(rs);
          const M = toMatrix(X);
          const Y = Matrix.columnVector(Array.from(y));
          const ref = wide
            ? M.transpose()
                .mmul(new CholeskyDecomposition(M.mmul(M.transpose())).solve(Y))
                .getColumn(0)
            : new CholeskyDecomposition(M.transpose().mmul(M)).solve(M.transpose().mmul(Y)).getColumn(0);
          expect(dist(w2, ref)).toBeLessThan(1e-9 * (1 + norm(ref)));
          expect(dist(times(X, w2), y)).toBeLessThan(1e-10 * (1 + norm(y)));
        },
      ),
      fcRuns(60),
    );
  });

  it('is orthogonal to the null space: any other interpolant w₂ + δ (Xδ = 0) is longer', () => {
    const rng = new Rng(7);
    const X = gaussian(rng, 3, 7);
    const y = Float64Array.from([1, -2, 0.5]);
    const rs = rowSpace(X, y);
    const w2 = minNormSolution(rs);
    for (let t = 0; t < 20; t++) {
      // δ = v − Aᵀ(Av): v's component off the row space
      const v = Float64Array.from({ length: 7 }, () => rng.normal());
      const Av = Array.from({ length: rs.rank }, (_, i) => v.reduce((s, x, k) => s + rs.A.data[i * 7 + k] * x, 0));
      const delta = v.map((x, k) => x - Av.reduce((s, a, i) => s + rs.A.data[i * 7 + k] * a, 0));
      expect(norm(times(X, delta))).toBeLessThan(1e-12 * norm(v));
      expect(norm(w2.map((x, k) => x + delta[k]))).toBeGreaterThan(norm(w2));
    }
  });

  it('keeps a rank-deficient consistent system (a repeated row) and says when y is off the range, with the residual', () => {
    const X = fromRows([
      [1, 2, 0],
      [0, 1, 1],
      [1, 2, 0],
    ]);
    const consistent = rowSpace(X, [1, 2, 1]);
    expect(consistent.rank).toBe(2);
    expect(() => requireInterpolant(consistent, 'test')).not.toThrow();
    // the same as the system without the repeated row
    const reduced = minNormSolution(
      rowSpace(
        fromRows([
          [1, 2, 0],
          [0, 1, 1],
        ]),
        [1, 2],
      ),
    );
    expect(dist(minNormSolution(consistent), reduced)).toBeLessThan(1e-14);
    const inconsistent = rowSpace(X, [1, 2, 1.5]);
    expect(inconsistent.inconsistency).toBeGreaterThan(CONSISTENCY_TOLERANCE);
    expect(() => requireInterpolant(inconsistent, 'test')).toThrow(NoInterpolantError);
    expect(() => requireInterpolant(inconsistent, 'test')).toThrow(
      /Xw = y has no solution: y is off the range of X by ‖y − Py‖\/‖y‖ = 1\.31e-1 \(n 3, d 3, rank 2/,
    );
    // X⁺y is still the minimum-norm least-squares solution: the normal equations XᵀXw = Xᵀy hold
    const ls = minNormSolution(inconsistent);
    const M = toMatrix(X);
    const resid = M.transpose().mmul(M.mmul(Matrix.columnVector(Array.from(ls))).sub(Matrix.columnVector([1, 2, 1.5])));
    expect(resid.norm()).toBeLessThan(1e-13);
  });

  it('has rank 0 and w₂ = 0 for X = 0, consistent only with y = 0', () => {
    const X = { rows: 2, cols: 3, data: new Float64Array(6) };
    expect(Array.from(minNormSolution(rowSpace(X, [0, 0])))).toEqual([0, 0, 0]);
    expect(rowSpace(X, [0, 0]).rank).toBe(0);
    expect(rowSpace(X, [0, 1]).inconsistency).toBe(1);
  });
});

/** Brute force: the minimum ‖w‖₁ over the basic solutions (X_S w_S = y, X_S of full column rank) of every support S. */
function bruteForceL1(X: Mat, y: Float64Array): { value: number; minimizers: Float64Array[] } {
  const d = X.cols;
  let value = Infinity;
  let minimizers: Float64Array[] = [];
  for (let mask = 0; mask < 1 << d; mask++) {
    const S = Array.from({ length: d }, (_, k) => k).filter((k) => mask & (1 << k));
    let w = new Float64Array(d);
    if (S.length) {
      const XS = Matrix.zeros(X.rows, S.length);
      S.forEach((k, j) => {
        for (let i = 0; i < X.rows; i++) XS.set(i, j, X.data[i * d + k]);
      });
      const sv = new SingularValueDecomposition(XS).diagonal;
      if (sv.length < S.length || !(Math.min(...sv) > 1e-9 * Math.max(...sv))) continue;
      const wS = new CholeskyDecomposition(XS.transpose().mmul(XS)).solve(XS.transpose().mmul(Matrix.columnVector(Array.from(y)))).getColumn(0);
      w = new Float64Array(d);
      S.forEach((k, j) => (w[k] = wS[j]));
    }
    if (dist(times(X, w), y) > 1e-9 * (1 + norm(y))) continue;
    const v = l1(w);
    if (v < value - 1e-9) ((value = v), (minimizers = [w]));
    else if (v < value + 1e-9) minimizers.push(w);
  }
  return { value, minimizers };
}

describe('minimum-ℓ1 solution (LP in HiGHS)', () => {
  it('has the brute-force minimum over supports on tiny systems (d ≤ 5), and the same point where that is unique', () => {
    let unique = 0,
      ties = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), (seed, n, extra) => {
        const rng = new Rng(seed);
        const d = Math.min(5, n + extra);
        // integer entries make ties (several minimizers) common enough to exercise the certificate
        const X = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => Math.round(3 * rng.normal())) };
        const y = Float64Array.from({ length: n }, () => Math.round(3 * rng.normal()));
        const rs = rowSpace(X, y);
        if (rs.inconsistency > CONSISTENCY_TOLERANCE) return;
        const sol = minL1Solution(rs);
        const ref = bruteForceL1(X, y);
        expect(Math.abs(sol.l1 - ref.value)).toBeLessThan(1e-9 * (1 + ref.value));
        expect(dist(times(X, sol.w), y)).toBeLessThan(1e-9 * (1 + norm(y)));
        // the minimizers form a bounded face whose vertices are basic solutions: unique iff brute force finds one vertex
        const distinct = ref.minimizers.filter((w, i) => ref.minimizers.findIndex((v) => dist(v, w) < 1e-9) === i);
        expect(sol.unique, `certificate ${sol.certificate}, ${distinct.length} minimizing vertices`).toBe(distinct.length === 1);
        if (sol.unique) {
          unique++;
          expect(dist(sol.w, distinct[0])).toBeLessThan(1e-9 * (1 + norm(distinct[0])));
          expect(sol.polished).toBe(true);
        } else ties++;
      }),
      fcRuns(60),
    );
    expect(unique).toBeGreaterThan(10);
    expect(ties).toBeGreaterThan(3);
  });

  it('recovers a sparse w* from Gaussian measurements exactly, and certifies it', () => {
    const rng = new Rng(11);
    const X = gaussian(rng, 12, 30);
    const wStar = new Float64Array(30);
    wStar[3] = 1.5;
    wStar[17] = -2;
    const sol = minL1Solution(rowSpace(X, times(X, wStar)));
    expect(sol.support).toEqual([3, 17]);
    expect(sol.polished).toBe(true);
    expect(sol.unique).toBe(true);
    expect(dist(sol.w, wStar)).toBeLessThan(1e-13);
  });

  it('calls a tie not unique: x₁ + x₂ = 1 is minimized by the whole segment', () => {
    const sol = minL1Solution(rowSpace(fromRows([[1, 1]]), [1]));
    expect(sol.l1).toBeCloseTo(1, 12);
    expect(sol.unique).toBe(false);
    // 2x₁ + x₂ = 1 has the single minimizer (½, 0)
    const one = minL1Solution(rowSpace(fromRows([[2, 1]]), [1]));
    expect(one.unique).toBe(true);
    expect(dist(one.w, [0.5, 0])).toBeLessThan(1e-15);
  });
});

/** One row x: w_k = 2α² sinh(x_k ν) with Σ x_k w_k = y, ν by bisection (the sum is increasing in ν). */
function oneRowHypentropy(x: number[], y: number, alpha: number): Float64Array {
  const w = (nu: number) => x.map((xk) => 2 * alpha * alpha * Math.sinh(xk * nu));
  const f = (nu: number) => w(nu).reduce((s, wk, k) => s + wk * x[k], 0) - y;
  let [lo, hi] = [-1, 1];
  while (f(lo) > 0) lo *= 2;
  while (f(hi) < 0) hi *= 2;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return Float64Array.from(w((lo + hi) / 2));
}

describe('hypentropy potential Q_α and its minimizer among interpolants', () => {
  it('q(z) = 2 − √(4+z²) + z·arcsinh(z/2) = ∫₀^z arcsinh(u/2) du, also where the direct formula cancels or overflows', () => {
    for (const z of [-7, -1, -0.3, 0, 0.3, 1, 2.5, 40]) {
      expect(hypentropyQ(z)).toBeCloseTo(2 - Math.sqrt(4 + z * z) + z * Math.asinh(z / 2), 12);
      // Simpson's rule on 2000 panels
      const m = 2000,
        h = z / m;
      let s = 0;
      for (let i = 0; i <= m; i++) s += (i === 0 || i === m ? 1 : i % 2 ? 4 : 2) * Math.asinh((i * h) / 2);
      expect(Math.abs(hypentropyQ(z) - (s * h) / 3)).toBeLessThan(1e-11 * (1 + Math.abs(hypentropyQ(z))));
    }
    // q(z) = z²/4 + O(z⁴) near 0, and |z| log|z| + O(1) far out (Woodworth et al. 2020, §4)
    expect(hypentropyQ(1e-9) / (1e-18 / 4)).toBeCloseTo(1, 12);
    expect(Number.isFinite(hypentropyQ(1e300))).toBe(true);
    expect(hypentropyQ(1e300) / (1e300 * Math.log(1e300))).toBeCloseTo(1, 2);
    expect(hypentropyPotential([1, -2], 1e-3)).toBeCloseTo(1e-6 * (hypentropyQ(1e6) + hypentropyQ(-2e6)), 6);
  });

  it('agrees with a one-row root find for α from 1e-6 to 1e3', () => {
    const x = [1, -2, 0.5, 3];
    for (const alpha of [1e-6, 1e-3, 0.1, 1, 10, 1e3]) {
      const sol = minHypentropySolution(rowSpace(fromRows([x]), [1.7]), alpha);
      const ref = oneRowHypentropy(x, 1.7, alpha);
      expect(dist(sol.w, ref), `α = ${alpha}`).toBeLessThan(1e-11 * (1 + norm(ref)));
    }
  });

  it('is the minimum of Q_α among interpolants: moving along the null space of X raises Q_α', () => {
    const rng = new Rng(5);
    const X = gaussian(rng, 4, 9);
    const y = Float64Array.from({ length: 4 }, () => rng.normal());
    const rs = rowSpace(X, y);
    for (const alpha of [1e-4, 0.3, 5]) {
      const sol = minHypentropySolution(rs, alpha);
      expect(dist(times(X, sol.w), y)).toBeLessThan(1e-10);
      for (let t = 0; t < 10; t++) {
        const v = Float64Array.from({ length: 9 }, () => rng.normal());
        const Av = Array.from({ length: rs.rank }, (_, i) => v.reduce((s, x, k) => s + rs.A.data[i * 9 + k] * x, 0));
        const delta = v.map((x, k) => x - Av.reduce((s, a, i) => s + rs.A.data[i * 9 + k] * a, 0));
        for (const eps of [1e-3, -1e-3, 0.1])
          expect(
            hypentropyPotential(
              sol.w.map((w, k) => w + eps * delta[k]),
              alpha,
            ),
          ).toBeGreaterThan(sol.potential);
      }
    }
  });

  it('tends to w₂ as α → ∞ and to w₁ as α → 0 (sparse w*, Gaussian X 5×12)', () => {
    // tolerances from this example's measured approach (Woodworth et al. Thm 2: polynomial in α toward w₂, in 1/log(1/α) toward w₁)
    const rng = new Rng(4);
    const X = gaussian(rng, 5, 12);
    const wStar = new Float64Array(12);
    wStar[1] = 1;
    wStar[4] = -2;
    const rs = rowSpace(X, times(X, wStar));
    const w2 = minNormSolution(rs),
      w1 = minL1Solution(rs);
    expect(w1.unique).toBe(true);
    const to2 = [1, 10, 1e3, 1e6].map((a) => dist(minHypentropySolution(rs, a).w, w2));
    const to1 = [1e-3, 1e-10, 1e-30, 1e-100].map((a) => dist(minHypentropySolution(rs, a).w, w1.w));
    for (let i = 1; i < 4; i++) expect(to2[i]).toBeLessThan(to2[i - 1]);
    for (let i = 1; i < 4; i++) expect(to1[i]).toBeLessThan(to1[i - 1]);
    expect(to2[3]).toBeLessThan(1e-12);
    expect(to1[2]).toBeLessThan(1e-10);
    // in between it is neither
    const mid = minHypentropySolution(rs, 0.1).w;
    expect(dist(mid, w2)).toBeGreaterThan(0.1);
    expect(dist(mid, w1.w)).toBeGreaterThan(0.1);
  });

  it('refuses α outside [1e-100, 1e100]', () => {
    const rs = rowSpace(fromRows([[1, 2]]), [1]);
    expect(() => minHypentropySolution(rs, 1e-120)).toThrow(/α = 1e-120 is outside/);
    expect(() => minHypentropySolution(rs, 0)).toThrow(/outside/);
  });
});
