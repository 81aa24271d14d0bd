// Double-double twins of models, losses and objectives: the same function as the float64 Model, with
// every parameter, intermediate and result a double-double (dd.ts). Data (X, y) are float64 and taken
// as exact. Used to re-simulate a witness in higher precision (certified witnesses) and for
// `--precision dd` searches on small models.
import { ddAdd, ddDiv, ddFromNumber, ddMul, ddSub, type DD } from './dd.js';
import type { Mat } from './linalg.js';

/** A vector of double-doubles: value i is hi[i] + lo[i]. */
export interface DDVec {
  hi: Float64Array;
  lo: Float64Array;
}

/** A rows×cols row-major matrix of double-doubles. */
export interface DDMat extends DDVec {
  rows: number;
  cols: number;
}

export const ddVec = (n: number): DDVec => ({ hi: new Float64Array(n), lo: new Float64Array(n) });
export const ddVecFrom = (x: ArrayLike<number>): DDVec => ({ hi: Float64Array.from(x), lo: new Float64Array(x.length) });
export const ddGet = (v: DDVec, i: number): DD => ({ hi: v.hi[i], lo: v.lo[i] });
export function ddSet(v: DDVec, i: number, x: DD): void {
  v.hi[i] = x.hi;
  v.lo[i] = x.lo;
}
/** hi + lo of every entry, rounded to float64. */
export function ddRound(v: DDVec, out = new Float64Array(v.hi.length)): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = v.hi[i] + v.lo[i];
  return out;
}
export const ddMatRound = (m: DDMat): Mat => ({ rows: m.rows, cols: m.cols, data: ddRound(m) });
export function ddCopy(from: DDVec, to: DDVec): void {
  to.hi.set(from.hi);
  to.lo.set(from.lo);
}

/** out = A·B for row-major dd matrices A (r×k) and B (k×c); out must not alias A or B. */
export function ddMatMul(A: DDMat, B: DDMat, out: DDMat = { rows: A.rows, cols: B.cols, ...ddVec(A.rows * B.cols) }): DDMat {
  if (A.cols !== B.rows) throw new Error(`ddMatMul: ${A.rows}×${A.cols} times ${B.rows}×${B.cols}`);
  const { rows: r, cols: k } = A,
    c = B.cols;
  out.rows = r;
  out.cols = c;
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      let s = ddFromNumber(0);
      for (let q = 0; q < k; q++) s = ddAdd(s, ddMul(ddGet(A, i * k + q), ddGet(B, q * c + j)));
      ddSet(out, i * c + j, s);
    }
  return out;
}

/** det of a square dd matrix by Gaussian elimination with partial pivoting (2×2 in closed form). */
export function ddDeterminant(m: DDMat): DD {
  const n = m.rows;
  if (n !== m.cols) return { hi: NaN, lo: 0 };
  if (n === 1) return ddGet(m, 0);
  if (n === 2) return ddSub(ddMul(ddGet(m, 0), ddGet(m, 3)), ddMul(ddGet(m, 1), ddGet(m, 2)));
  const a: DD[] = Array.from({ length: n * n }, (_, i) => ddGet(m, i));
  let det: DD = ddFromNumber(1);
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col].hi) > Math.abs(a[p * n + col].hi)) p = r;
    if (a[p * n + col].hi === 0) return ddFromNumber(0);
    if (p !== col) {
      for (let c = 0; c < n; c++) [a[p * n + c], a[col * n + c]] = [a[col * n + c], a[p * n + c]];
      det = { hi: -det.hi, lo: -det.lo };
    }
    const piv = a[col * n + col];
    det = ddMul(det, piv);
    for (let r = col + 1; r < n; r++) {
      const f = ddDiv(a[r * n + col], piv);
      for (let c = col; c < n; c++) a[r * n + c] = ddSub(a[r * n + c], ddMul(f, a[col * n + c]));
    }
  }
  return det;
}

/** 2^-104: the unit roundoff of double-double arithmetic (twice float64's significand). */
export const DD_UNIT = 2 ** -104;

/** A point of a double-double run, as observers see it beside θ rounded to float64: θ, L(θ), and the model's layers formed in double-double (when asked). */
export interface PrecisePoint {
  theta: DDVec;
  loss: DD;
  layers(): Record<string, DDMat>;
  /** the unit roundoff of the arithmetic that produced the point */
  unit: number;
}

/**
 * The double-double twin of a Model (same options, same θ layout): predictions and gradients with
 * every intermediate in double-double. `layers` gives the same names as Model.layers, computed in
 * double-double where they are derived (a product of layers).
 */
export interface DDModel {
  nParams: number;
  forward(theta: DDVec, X: Mat, out: DDVec): void;
  /** grad = Σ_i c_i ∂f(x_i;θ)/∂θ; frozen parameters get 0 */
  backward(theta: DDVec, X: Mat, c: DDVec, grad: DDVec): void;
  layers(theta: DDVec): Record<string, DDMat>;
}

/** ℓ(p, y) and dℓ/dp in double-double (the twin of losses.ts's Loss). */
export interface DDLoss {
  value(p: DD, y: number): DD;
  derivative(p: DD, y: number): DD;
}

export interface DDObjective {
  nParams: number;
  value(theta: DDVec): DD;
  /** writes ∇L(θ) into grad and returns L(θ) */
  valueAndGrad(theta: DDVec, grad: DDVec): DD;
}

/** The twin of objective.ts: L(θ) = Σ_i ℓ(f(x_i;θ), y_i), or the mean over i. */
export function ddObjective(model: DDModel, loss: DDLoss, X: Mat, y: Float64Array, reduction: 'sum' | 'mean'): DDObjective {
  const n = X.rows;
  const pred = ddVec(n),
    c = ddVec(n);
  const scale = (s: DD): DD => (reduction === 'mean' ? ddDiv(s, ddFromNumber(n)) : s);
  return {
    nParams: model.nParams,
    value(theta) {
      model.forward(theta, X, pred);
      let s = ddFromNumber(0);
      for (let i = 0; i < n; i++) s = ddAdd(s, loss.value(ddGet(pred, i), y[i]));
      return scale(s);
    },
    valueAndGrad(theta, grad) {
      model.forward(theta, X, pred);
      let s = ddFromNumber(0);
      for (let i = 0; i < n; i++) {
        const p = ddGet(pred, i);
        s = ddAdd(s, loss.value(p, y[i]));
        ddSet(c, i, scale(loss.derivative(p, y[i])));
      }
      model.backward(theta, X, c, grad);
      return scale(s);
    },
  };
}
