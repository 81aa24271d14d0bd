// Diagonal linear networks (Woodworth et al. 2020, "Kernel and rich regimes in overparametrized
// models", their depth-2 model w = w₊² − w₋² [R]): the linear predictor x ↦ ⟨w, x⟩ with w = u⊙u − v⊙v ("u2-v2") or w = u⊙v ("uv").
// From u(0) = v(0) = α·1 the u2-v2 gradient flow interpolates, as α runs from ∞ to 0, between the
// minimum-ℓ2 and the minimum-ℓ1 interpolant (their Q_α) [R]. The uv start u(0) = 2α·1, v(0) = 0 is
// the image of that start under u = a + b, v = a − b (u⊙v = a⊙a − b⊙b), and gradient descent on
// (u, v) with step η is gradient descent on (a, b) with step η/2 [D] (the flow: time t ↔ t/2).
import { ddAdd, ddFromNumber, ddMul, ddSub, type DD } from './dd.js';
import { ddGet, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import type { Model } from './models.js';

export type DiagonalParametrization = 'u2-v2' | 'uv';

export interface DiagonalLinearOptions {
  d: number;
  parametrization: DiagonalParametrization;
  /** the initialization scale α: u2-v2 starts at u = v = α·1, uv at u = 2α·1, v = 0 (both w(0) = 0) */
  alpha: number;
}

/** w = u⊙u − v⊙v or u⊙v, into out (d entries). */
export function diagonalPredictor(theta: ArrayLike<number>, d: number, parametrization: DiagonalParametrization, out = new Float64Array(d)): Float64Array {
  for (let k = 0; k < d; k++) {
    const u = theta[k],
      v = theta[d + k];
    out[k] = parametrization === 'uv' ? u * v : u * u - v * v;
  }
  return out;
}

/** θ = [u (d), v (d)]; f(x) = ⟨w, x⟩. Layers "u", "v" (views, 1×d) and "w" (the effective predictor, 1×d). */
export function diagonalLinear(o: DiagonalLinearOptions): Model {
  const { d, parametrization: p } = o;
  const w = new Float64Array(d),
    g = new Float64Array(d);
  return {
    name: 'diagonal-linear',
    nParams: 2 * d,
    trainable: new Float64Array(2 * d).fill(1),
    init() {
      const theta = new Float64Array(2 * d);
      if (p === 'uv') theta.fill(2 * o.alpha, 0, d);
      else theta.fill(o.alpha);
      return theta;
    },
    forward(theta, X, out) {
      if (X.cols !== d) throw new Error(`diagonal-linear: data with ${X.cols} columns for a model on d = ${d}`);
      diagonalPredictor(theta, d, p, w);
      const A = X.data;
      for (let i = 0; i < X.rows; i++) {
        let f = 0;
        for (let k = 0, at = i * d; k < d; k++, at++) f += w[k] * A[at];
        out[i] = f;
      }
    },
    backward(theta, X, c, grad) {
      // g = Σ_i c_i x_i = ∂/∂w; then the chain rule through w(u, v), coordinate by coordinate
      const A = X.data;
      g.fill(0);
      for (let i = 0; i < X.rows; i++) {
        const ci = c[i];
        if (ci !== 0) for (let k = 0, at = i * d; k < d; k++, at++) g[k] += ci * A[at];
      }
      for (let k = 0; k < d; k++) {
        const u = theta[k],
          v = theta[d + k];
        if (p === 'uv') ((grad[k] = v * g[k]), (grad[d + k] = u * g[k]));
        else ((grad[k] = 2 * u * g[k]), (grad[d + k] = -2 * v * g[k]));
      }
    },
    layers(theta) {
      return {
        u: { rows: 1, cols: d, data: theta.subarray(0, d) },
        v: { rows: 1, cols: d, data: theta.subarray(d, 2 * d) },
        w: { rows: 1, cols: d, data: diagonalPredictor(theta, d, p) },
      };
    },
    dd: () => diagonalLinearDD(o),
  };
}

/** The double-double twin of diagonalLinear (same θ layout). */
export function diagonalLinearDD(o: Pick<DiagonalLinearOptions, 'd' | 'parametrization'>): DDModel {
  const { d, parametrization: p } = o;
  const predictor = (theta: DDVec): DDMat => {
    const w: DDMat = { rows: 1, cols: d, ...ddVec(d) };
    for (let k = 0; k < d; k++) {
      const u = ddGet(theta, k),
        v = ddGet(theta, d + k);
      ddSet(w, k, p === 'uv' ? ddMul(u, v) : ddSub(ddMul(u, u), ddMul(v, v)));
    }
    return w;
  };
  const two = ddFromNumber(2);
  return {
    nParams: 2 * d,
    forward(theta, X, out) {
      const w = predictor(theta);
      for (let i = 0; i < X.rows; i++) {
        let f: DD = ddFromNumber(0);
        for (let k = 0; k < d; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) f = ddAdd(f, ddMul(ddGet(w, k), ddFromNumber(x)));
        }
        ddSet(out, i, f);
      }
    },
    backward(theta, X, c, grad) {
      const g = ddVec(d);
      for (let i = 0; i < X.rows; i++) {
        const ci = ddGet(c, i);
        if (ci.hi === 0 && ci.lo === 0) continue;
        for (let k = 0; k < d; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) ddSet(g, k, ddAdd(ddGet(g, k), ddMul(ci, ddFromNumber(x))));
        }
      }
      for (let k = 0; k < d; k++) {
        const u = ddGet(theta, k),
          v = ddGet(theta, d + k),
          gk = ddGet(g, k);
        if (p === 'uv') (ddSet(grad, k, ddMul(v, gk)), ddSet(grad, d + k, ddMul(u, gk)));
        else (ddSet(grad, k, ddMul(ddMul(two, u), gk)), ddSet(grad, d + k, ddMul(ddMul(ddFromNumber(-2), v), gk)));
      }
    },
    layers(theta) {
      return {
        u: { rows: 1, cols: d, hi: theta.hi.subarray(0, d), lo: theta.lo.subarray(0, d) },
        v: { rows: 1, cols: d, hi: theta.hi.subarray(d, 2 * d), lo: theta.lo.subarray(d, 2 * d) },
        w: predictor(theta),
      };
    },
  };
}
