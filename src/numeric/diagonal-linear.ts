// Diagonal linear networks (Woodworth et al. 2020, "Kernel and rich regimes in overparametrized
// models", their depth-2 model w = w₊² − w₋² [R]): the linear predictor x ↦ ⟨w, x⟩ with w = u⊙u − v⊙v ("u2-v2") or w = u⊙v ("uv").
// From u(0) = v(0) = α·1 the u2-v2 gradient flow interpolates, as α runs from ∞ to 0, between the
// minimum-ℓ2 and the minimum-ℓ1 interpolant (their Q_α) [R]. The uv start u(0) = 2α·1, v(0) = 0 is
// the image of that start under u = a + b, v = a − b (u⊙v = a⊙a − b⊙b), and gradient descent on
// (u, v) with step η is gradient descent on (a, b) with step η/2 [D] (the flow: time t ↔ t/2).
// A shaped, biased start (the "shape" w₀ of the initialization and a start β(0) ≠ 0, Woodworth et al.
// 2020 Sec. 4 [R]) keeps u_iv_i = α²s_i², which the u2-v2 flow conserves: u_i = αs_ie^{a_i}, v_i = αs_ie^{−a_i}
// with sinh(2a_i) = w0_i/(2α²s_i²) [D]; uv takes its image 2αs_i(cosh a_i, sinh a_i).
import { ddAdd, ddFromNumber, ddMul, ddSub, type DD } from './dd.js';
import { ddGet, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import { rowProducts } from './dense.js';
import type { Mat } from './linalg.js';
import { LINEAR_KERNEL_FROM } from './linear.js';
import { lossSumAndWeights, type Loss } from './losses.js';
import type { Model } from './models.js';

export type DiagonalParametrization = 'u2-v2' | 'uv';

export interface DiagonalLinearOptions {
  d: number;
  parametrization: DiagonalParametrization;
  /** the initialization scale α: u2-v2 starts at u = v = α·1, uv at u = 2α·1, v = 0 (both w(0) = 0) */
  alpha: number;
  /** the start's shape s (d positive entries; default 1): u_iv_i = α²s_i² */
  shape?: ArrayLike<number>;
  /** the start's predictor w(0) (d entries; default 0) */
  w0?: ArrayLike<number>;
}

/** The (u, v) start of a diagonal network: u_i = αs_ie^{a_i}, v_i = αs_ie^{−a_i}, sinh(2a_i) = w0_i/(2α²s_i²) (u2-v2); uv: u_i = 2αs_i cosh a_i, v_i = 2αs_i sinh a_i. */
export function diagonalStart(o: DiagonalLinearOptions): Float64Array {
  const { d, alpha } = o;
  const theta = new Float64Array(2 * d);
  for (let k = 0; k < d; k++) {
    const s = o.shape ? o.shape[k] : 1,
      w0 = o.w0 ? o.w0[k] : 0;
    const scale = alpha * s;
    // w0/(2α²s²) as (w0/(2αs))/(αs): no overflow of α²s² at α near 1e±100
    const a = w0 === 0 ? 0 : Math.asinh(w0 / (2 * scale) / scale) / 2;
    if (o.parametrization === 'uv') {
      theta[k] = 2 * scale * Math.cosh(a);
      theta[d + k] = 2 * scale * Math.sinh(a);
    } else {
      theta[k] = a === 0 ? scale : scale * Math.exp(a);
      theta[d + k] = a === 0 ? scale : scale * Math.exp(-a);
    }
  }
  return theta;
}

/**
 * How finely float64 resolves the predictor w at a u2-v2 start: the largest change of u_i² − v_i² when u_i
 * or v_i moves by one ulp, (|u_i| + |v_i|)·max(|u_i|, |v_i|)·2⁻⁵² — about 2α²·2⁻⁵² from u = v = α. uv resolves w = u⊙v to
 * its own relative rounding (no cancellation), so its value is 0 here.
 */
export function diagonalStartResolution(theta: ArrayLike<number>, d: number, parametrization: DiagonalParametrization): number {
  if (parametrization === 'uv') return 0;
  let res = 0;
  for (let k = 0; k < d; k++) {
    const u = Math.abs(theta[k]),
      v = Math.abs(theta[d + k]);
    res = Math.max(res, (u + v) * Math.max(u, v) * 2 ** -52);
  }
  return res;
}

/** w = u⊙u − v⊙v or u⊙v, into out (d entries). */
export function diagonalPredictor(
  theta: ArrayLike<number>,
  d: number,
  parametrization: DiagonalParametrization,
  out: Float64Array = new Float64Array(d),
): Float64Array {
  for (let k = 0; k < d; k++) {
    const u = theta[k],
      v = theta[d + k];
    out[k] = parametrization === 'uv' ? u * v : u * u - v * v;
  }
  return out;
}

/** The diagonal networks made here, with their d and parametrization (diagonalLinearObjectiveKernel). */
const diagonalModels = new WeakMap<Model, DiagonalLinearOptions>();

/** θ = [u (d), v (d)]; f(x) = ⟨w, x⟩. Layers "u", "v" (views, 1×d) and "w" (the effective predictor, 1×d). */
export function diagonalLinear(o: DiagonalLinearOptions): Model {
  const model = diagonalLinearPasses(o);
  diagonalModels.set(model, o);
  return model;
}

/**
 * objective(model, loss, X, y, ·)'s valueAndGrad with reduction weight w (then negated, with `negate`) for a diagonal network on
 * n·d ≥ LINEAR_KERNEL_FROM products of finite data: the model's passes with Xw and Σ_i c_i x_i on X held in WebAssembly memory
 * (dense.ts rowProducts: each sum in the passes' order), bit-identical (test/numeric/diagonal-linear-objective.test.ts). As for
 * linear models, the rows with c_i = 0 that backward skips add ±0 to sums that are never −0.
 */
export function diagonalLinearObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const o = diagonalModels.get(model);
  const n = X.rows,
    d = X.cols;
  if (!o || o.d !== d || n * d < LINEAR_KERNEL_FROM || !X.data.every(Number.isFinite)) return undefined;
  const r = rowProducts(X.data, n, d);
  if (!r) return undefined;
  const uv = o.parametrization === 'uv';
  return (theta, out) => {
    diagonalPredictor(theta, d, o.parametrization, r.theta);
    r.predict();
    const s = lossSumAndWeights(loss, r.z, y, n, w, r.c);
    r.gradient();
    const g = r.grad;
    for (let k = 0; k < d; k++) {
      const u = theta[k],
        v = theta[d + k];
      const gu = uv ? v * g[k] : 2 * u * g[k],
        gv = uv ? u * g[k] : -2 * v * g[k];
      out[k] = negate ? -gu : gu;
      out[d + k] = negate ? -gv : gv;
    }
    return w * s;
  };
}

function diagonalLinearPasses(o: DiagonalLinearOptions): Model {
  const { d, parametrization: p } = o;
  const w = new Float64Array(d),
    g = new Float64Array(d);
  return {
    name: 'diagonal-linear',
    nParams: 2 * d,
    trainable: new Float64Array(2 * d).fill(1),
    init() {
      return diagonalStart(o);
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
