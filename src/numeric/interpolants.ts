// Interpolants of an underdetermined linear system Xw = y and the potentials that pick one of them
// (Woodworth et al. 2020, "Kernel and rich regimes", §4): the minimum-ℓ2-norm solution X⁺y from a thin
// SVD, the minimum-ℓ1 solution as an LP in HiGHS (polished on its support, with a uniqueness
// certificate), and the minimizer of the hypentropy potential Q_α by Newton's method on the dual.
// All three solve the same reduced system Aw = b (A = V_rᵀ: orthonormal rows spanning X's row space).
import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { highs } from './lp.js';
import { euclideanNorm, type Mat } from './linalg.js';

/** y is in the range of X when ‖y − Py‖ ≤ CONSISTENCY_TOLERANCE·‖y‖ (P: the orthogonal projection on the range). */
export const CONSISTENCY_TOLERANCE = 1e-9;

/** Xw = y has no solution (y is off the range of X); a trial error, not a crash. */
export class NoInterpolantError extends Error {}

/** The row space of X and the reduced system: with X = U_r Σ_r V_rᵀ (the singular values above the rank threshold), Xw = Py ⇔ Aw = b. */
export interface RowSpace {
  n: number;
  d: number;
  /** singular values above max(n, d)·ε·σ₁ (ε = 2⁻⁵², the threshold of LAPACK's and NumPy's rank) */
  rank: number;
  /** σ₁ / σ_r (1 for rank 0) */
  condition: number;
  /** A = V_rᵀ: r × d with orthonormal rows */
  A: Mat;
  /** b = Σ_r⁻¹ U_rᵀ y */
  b: Float64Array;
  /** ‖y − Py‖ / ‖y‖ (0 when y = 0) */
  inconsistency: number;
}

const norm2 = euclideanNorm;

/** The thin SVD of X, cut at the rank threshold, and the reduced system of Xw = y. */
export function rowSpace(X: Mat, y: ArrayLike<number>): RowSpace {
  const { rows: n, cols: d } = X;
  if (y.length !== n) throw new Error(`rowSpace: X has ${n} rows but y has ${y.length} entries`);
  const svd = new SingularValueDecomposition(Matrix.from1DArray(n, d, X.data), { autoTranspose: true });
  const sv = svd.diagonal;
  const order = Array.from(sv.keys()).sort((p, q) => sv[q] - sv[p]);
  const s1 = sv.length ? sv[order[0]] : 0;
  const kept = order.filter((k) => sv[k] > Math.max(n, d) * Number.EPSILON * s1);
  const r = kept.length;
  const Uo = svd.leftSingularVectors,
    V = svd.rightSingularVectors;
  const A: Mat = { rows: r, cols: d, data: new Float64Array(r * d) };
  const b = new Float64Array(r);
  const projected = new Float64Array(n);
  kept.forEach((k, i) => {
    let uy = 0;
    for (let j = 0; j < n; j++) uy += Uo.get(j, k) * y[j];
    for (let j = 0; j < n; j++) projected[j] += Uo.get(j, k) * uy;
    b[i] = uy / sv[k];
    for (let j = 0; j < d; j++) A.data[i * d + j] = V.get(j, k);
  });
  const yNorm = norm2(y);
  const off = Float64Array.from(projected, (p, j) => y[j] - p);
  return { n, d, rank: r, condition: r ? s1 / sv[kept[r - 1]] : 1, A, b, inconsistency: yNorm ? norm2(off) / yNorm : 0 };
}

/** Throws NoInterpolantError, with the residual, unless Xw = y has a solution. */
export function requireInterpolant(rs: RowSpace, what: string): void {
  if (rs.inconsistency > CONSISTENCY_TOLERANCE)
    throw new NoInterpolantError(
      `${what}: Xw = y has no solution: y is off the range of X by ‖y − Py‖/‖y‖ = ${rs.inconsistency.toExponential(2)} (n ${rs.n}, d ${rs.d}, rank ${rs.rank}; tolerance ${CONSISTENCY_TOLERANCE})`,
    );
}

/** w₂ = X⁺y = Aᵀb: the minimum-ℓ2-norm interpolant when y is in the range of X, else the minimum-norm least-squares solution. */
export function minNormSolution(rs: RowSpace): Float64Array {
  const { A, b } = rs;
  const w = new Float64Array(A.cols);
  for (let i = 0; i < A.rows; i++) for (let k = 0; k < A.cols; k++) w[k] += A.data[i * A.cols + k] * b[i];
  return w;
}

/** Writes Σ_k c_k name_k in CPLEX LP format, zero coefficients left out. */
function lpSum(terms: Array<[number, string]>): string {
  const parts = terms.filter(([c]) => c !== 0).map(([c, v]) => `${c < 0 ? '-' : '+'} ${Math.abs(c)} ${v}`);
  return parts.length ? parts.join(' ') : '0 t';
}

export interface MinL1Solution {
  w: Float64Array;
  /** ‖w₁‖₁ */
  l1: number;
  /** entries of w₁ that are not 0 */
  support: number[];
  /** the LP's vertex was re-solved exactly on its support (A_S w_S = b, full column rank); else w is HiGHS's (feasibility tolerance 1e-7 on the scaled problem) */
  polished: boolean;
  /** σ_max/σ_min of A_S (∞ when A_S has dependent columns) */
  supportCondition: number;
  /** the uniqueness certificate t* (see minL1Solution); w₁ is unique when t* > UNIQUENESS_MARGIN */
  certificate: number;
  unique: boolean;
}

/** The certificate margin for a unique minimum-ℓ1 interpolant; below it the LP's vertex is one of several minimizers (or nearly so). */
export const UNIQUENESS_MARGIN = 1e-7;

/**
 * argmin ‖w‖₁ s.t. Xw = y, as the LP min Σ_k p_k + q_k s.t. A(p − q) = b/‖b‖, p, q ≥ 0 (w = p − q; the
 * right side scaled to norm 1, so HiGHS's absolute tolerances are relative ones). The vertex HiGHS
 * returns is re-solved on its support S (entries above 1e-9·max|w|) as A_S w_S = b. Uniqueness: w₁ is
 * the only minimizer iff A_S has full column rank and some ν has A_Sᵀν = sign(w_S) and |A_kᵀν| < 1 off S
 * [R: Zhang, Yin & Cheng 2015, JOTA, "Necessary and sufficient conditions of solution uniqueness in
 * 1-norm minimization", Thm 2.1]; t* = max t s.t. A_Sᵀν = sign(w_S), |A_kᵀν| ≤ 1 − t off S (an LP).
 */
export function minL1Solution(rs: RowSpace): MinL1Solution {
  const { A, b } = rs;
  const r = A.rows,
    d = A.cols;
  const scale = norm2(b);
  if (scale === 0) return { w: new Float64Array(d), l1: 0, support: [], polished: true, supportCondition: 1, certificate: 1, unique: true };
  const lines = ['Minimize', ' obj: ' + Array.from({ length: d }, (_, k) => `p${k} + q${k}`).join(' + '), 'Subject To'];
  for (let i = 0; i < r; i++) {
    const terms: Array<[number, string]> = [];
    for (let k = 0; k < d; k++) terms.push([A.data[i * d + k], `p${k}`], [-A.data[i * d + k], `q${k}`]);
    lines.push(` c${i}: ${lpSum(terms)} = ${b[i] / scale}`);
  }
  lines.push('End');
  const sol = highs.solve(lines.join('\n'));
  if (sol.Status !== 'Optimal') throw new Error(`min-ℓ1 interpolant: HiGHS returned "${sol.Status}" for a feasible LP`);
  const lp = Float64Array.from({ length: d }, (_, k) => scale * ((sol.Columns[`p${k}`]?.Primal ?? 0) - (sol.Columns[`q${k}`]?.Primal ?? 0)));
  let top = 0;
  for (const x of lp) top = Math.max(top, Math.abs(x));
  const support = Array.from(lp.keys()).filter((k) => Math.abs(lp[k]) > 1e-9 * top);
  // exact solve on the support: A_S has full column rank at a vertex
  const AS = Matrix.zeros(r, support.length);
  support.forEach((k, j) => {
    for (let i = 0; i < r; i++) AS.set(i, j, A.data[i * d + k]);
  });
  const svd = new SingularValueDecomposition(AS, { autoTranspose: true });
  const sAS = svd.diagonal;
  const supportCondition = sAS.length === support.length ? Math.max(...sAS) / Math.min(...sAS) : Infinity;
  const fullRank = supportCondition < 1 / (Math.max(r, support.length) * Number.EPSILON);
  let w = lp,
    polished = false;
  if (fullRank && support.length) {
    const wS = svd.solve(Matrix.columnVector(Array.from(b))).getColumn(0);
    const cand = new Float64Array(d);
    support.forEach((k, j) => (cand[k] = wS[j]));
    let res = 0;
    for (let i = 0; i < r; i++) {
      let t = -b[i];
      for (const k of support) t += A.data[i * d + k] * cand[k];
      res = Math.max(res, Math.abs(t));
    }
    const sameSigns = support.every((k) => Math.sign(cand[k]) === Math.sign(lp[k]));
    if (sameSigns && res <= 1e-12 * scale) ((w = cand), (polished = true));
  }
  const l1 = w.reduce((t, x) => t + Math.abs(x), 0);
  const certificate = fullRank
    ? uniquenessCertificate(
        A,
        support,
        support.map((k) => Math.sign(w[k])),
      )
    : 0;
  return { w, l1, support, polished, supportCondition, certificate, unique: certificate > UNIQUENESS_MARGIN };
}

/** t* = max t s.t. A_Sᵀν = σ, |A_kᵀν| + t ≤ 1 off S, t ≤ 1 (ν free); −1 when no ν satisfies A_Sᵀν = σ with |A_kᵀν| ≤ 1 off S. */
function uniquenessCertificate(A: Mat, S: number[], sigma: number[]): number {
  const r = A.rows,
    d = A.cols;
  const inS = new Set(S);
  const col = (k: number): Array<[number, string]> => Array.from({ length: r }, (_, i) => [A.data[i * d + k], `v${i}`] as [number, string]);
  const lines = ['Maximize', ' obj: t', 'Subject To'];
  S.forEach((k, j) => lines.push(` s${j}: ${lpSum(col(k))} = ${sigma[j]}`));
  for (let k = 0; k < d; k++) {
    if (inS.has(k)) continue;
    const c = col(k);
    lines.push(` a${k}: ${lpSum(c)} + t <= 1`, ` b${k}: ${lpSum(c.map(([x, v]) => [-x, v]))} + t <= 1`);
  }
  lines.push('Bounds', ' t <= 1', ' t >= -1');
  for (let i = 0; i < r; i++) lines.push(` v${i} free`);
  lines.push('End');
  const sol = highs.solve(lines.join('\n'));
  return sol.Status === 'Optimal' ? (sol.Columns.t?.Primal ?? 0) : -1;
}

/** q(z) = ∫₀^z arcsinh(u/2) du = 2 − √(4 + z²) + z·arcsinh(z/2) (Woodworth et al. 2020, Thm 1), without overflow or cancellation. */
export function hypentropyQ(z: number): number {
  return z * Math.asinh(z / 2) - z * (z / (2 + Math.hypot(2, z)));
}

/** Q_α(w) = α² Σ_i q(w_i/α²): the hypentropy potential (Woodworth et al. 2020, §4, Thm 1, w₀ = 1). */
export function hypentropyPotential(w: ArrayLike<number>, alpha: number): number {
  const a2 = alpha * alpha;
  let s = 0;
  for (let i = 0; i < w.length; i++) s += hypentropyQ(w[i] / a2);
  return a2 * s;
}

export interface HypentropySolution {
  w: Float64Array;
  /** Q_α(w_α) */
  potential: number;
  newtonSteps: number;
  /** ‖Δw‖₂ of the last Newton step: after quadratic convergence, a bound on ‖w − w_α‖ */
  lastStep: number;
}

/** Newton stops once a full step changes w by at most HYPENTROPY_TOLERANCE·‖w‖∞ (quadratic convergence then leaves an error far below it). */
export const HYPENTROPY_TOLERANCE = 1e-12;
/** α for which α², w/α² and 2α²cosh(z) stay in float64's range */
export const HYPENTROPY_ALPHA_RANGE = [1e-100, 1e100] as const;

/**
 * Δ = −H⁻¹g by Cholesky; where H is singular in float64 (for small α, 2α² cosh z is ~α² off the
 * support), H + μI with μ from 1e-14·tr(H)/r up by factors of 100: a descent direction for the line search.
 */
function newtonDirection(H: Matrix, g: Float64Array): number[] {
  const r = H.rows;
  const rhs = Matrix.columnVector(Array.from(g, (x) => -x));
  let mu = 0;
  const scale = H.trace() / r;
  for (let tries = 0; tries < 12; tries++) {
    const chol = new CholeskyDecomposition(mu ? H.clone().add(Matrix.eye(r, r).mul(mu)) : H);
    if (chol.isPositiveDefinite()) return chol.solve(rhs).getColumn(0);
    mu = mu ? mu * 100 : 1e-14 * scale;
  }
  throw new Error('hypentropy: the Newton system stayed singular');
}

/**
 * w_α = argmin Q_α(w) s.t. Xw = y. ∇Q_α(w)_i = arcsinh(w_i/2α²), so the KKT conditions ∇Q_α(w) = Aᵀν
 * give w(ν) = 2α² sinh(Aᵀν) [D]; ν minimizes the convex dual φ(ν) = Σ_k 2α² cosh((Aᵀν)_k) − ⟨b, ν⟩,
 * with gradient Aw(ν) − b and Hessian A diag(2α² cosh Aᵀν) Aᵀ. Damped Newton from ν = 0 (whose first
 * full step gives the minimum-ℓ2 solution: the kernel regime), each step first cut so that no z_k
 * moves by more than 20, then halved until Armijo holds on φ, with the differences written
 * cosh z′ − cosh z = 2 sinh((z′+z)/2) sinh((z′−z)/2) (no cancellation near the optimum).
 */
export function minHypentropySolution(rs: RowSpace, alpha: number, maxSteps = 500): HypentropySolution {
  const [lo, hi] = HYPENTROPY_ALPHA_RANGE;
  if (!(alpha >= lo && alpha <= hi)) throw new Error(`hypentropy: α = ${alpha} is outside [${lo}, ${hi}]`);
  const { A, b } = rs;
  const r = A.rows,
    d = A.cols;
  const a2 = alpha * alpha;
  if (r === 0) return { w: new Float64Array(d), potential: 0, newtonSteps: 0, lastStep: 0 };
  const zOf = (nu: ArrayLike<number>): Float64Array => {
    const z = new Float64Array(d);
    for (let i = 0; i < r; i++) for (let k = 0; k < d; k++) z[k] += A.data[i * d + k] * nu[i];
    return z;
  };
  const wOf = (z: Float64Array) => Float64Array.from(z, (x) => 2 * a2 * Math.sinh(x));
  let nu = new Float64Array(r);
  let z = zOf(nu);
  for (let step = 1; step <= maxSteps; step++) {
    const w = wOf(z),
      h = Float64Array.from(z, (x) => 2 * a2 * Math.cosh(x));
    const g = Float64Array.from(b, (x) => -x);
    const H = Matrix.zeros(r, r);
    for (let i = 0; i < r; i++) {
      for (let k = 0; k < d; k++) g[i] += A.data[i * d + k] * w[k];
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += A.data[i * d + k] * h[k] * A.data[j * d + k];
        H.set(i, j, s);
        H.set(j, i, s);
      }
    }
    const delta = newtonDirection(H, g);
    const dz = zOf(delta);
    // the full step's change of w, to first order h ⊙ dz
    let wTop = 0,
      dwTop = 0,
      dw2 = 0,
      dzTop = 0;
    for (let k = 0; k < d; k++) {
      wTop = Math.max(wTop, Math.abs(w[k]));
      dwTop = Math.max(dwTop, Math.abs(h[k] * dz[k]));
      dw2 += (h[k] * dz[k]) ** 2;
      dzTop = Math.max(dzTop, Math.abs(dz[k]));
    }
    if (dwTop <= HYPENTROPY_TOLERANCE * wTop) {
      // converged: take the full step, a change below what the line search could resolve
      const wNext = wOf(zOf(Float64Array.from(nu, (x, i) => x + delta[i])));
      return { w: wNext, potential: hypentropyPotential(wNext, alpha), newtonSteps: step, lastStep: Math.sqrt(dw2) };
    }
    let slope = 0;
    for (let i = 0; i < r; i++) slope += g[i] * delta[i];
    let t = Math.min(1, 20 / dzTop);
    for (let halvings = 0; ; halvings++) {
      let diff = 0;
      for (let k = 0; k < d; k++) diff += 4 * a2 * Math.sinh(z[k] + (t * dz[k]) / 2) * Math.sinh((t * dz[k]) / 2);
      for (let i = 0; i < r; i++) diff -= b[i] * t * delta[i];
      if (diff <= 0.25 * t * slope) break;
      if (halvings >= 100) throw new Error(`hypentropy: Newton's line search failed at step ${step} (α = ${alpha})`);
      t /= 2;
    }
    nu = Float64Array.from(nu, (x, i) => x + t * delta[i]);
    z = zOf(nu);
  }
  throw new Error(`hypentropy: Newton did not converge in ${maxSteps} steps (α = ${alpha})`);
}
