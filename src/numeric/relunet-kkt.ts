// KKT residual of the max-margin problem of a k-homogeneous net (Timor, Vardi & Shamir, Problem 7;
// Lyu & Li 2020): min ½‖θ‖² s.t. y_i N_θ(x_i) ≥ 1. At θ with positive margins, θ̂ = θ / q_min^{1/k}
// has margin 1, and the multipliers λ ≥ 0 are fitted by nonnegative least squares to
//   ‖θ̂ − Σ_i λ_i g_i‖² + (k Σ_i λ_i (q̂_i − 1) / ‖θ̂‖)²,   g_i = ∇_θ (y_i N_θ(x_i)) at θ̂,
// stationarity and complementary slackness in the same units: at a KKT point ⟨θ̂, g_i⟩ = k q̂_i, so
// k Σ λ_i q̂_i = ‖θ̂‖². Both parts are reported relative to ‖θ̂‖ (λ = 0 gives stationarity 1).
import { Matrix, solve } from 'ml-matrix';
import type { Model } from './models.js';
import type { Mat } from './linalg.js';

export interface HomogeneousKkt {
  /** ‖θ̂ − Σ λ_i g_i‖ / ‖θ̂‖ at the fitted λ */
  stationarity: number;
  /** k Σ λ_i (q̂_i − 1) / ‖θ̂‖², the complementary-slackness part (q̂_i ≥ 1, so ≥ 0) */
  slackness: number;
  /** √(stationarity² + slackness²): the fitted objective, relative to ‖θ̂‖ */
  residual: number;
  /** the fitted multipliers, and the margins q̂_i at margin 1 */
  lambda: Float64Array;
  margins: Float64Array;
}

/**
 * min_{λ ≥ 0} ½λᵀHλ − bᵀλ (Lawson–Hanson active set on the normal equations), H positive semidefinite:
 * the NNLS min ‖Aλ − c‖ with H = AᵀA, b = Aᵀc. Small problems (one variable per data point).
 */
export function nnlsNormal(H: number[][], b: number[], maxIter = 200): Float64Array {
  const n = b.length;
  const lam = new Float64Array(n);
  const passive = new Array<boolean>(n).fill(false);
  const scale = Math.max(1e-300, ...b.map(Math.abs), ...H.map((r, i) => Math.abs(r[i])));
  const tol = 1e-13 * scale;
  const subSolve = (P: number[]): number[] => {
    const A = new Matrix(P.map((i) => P.map((j) => H[i][j])));
    const rhs = Matrix.columnVector(P.map((i) => b[i]));
    return solve(A, rhs, true).to1DArray();
  };
  for (let outer = 0; outer < maxIter; outer++) {
    const w = b.map((bi, i) => bi - H[i].reduce((s, h, j) => s + h * lam[j], 0));
    let best = -1;
    for (let i = 0; i < n; i++) if (!passive[i] && w[i] > tol && (best < 0 || w[i] > w[best])) best = i;
    if (best < 0) break;
    passive[best] = true;
    for (let inner = 0; inner < maxIter; inner++) {
      const P = [...Array(n).keys()].filter((i) => passive[i]);
      const s = subSolve(P);
      if (s.every((v) => v > 0)) {
        P.forEach((i, t) => (lam[i] = s[t]));
        break;
      }
      // step from λ toward s until the first passive variable reaches 0
      let alpha = 1;
      P.forEach((i, t) => {
        if (s[t] <= 0) alpha = Math.min(alpha, lam[i] / (lam[i] - s[t]));
      });
      P.forEach((i, t) => {
        lam[i] += alpha * (s[t] - lam[i]);
        if (lam[i] <= 1e-15 * scale || (s[t] <= 0 && lam[i] <= 0)) ((lam[i] = 0), (passive[i] = false));
      });
    }
  }
  return lam;
}

/**
 * The KKT residual of Problem 7 at θ for a model that is k-homogeneous in θ (a bias-free ReLU net of
 * depth k). Margins q_i = y_i f(x_i; θ); all of them must be positive, else the result is Infinity.
 */
export function homogeneousKkt(model: Model, theta: Float64Array, X: Mat, y: Float64Array, k: number): HomogeneousKkt {
  const n = X.rows,
    P = theta.length;
  const f = new Float64Array(n);
  model.forward(theta, X, f);
  const q = Float64Array.from(f, (v, i) => v * y[i]);
  const qmin = q.reduce((m, v) => Math.min(m, v), Infinity);
  if (!(qmin > 0)) return { stationarity: Infinity, slackness: Infinity, residual: Infinity, lambda: new Float64Array(n), margins: q };
  const that = Float64Array.from(theta, (t) => t / Math.pow(qmin, 1 / k));
  const qhat = Float64Array.from(q, (v) => v / qmin);
  const norm2 = that.reduce((s, t) => s + t * t, 0);
  const G: Float64Array[] = [];
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    c.fill(0);
    c[i] = y[i];
    const g = new Float64Array(P);
    model.backward(that, X, c, g);
    G.push(g);
  }
  // the slackness row: k (q̂_i − 1) / ‖θ̂‖, target 0
  const srow = Array.from(qhat, (v) => (k * (v - 1)) / Math.sqrt(norm2));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, t) => s + v * b[t], 0);
  const H = G.map((gi, i) => G.map((gj, j) => dot(gi, gj) + srow[i] * srow[j]));
  const b = G.map((gi) => dot(gi, that));
  const lambda = nnlsNormal(H, b);
  const r = Float64Array.from(that);
  G.forEach((g, i) => {
    if (lambda[i] !== 0) for (let t = 0; t < P; t++) r[t] -= lambda[i] * g[t];
  });
  const stationarity = Math.sqrt(dot(r, r) / norm2);
  const slackness = (k * lambda.reduce((s, l, i) => s + l * (qhat[i] - 1), 0)) / norm2;
  return { stationarity, slackness, residual: Math.hypot(stationarity, slackness), lambda, margins: qhat };
}
