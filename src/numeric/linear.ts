// The linear predictor x ↦ ⟨w, x⟩ (+ b) as a Model: least squares under the square loss, logistic
// or exponential-loss classification (Soudry et al. 2018) under the margin losses.
import { ddAdd, ddFromNumber, ddMul, type DD } from './dd.js';
import { ddGet, ddSet, type DDModel, type DDVec } from './dd-model.js';
import { denseKernels, outerGradient, preActivations, rowProducts } from './dense.js';
import type { Mat } from './linalg.js';
import { lossSumAndWeights, type Loss } from './losses.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

export interface LinearModelOptions {
  d: number;
  /** a trained bias b (θ gains one entry after w) */
  bias: boolean;
  /** zero: θ(0) = 0 (draws nothing); gaussian: every entry of w (and b) N(0, scale²) */
  init: 'zero' | 'gaussian';
  scale: number;
}

/** Bias-free linear models: their passes are dense.ts's products with one output (linearObjectiveKernel). */
const biasFree = new WeakSet<Model>();

/** f(x) = ⟨w, x⟩ + b; θ = [w (d), b (only with a bias)]. Layers "w" (1×d) and "b" (1×1). */
export function linearModel(o: LinearModelOptions): Model {
  const model = linearModelPasses(o);
  if (!o.bias) biasFree.add(model);
  return model;
}

function linearModelPasses(o: LinearModelOptions): Model {
  const { d } = o;
  const nParams = d + (o.bias ? 1 : 0);
  return {
    name: 'linear',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      if (o.init === 'gaussian') {
        const rw = rng.fork('w');
        for (let k = 0; k < d; k++) theta[k] = o.scale * rw.normal();
        if (o.bias) theta[d] = o.scale * rng.fork('b').normal();
      }
      return theta;
    },
    forward(theta, X, out) {
      if (X.cols !== d) throw new Error(`linear: data with ${X.cols} columns for a model on d = ${d}`);
      const A = X.data;
      for (let i = 0; i < X.rows; i++) {
        let f = 0;
        for (let k = 0, at = i * d; k < d; k++, at++) f += theta[k] * A[at];
        out[i] = o.bias ? f + theta[d] : f;
      }
    },
    backward(theta, X, c, grad) {
      // ∂/∂w = Σ_i c_i x_i, ∂/∂b = Σ_i c_i
      const A = X.data;
      grad.fill(0);
      for (let i = 0; i < X.rows; i++) {
        const ci = c[i];
        if (ci === 0) continue;
        for (let k = 0, at = i * d; k < d; k++, at++) grad[k] += ci * A[at];
        if (o.bias) grad[d] += ci;
      }
    },
    layers(theta) {
      return { w: { rows: 1, cols: d, data: theta.subarray(0, d) }, ...(o.bias ? { b: { rows: 1, cols: 1, data: theta.subarray(d, d + 1) } } : {}) };
    },
    dd: () => linearModelDD(o),
  };
}

/** The double-double twin of linearModel (same θ layout). */
export function linearModelDD(o: Pick<LinearModelOptions, 'd' | 'bias'>): DDModel {
  const { d } = o;
  const nParams = d + (o.bias ? 1 : 0);
  const slice = (theta: DDVec, from: number, to: number) => ({ rows: 1, cols: to - from, hi: theta.hi.subarray(from, to), lo: theta.lo.subarray(from, to) });
  return {
    nParams,
    forward(theta, X, out) {
      for (let i = 0; i < X.rows; i++) {
        let f: DD = o.bias ? ddGet(theta, d) : ddFromNumber(0);
        for (let k = 0; k < d; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) f = ddAdd(f, ddMul(ddGet(theta, k), ddFromNumber(x)));
        }
        ddSet(out, i, f);
      }
    },
    backward(_theta, X, c, grad) {
      grad.hi.fill(0);
      grad.lo.fill(0);
      for (let i = 0; i < X.rows; i++) {
        const ci = ddGet(c, i);
        if (ci.hi === 0 && ci.lo === 0) continue;
        for (let k = 0; k < d; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) ddSet(grad, k, ddAdd(ddGet(grad, k), ddMul(ci, ddFromNumber(x))));
        }
        if (o.bias) ddSet(grad, d, ddAdd(ddGet(grad, d), ci));
      }
    },
    layers(theta) {
      return { w: slice(theta, 0, d), ...(o.bias ? { b: slice(theta, d, d + 1) } : {}) };
    },
  };
}

/**
 * From this many products (rows × d) a linear model's objective runs on X held in WebAssembly memory (a gradient-descent
 * step of 50×10 1.4× and of 20×100 2.4× faster than the passes; 8×2 and 16×5 as fast), or without WebAssembly on dense.ts's
 * JavaScript products from 4096.
 */
export const LINEAR_KERNEL_FROM = denseKernels === 'wasm-simd' ? 64 : 4096;

/**
 * objective(model, loss, X, y, ·)'s valueAndGrad with reduction weight w (then negated, with `negate`) for a bias-free linear
 * model on n·d ≥ LINEAR_KERNEL_FROM products: Xθ by preActivations (each sum in k order, as forward) and Σ_i c_i x_i by
 * outerGradient (in i order, as backward), on X held in WebAssembly memory where it loads (rowProducts), bit-identical to the model's passes (test/numeric/linear.test.ts). backward skips a
 * row whose c_i is 0 where the product adds 0·x_ik — the same sum unless x_ik is ±∞, so data with a non-finite entry keep the passes.
 */
export function linearObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const n = X.rows,
    d = X.cols;
  if (!biasFree.has(model) || model.nParams !== d || n * d < LINEAR_KERNEL_FROM || !X.data.every(Number.isFinite)) return undefined;
  const A = X.data;
  const r = rowProducts(A, n, d);
  if (r)
    return (theta, out) => {
      r.theta.set(theta);
      r.predict();
      const s = lossSumAndWeights(loss, r.z, y, n, w, r.c);
      r.gradient();
      const g = r.grad;
      if (negate) for (let p = 0; p < d; p++) out[p] = -g[p];
      else out.set(g);
      return w * s;
    };
  const pred = new Float64Array(n),
    c = new Float64Array(n);
  return (theta, out) => {
    preActivations(theta, A, undefined, 0, n, 1, d, pred);
    const s = lossSumAndWeights(loss, pred, y, n, w, c);
    outerGradient(c, A, n, 1, d, out);
    if (negate) for (let p = 0; p < d; p++) out[p] = -out[p];
    return w * s;
  };
}
