// The training objective L(θ) = Σ_i ℓ(f(x_i;θ), y_i), or the mean over i; and the same over a subset of the rows (mini-batches).
import type { Mat } from './linalg.js';
import { lossSumAndWeights, type Loss } from './losses.js';
import type { Model } from './models.js';
import { deepLinearObjectiveKernel } from './deeplinear.js';
import { diagonalLinearObjectiveKernel } from './diagonal-linear.js';
import { linearObjectiveKernel } from './linear.js';
import { reluNetObjectiveKernel } from './relunet-objective.js';
import { cpObjectiveKernel } from './tensor.js';
import { twoLayerObjectiveKernel } from './two-layer-objective.js';

export interface Objective {
  nParams: number;
  value(theta: Float64Array): number;
  /** Writes ∇L(θ) into grad and returns L(θ). Frozen parameters get 0. */
  valueAndGrad(theta: Float64Array, grad: Float64Array): number;
  /** Writes −∇L(θ) into out and returns L(θ), as valueAndGrad followed by negation would; present where a generated kernel does it in one pass (a function of its arguments alone, called without `this`). */
  negativeGradient?: (theta: Float64Array, out: Float64Array) => number;
}

/** Kernels that copy X into WebAssembly memory once per data set (dense.ts rowProducts). */
const COPY_X = new Set([linearObjectiveKernel, diagonalLinearObjectiveKernel]);
/** For an objective called a few times only (a mini-batch's), those kernels run from this many products n·d: below, the copy costs more than the passes it saves. */
const FEW_CALLS_COPY_FROM = 4096;

/**
 * X and y are read when the objective is made (a kernel may keep copies): data changed in place afterwards needs a new
 * objective. `fewCalls`: the objective of a mini-batch, called about once.
 */
export function objective(model: Model, loss: Loss, X: Mat, y: Float64Array, reduction: 'sum' | 'mean', o: { fewCalls?: boolean } = {}): Objective {
  const n = X.rows;
  const pred = new Float64Array(n);
  const c = new Float64Array(n);
  const w = reduction === 'mean' ? 1 / n : 1;
  const valueOf = (theta: Float64Array): number => {
    model.forward(theta, X, pred);
    let s = 0;
    for (let i = 0; i < n; i++) s += loss.value(pred[i], y[i]);
    return w * s;
  };
  // a small two-layer net, deep linear factorization or deep ReLU net: a kernel generated for its shape; an order-3 CP factorization: a fused pass;
  // a bias-free linear model or a diagonal network: dense.ts's products; all bit-identical to the passes below
  for (const kernelOf of [
    twoLayerObjectiveKernel,
    deepLinearObjectiveKernel,
    reluNetObjectiveKernel,
    cpObjectiveKernel,
    linearObjectiveKernel,
    diagonalLinearObjectiveKernel,
  ]) {
    if (o.fewCalls && COPY_X.has(kernelOf) && n * X.cols < FEW_CALLS_COPY_FROM) continue;
    const kernel = kernelOf(model, loss, X, y, w, false);
    if (kernel) return { nParams: model.nParams, value: valueOf, valueAndGrad: kernel, negativeGradient: kernelOf(model, loss, X, y, w, true) };
  }
  return {
    nParams: model.nParams,
    value: valueOf,
    valueAndGrad(theta, grad) {
      model.forward(theta, X, pred);
      const s = lossSumAndWeights(loss, pred, y, n, w, c);
      model.backward(theta, X, c, grad, true);
      return w * s;
    },
  };
}

/** The same objective over the given rows of (X, y), in that order and with repeats counted: 'sum' sums ℓ over them, 'mean' averages over them (1/rows.length). */
export function objectiveOnRows(model: Model, loss: Loss, X: Mat, y: Float64Array, reduction: 'sum' | 'mean', rows: ArrayLike<number>): Objective {
  const b = rows.length,
    d = X.cols;
  const Xb: Mat = { rows: b, cols: d, data: new Float64Array(b * d) };
  const yb = new Float64Array(b);
  for (let k = 0; k < b; k++) {
    const i = rows[k];
    if (!Number.isInteger(i) || i < 0 || i >= X.rows) throw new RangeError(`row ${i} is outside 0..${X.rows - 1}`);
    Xb.data.set(X.data.subarray(i * d, (i + 1) * d), k * d);
    yb[k] = y[i];
  }
  return objective(model, loss, Xb, yb, reduction, { fewCalls: true });
}
