// The zero-loss set of a single neuron x ↦ σ(⟨w, x⟩), σ(z) = max(γz, z), under the square loss, and
// its point closest to an initialization (Vardi & Shamir Thm 1 and Thm 8); active sets and the
// activation pattern of a layer of neurons.
import { Matrix, solve } from 'ml-matrix';
import { distance, type Mat } from './linalg.js';

/** Projection of w0 onto {w : ⟨w, a_k⟩ = b_k}; undefined when the a_k are dependent. */
export function projectAffine(w0: Float64Array, A: Float64Array[], b: number[]): Float64Array | undefined {
  const out = Float64Array.from(w0);
  if (!A.length) return out;
  const G = new Matrix(A.map((ai) => A.map((aj) => ai.reduce((s, x, k) => s + x * aj[k], 0))));
  const r = A.map((ai, i) => b[i] - ai.reduce((s, x, k) => s + x * w0[k], 0));
  let c: number[];
  try {
    c = solve(G, Matrix.columnVector(r)).to1DArray();
  } catch {
    return undefined;
  }
  if (c.some((x) => !Number.isFinite(x))) return undefined;
  A.forEach((ai, i) => ai.forEach((x, k) => (out[k] += c[i] * x)));
  const ok = A.every((ai, i) => Math.abs(ai.reduce((s, x, k) => s + x * out[k], 0) - b[i]) <= 1e-9 * (1 + Math.abs(b[i])));
  return ok ? out : undefined;
}

/**
 * argmin ‖w − w0‖ over the zero-loss set: ⟨w, x_i⟩ = σ⁻¹(y_i) where σ is invertible at y_i, and
 * ⟨w, x_i⟩ ≤ 0 for y_i = 0 under ReLU (γ = 0). Exact, by enumerating which inequalities are tight
 * (2^k subsets, k = number of zero labels; at most 16 allowed). Undefined when the set is empty.
 */
export function closestZeroLossPoint(X: Mat, y: ArrayLike<number>, gamma: number, w0: Float64Array): Float64Array | undefined {
  const d = X.cols;
  const row = (i: number) => X.data.subarray(i * d, (i + 1) * d);
  const eqA: Float64Array[] = [],
    eqb: number[] = [],
    ineq: Float64Array[] = [];
  for (let i = 0; i < X.rows; i++) {
    if (y[i] > 0) (eqA.push(row(i)), eqb.push(y[i]));
    else if (gamma > 0) (eqA.push(row(i)), eqb.push(y[i] / gamma));
    else if (y[i] === 0) ineq.push(row(i));
    else return undefined; // a ReLU cannot output a negative target
  }
  if (ineq.length > 16) throw new Error('closestZeroLossPoint: more than 16 inequality constraints');
  let best: Float64Array | undefined;
  let bestDist = Infinity;
  for (let mask = 0; mask < 1 << ineq.length; mask++) {
    const A = [...eqA],
      b = [...eqb];
    ineq.forEach((a, k) => {
      if (mask & (1 << k)) (A.push(a), b.push(0));
    });
    const w = projectAffine(w0, A, b);
    if (!w) continue;
    if (!ineq.every((a) => a.reduce((s, x, k) => s + x * w[k], 0) <= 1e-9)) continue;
    const dist = Math.sqrt(w.reduce((s, x, k) => s + (x - w0[k]) ** 2, 0));
    if (dist < bestDist) ((bestDist = dist), (best = w));
  }
  return best;
}

/** ‖w(∞) − w(0)‖ / ‖w* − w(0)‖ over the first n coordinates (Vardi & Shamir Thm 8): 1 when w(0) is already w* and w stayed put, ∞ when it moved. */
export function closestZeroLossRatio(w: ArrayLike<number>, w0: ArrayLike<number>, star: ArrayLike<number>, n: number): number {
  const moved = distance(w, w0, n),
    needed = distance(star, w0, n);
  if (needed === 0) return moved === 0 ? 1 : Infinity;
  return moved / needed;
}

/** The activation pattern [⟨w_j, x_i⟩ + b_j > 0] of the rows w_j of W (biases b optional) on the first `n` rows of X, as an n×m 0/1 array (0 at exactly 0). */
export function activationPattern(W: Mat, b: Mat | undefined, X: Mat, n = X.rows): Uint8Array {
  const d = W.cols,
    m = W.rows;
  const out = new Uint8Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let z = b ? b.data[j] : 0;
      for (let k = 0; k < d; k++) z += W.data[j * d + k] * X.data[i * d + k];
      out[i * m + j] = z > 0 ? 1 : 0;
    }
  return out;
}

/** The examples a single neuron x ↦ v·σ(⟨w, x⟩) uses at w, with their slopes σ′: those with ⟨w, x_i⟩ > 0 (slope 1) and, for leaky ReLU (γ > 0), those below 0 (slope γ). */
export function activeSet(X: Mat, w: ArrayLike<number>, gamma: number): Array<{ i: number; slope: number }> {
  const d = X.cols;
  const out: Array<{ i: number; slope: number }> = [];
  for (let i = 0; i < X.rows; i++) {
    let z = 0;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * w[k];
    if (z > 0) out.push({ i, slope: 1 });
    else if (z < 0 && gamma > 0) out.push({ i, slope: gamma });
  }
  return out;
}

/**
 * The linear-regime limit (Vardi & Shamir note §3, C5): while the active set I stays fixed, the flow
 * of w moves only in the span of the rows x_i, i ∈ I, so a zero-loss limit is the point of
 * {w : v·s_i⟨w, x_i⟩ = y_i, i ∈ I} closest to w0: w0 + X_Iᵀ(X_I X_Iᵀ)⁻¹(y_I/(v s_I) − X_I w0).
 * Undefined when the rows of X_I are dependent.
 */
export function linearRegimePoint(X: Mat, y: ArrayLike<number>, I: Array<{ i: number; slope: number }>, v: number, w0: Float64Array): Float64Array | undefined {
  const d = X.cols;
  return projectAffine(
    w0,
    I.map(({ i }) => X.data.subarray(i * d, (i + 1) * d)),
    I.map(({ i, slope }) => y[i] / (v * slope)),
  );
}
