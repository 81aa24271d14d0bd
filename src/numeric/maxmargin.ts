// Max-margin checks for two-layer nets with a fixed output layer (Frei et al. note §1, §4.2):
// margins and sign agreement, the KKT residual of (P) as a linear program, the hard-margin linear
// SVM, and the linear boundary z = Wᵀa with the test points that compare a net against it.
import { SingularValueDecomposition, Matrix } from 'ml-matrix';
import { euclideanNorm, toRows, type Mat } from './linalg.js';
import { highs } from './lp.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

/** q_i = y_i f(x_i; θ). */
export function margins(model: Model, theta: Float64Array, X: Mat, y: Float64Array): Float64Array {
  const p = new Float64Array(X.rows);
  model.forward(theta, X, p);
  for (let i = 0; i < p.length; i++) p[i] *= y[i];
  return p;
}

/** min_i y_i f(x_i; θ). */
export function minMargin(model: Model, theta: Float64Array, X: Mat, y: Float64Array): number {
  return margins(model, theta, X, y).reduce((m, x) => Math.min(m, x), Infinity);
}

/** Fraction of predictions p_i with sign p_i = sign y_i. */
export function signAgreement(p: Float64Array, y: Float64Array): number {
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (Math.sign(p[i]) === Math.sign(y[i])) ok++;
  return ok / p.length;
}

export interface KktResult {
  /** ‖W̄ − [a_j Σ_i y_i μ_ij x_i]_j‖₁ / ‖W̄‖₁ at the best multipliers, W̄ = W / min_i q_i */
  residual: number;
  /** max_i λ_i (q̄_i − 1) / max_i λ_i: complementary slackness */
  slackness: number;
  /** fraction of (i, j) pairs on the kink (|cos ∠(w_j, x_i)| ≤ eps), where φ′ ∈ [γ, 1] */
  kinkFraction: number;
}

/**
 * Fit λ ≥ 0 and the multipliers μ_ij by an LP: μ_ij = λ_i above the kink, γλ_i below it, and
 * γλ_i ≤ μ_ij ≤ λ_i on it (cosine within eps), minimizing the ℓ₁ residual of stationarity.
 * A plain NNLS with φ′ ∈ {1, γ} reports false failures at limits on the kink (note §4.2).
 */
export function kktResidual(W: Mat, a: ArrayLike<number>, X: Mat, y: Float64Array, gamma: number, eps = 1e-3): KktResult {
  const m = W.rows,
    d = W.cols,
    n = X.rows;
  const q = new Float64Array(n);
  const z = new Float64Array(m * n);
  for (let i = 0; i < n; i++) {
    let f = 0;
    let xn = 0;
    for (let k = 0; k < d; k++) xn += X.data[i * d + k] ** 2;
    for (let j = 0; j < m; j++) {
      let s = 0,
        wn = 0;
      for (let k = 0; k < d; k++) {
        s += W.data[j * d + k] * X.data[i * d + k];
        wn += W.data[j * d + k] ** 2;
      }
      z[j * n + i] = s / (Math.sqrt(wn * xn) || 1);
      f += a[j] * (s > 0 ? s : gamma * s);
    }
    q[i] = y[i] * f;
  }
  const qmin = q.reduce((m, x) => Math.min(m, x), Infinity);
  if (!(qmin > 0)) return { residual: Infinity, slackness: Infinity, kinkFraction: NaN };
  const Wbar = Array.from(W.data, (w) => w / qmin);
  // Columns: l_i (λ), u_ij (μ on the kink), ep_jk, en_jk (residual parts).
  // Objective: the ℓ₁ stationarity residual plus complementary slackness Σ_i λ_i(q̄_i − 1), in the
  // same units (λ_i x_i a_j is a row of W̄), so the LP prefers multipliers on the support vectors.
  let aSum = 0;
  for (let j = 0; j < m; j++) aSum += Math.abs(a[j]);
  const slackTerms: string[] = [];
  for (let i = 0; i < n; i++) {
    let xn = 0;
    for (let k = 0; k < d; k++) xn += Math.abs(X.data[i * d + k]);
    const c = (q[i] / qmin - 1) * xn * aSum;
    if (c > 0) slackTerms.push(`${c} l${i}`);
  }
  const lines: string[] = ['Minimize', ' obj: ' + [...Array.from({ length: m * d }, (_, t) => `ep${t} + en${t}`), ...slackTerms].join(' + '), 'Subject To'];
  let kinks = 0;
  const muTerm = (i: number, j: number): string => {
    const c = z[j * n + i];
    if (c > eps) return `l${i}`;
    if (c < -eps) return `${gamma} l${i}`;
    kinks++;
    return `u${i}_${j}`;
  };
  const mu: string[][] = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => muTerm(i, j)));
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < d; k++) {
      const terms: string[] = [];
      for (let i = 0; i < n; i++) {
        const coef = a[j] * y[i] * X.data[i * d + k];
        if (coef === 0) continue;
        const t = mu[j][i];
        const [c0, v] = t.includes(' ') ? [Number(t.split(' ')[0]) * coef, t.split(' ')[1]] : [coef, t];
        if (c0 !== 0) terms.push(`${c0 >= 0 ? '+' : '-'} ${Math.abs(c0)} ${v}`);
      }
      const t = j * d + k;
      lines.push(` s${t}: ${terms.join(' ')} + ep${t} - en${t} = ${Wbar[t]}`.replace(':  +', ': ').replace(': +', ': '));
    }
  }
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      const t = mu[j][i];
      if (!t.startsWith('u')) continue;
      lines.push(` k${i}_${j}a: ${t} - l${i} <= 0`, ` k${i}_${j}b: ${t} - ${gamma} l${i} >= 0`);
    }
  }
  lines.push('Bounds');
  for (let i = 0; i < n; i++) lines.push(` l${i} >= 0`);
  lines.push('End');
  const r = highs.solve(lines.join('\n'));
  if (r.Status !== 'Optimal') return { residual: Infinity, slackness: Infinity, kinkFraction: kinks / (m * n) };
  let l1 = 0;
  for (const w of Wbar) l1 += Math.abs(w);
  const lambda = Array.from({ length: n }, (_, i) => r.Columns[`l${i}`]?.Primal ?? 0);
  const lmax = lambda.reduce((m, x) => Math.max(m, x), -Infinity);
  let slack = 0;
  for (let i = 0; i < n; i++) slack = Math.max(slack, lambda[i] * (q[i] / qmin - 1));
  let resid = 0;
  for (let t = 0; t < m * d; t++) resid += (r.Columns[`ep${t}`]?.Primal ?? 0) + (r.Columns[`en${t}`]?.Primal ?? 0);
  return { residual: resid / (l1 || 1), slackness: lmax > 0 ? slack / lmax : Infinity, kinkFraction: kinks / (m * n) };
}

/** Σ_k (v_k/top)² for top = max |v_k| > 0 (in [1, to − from]). */
function sumSquaresOver(v: ArrayLike<number>, top: number, from: number, to: number): number {
  let s = 0;
  for (let k = from; k < to; k++) s += (v[k] / top) ** 2;
  return s;
}

/** x·2^e, exact unless the result leaves float64's normal range (|e| may exceed 1023, where 2^e itself is not a float64). */
export function ldexp(x: number, e: number): number {
  if (Math.abs(e) <= 1000) return x * 2 ** e;
  const half = Math.trunc(e / 2);
  return x * 2 ** half * 2 ** (e - half);
}

/** The exponent e with 2^e nearest (in log) the longest row's norm, computed without forming a norm that could overflow. */
function longestRowExponent(X: Mat, what: string): number {
  const { rows: n, cols: d } = X;
  let best = -Infinity;
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let k = i * d; k < (i + 1) * d; k++) top = Math.max(top, Math.abs(X.data[k]));
    if (top > 0) best = Math.max(best, Math.log2(top) + Math.log2(sumSquaresOver(X.data, top, i * d, (i + 1) * d)) / 2);
  }
  if (!Number.isFinite(best)) throw new Error(`${what}: every row of the data is zero`);
  return Math.round(best);
}

/** A value held as m·2^e, so that it survives where m·2^e itself would overflow or underflow. */
export interface Scaled {
  m: number;
  e: number;
}

/** m·2^e as a float64, or NaN where it leaves float64's range (overflow to ±∞, or a nonzero m underflowing to 0). */
export function unscaled(v: Scaled): number {
  const r = ldexp(v.m, v.e);
  return Number.isFinite(r) && (r !== 0 || v.m === 0) ? r : NaN;
}

/** An error for data the max-margin solvers cannot hold in float64: a non-finite entry. */
function requireFiniteRows(X: Mat, what: string): void {
  for (let t = 0; t < X.data.length; t++)
    if (!Number.isFinite(X.data[t]))
      throw new Error(`${what}: row ${Math.floor(t / X.cols) + 1} of the data has the entry ${X.data[t]}; the max-margin problem needs finite data`);
}

/**
 * Whether some w has y_i⟨w, x_i⟩ > 0 for all i: the data are linearly separable through the origin. An LP
 * feasibility problem in HiGHS, y_i⟨w, x_i⟩/‖x_i‖ ≥ 1 with w free, on rows scaled to unit length (separability
 * does not change with a row's scale; HiGHS's tolerances are absolute, so rows of norm 1e-9 or 1e20 as
 * given would be misjudged or overflow). A row at the origin is never separated. A margin of the
 * normalized rows below HiGHS's coefficient tolerance (~1e-9) is below what the LP resolves.
 */
export function separableThroughOrigin(X: Mat, y: ArrayLike<number>): boolean {
  const { rows: n, cols: d } = X;
  requireFiniteRows(X, 'separability LP');
  const lines = ['Minimize', ' obj: 0 w0', 'Subject To'];
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let k = i * d; k < (i + 1) * d; k++) top = Math.max(top, Math.abs(X.data[k]));
    if (top === 0) return false;
    // x_i/‖x_i‖ as (x_i/top)/‖x_i/top‖: ‖x_i‖ itself can overflow (or lose digits below the normal range)
    const rest = Math.sqrt(sumSquaresOver(X.data, top, i * d, (i + 1) * d));
    const terms: string[] = [];
    for (let k = 0; k < d; k++) {
      const c = (y[i] * X.data[i * d + k]) / top / rest;
      if (c !== 0) terms.push(`${c < 0 ? '-' : '+'} ${Math.abs(c)} w${k}`);
    }
    lines.push(` m${i}: ${terms.join(' ')} >= 1`);
  }
  lines.push('Bounds');
  for (let k = 0; k < d; k++) lines.push(` w${k} free`);
  lines.push('End');
  const s = highs.solve(lines.join('\n')).Status;
  if (s === 'Optimal') return true;
  if (s === 'Infeasible') return false;
  throw new Error(`separability LP (${n} rows scaled to unit length, ${d} columns): HiGHS returned "${s}", neither feasible nor infeasible`);
}

export interface HardMarginSvm {
  /** ŵ = Σ_i α_i y_i x_i from the dual's α (≈ argmin ‖v‖ s.t. y_i⟨v, x_i⟩ ≥ 1); ±∞ or 0 entries where ŵ leaves float64's range (see direction) */
  u: Float64Array;
  /** ŵ·2^e for the data's scale 2^e: the same direction as ŵ, with entries of the size 1/γ̂ has on data of unit size */
  direction: Float64Array;
  /** min_i y_i⟨u, x_i⟩/‖u‖; NaN where it leaves float64's range (marginScaled still holds it) */
  margin: number;
  /** the margin as m·2^e, computed on the data scaled to unit size */
  marginScaled: Scaled;
  /**
   * The relative duality gap (P − D)/P at the end, P = ½‖u‖²/m² (u scaled to be feasible, m = min_i y_i⟨u, x_i⟩),
   * D = 1ᵀα − ½‖u‖²; ∞ when u separates no point set (m ≤ 0). It bounds what the sweeps left: γ̂ lies in
   * [margin, margin/√(1 − gap)] and ‖u/m − ŵ‖/‖ŵ‖ ≤ √(gap/(1 − gap)) (½‖·‖² is 1-strongly convex).
   */
  gap: number;
  sweeps: number;
}

/**
 * Hard-margin linear SVM without bias through its dual, min_{α ≥ 0} ½αᵀQα − 1ᵀα with
 * Q_ij = y_iy_j⟨x_i, x_j⟩, by exact coordinate descent on the data scaled by a power of two 2^e (exact) so that
 * the longest row has norm in [1/√2, √2): the stopping test (a sweep moving u by less than tol) is then
 * relative to the data's scale, and the margin (2^e times the scaled data's) and direction never over- or
 * underflow on the way. Returns the max-margin direction u, its margin and the duality gap.
 */
export function hardMarginSvm(X: Mat, y: Float64Array, tol = 1e-13, maxSweeps = 100000): HardMarginSvm {
  const n = X.rows,
    d = X.cols;
  requireFiniteRows(X, 'hard-margin SVM');
  const e = longestRowExponent(X, 'hard-margin SVM');
  const x = e === 0 ? X.data : X.data.map((v) => ldexp(v, -e));
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      Q[i * n + j] = y[i] * y[j] * s;
    }
  const alpha = new Float64Array(n);
  const g = new Float64Array(n).fill(-1); // Qα − 1
  let sweeps = 0;
  while (sweeps < maxSweeps) {
    sweeps++;
    let change = 0;
    for (let i = 0; i < n; i++) {
      const next = Math.max(0, alpha[i] - g[i] / Q[i * n + i]);
      const delta = next - alpha[i];
      if (delta !== 0) {
        alpha[i] = next;
        for (let j = 0; j < n; j++) g[j] += delta * Q[j * n + i];
        change = Math.max(change, Math.abs(delta) * Math.sqrt(Q[i * n + i]));
      }
    }
    if (change < tol) break;
  }
  const w = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) w[k] += alpha[i] * y[i] * x[i * d + k];
  const u = e === 0 ? w : w.map((v) => ldexp(v, -e));
  const scaledData = { rows: n, cols: d, data: x instanceof Float64Array ? x : Float64Array.from(x) };
  const inScaled = linearMarginScaled(w, scaledData, y);
  const marginScaled = { m: inScaled.m, e: inScaled.e + e };
  return { u, direction: w, margin: unscaled(marginScaled), marginScaled, gap: dualityGap(alpha, w, x, y, d), sweeps };
}

/**
 * (P − D)/P for the dual point α and w = Σ α_i y_i x_i: with q_i = y_i⟨w, x_i⟩, m = min q_i and
 * Σ α_i q_i = ‖w‖², it is 1 − m² − 2m²·Σ α_i(1 − q_i)/‖w‖², written so that no large terms cancel.
 */
function dualityGap(alpha: Float64Array, w: Float64Array, x: ArrayLike<number>, y: Float64Array, d: number): number {
  let ww = 0;
  for (let k = 0; k < d; k++) ww += w[k] * w[k];
  let m = Infinity,
    slack = 0;
  for (let i = 0; i < alpha.length; i++) {
    let q = 0;
    for (let k = 0; k < d; k++) q += w[k] * x[i * d + k];
    q *= y[i];
    m = Math.min(m, q);
    slack += alpha[i] * (1 - q);
  }
  if (!(m > 0 && ww > 0)) return Infinity;
  return Math.max(0, (1 - m) * (1 + m) - (2 * m * m * slack) / ww);
}

/**
 * min_i y_i⟨u, x_i⟩/‖u‖ as m·2^e: u/‖u‖ (a scaled norm) against the rows scaled by a power of two 2^e near
 * max |x_ik|, so that neither ‖u‖² nor the inner products over- or underflow whatever the scales of u and X.
 * m is NaN for u = 0 or a non-finite u.
 */
export function linearMarginScaled(u: ArrayLike<number>, X: Mat, y: Float64Array): Scaled {
  const d = X.cols;
  const un = euclideanNorm(u, { to: d });
  if (!(un > 0 && Number.isFinite(un))) return { m: NaN, e: 0 };
  const unit = Float64Array.from({ length: d }, (_, k) => u[k] / un);
  let top = 0;
  for (const v of X.data) top = Math.max(top, Math.abs(v));
  const e = top > 0 && Number.isFinite(top) ? Math.round(Math.log2(top)) : 0;
  let m = Infinity;
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += unit[k] * ldexp(X.data[i * d + k], -e);
    m = Math.min(m, y[i] * s);
  }
  return { m, e };
}

/** min_i y_i⟨u, x_i⟩ / ‖u‖ (scale-safe, see linearMarginScaled); NaN where it leaves float64's range or u = 0. */
export function linearMargin(u: ArrayLike<number>, X: Mat, y: Float64Array): number {
  return unscaled(linearMarginScaled(u, X, y));
}

/** The top-k right singular vectors of W (rows of the result). */
export function topRightSingularVectors(W: Mat, k: number): number[][] {
  const svd = new SingularValueDecomposition(new Matrix(toRows(W)), { computeLeftSingularVectors: false, autoTranspose: true });
  const V = svd.rightSingularVectors;
  const order = Array.from(svd.diagonal.keys()).sort((p, q) => svd.diagonal[q] - svd.diagonal[p]);
  return order.slice(0, k).map((c) => V.getColumn(c));
}

/** z = Wᵀa = Σ_j a_j w_j: the normal of a two-layer net's linear boundary. */
export function linearBoundaryNormal(W: Mat, a: ArrayLike<number>): Float64Array {
  const d = W.cols;
  const z = new Float64Array(d);
  for (let j = 0; j < W.rows; j++) for (let k = 0; k < d; k++) z[k] += a[j] * W.data[j * d + k];
  return z;
}

/** Test points (rows): `circle` points on the unit circle of W's top-2 right-singular plane (none if W has fewer than 2), then `random` N(0, I) points. */
export function boundaryTestPoints(W: Mat, circle: number, random: number, rng: Rng): Mat {
  const d = W.cols;
  const pts: number[][] = [];
  const [v1, v2] = topRightSingularVectors(W, 2);
  for (let t = 0; t < circle && v1 && v2; t++) {
    const th = (2 * Math.PI * t) / circle;
    pts.push(v1.map((x, k) => Math.cos(th) * x + Math.sin(th) * v2[k]));
  }
  for (let t = 0; t < random; t++) pts.push(Array.from({ length: d }, () => rng.normal()));
  return { rows: pts.length, cols: d, data: Float64Array.from(pts.flat()) };
}

/** Fraction of points x (rows of X, predictions f) with sign f(x) ≠ sign⟨z, x⟩, skipping |⟨z, x⟩| < 1e-9‖z‖‖x‖; 0 when none counts. */
export function signDisagreement(X: Mat, f: Float64Array, z: Float64Array): number {
  const d = X.cols;
  const zn = Math.sqrt(z.reduce((t, x) => t + x * x, 0));
  let counted = 0,
    bad = 0;
  for (let i = 0; i < X.rows; i++) {
    let zx = 0,
      xx = 0;
    for (let k = 0; k < d; k++) ((zx += X.data[i * d + k] * z[k]), (xx += X.data[i * d + k] * X.data[i * d + k]));
    const xn = Math.sqrt(xx);
    if (Math.abs(zx) < 1e-9 * zn * xn) continue;
    counted++;
    if (Math.sign(zx) !== Math.sign(f[i])) bad++;
  }
  return counted ? bad / counted : 0;
}
