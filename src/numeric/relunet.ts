// Bias-free deep ReLU networks with vector outputs, x ↦ W_k σ(⋯ σ(W_1 x)) (Timor, Vardi & Shamir 2023;
// the authors' DFFNet), as a scalar Model: example i is the row [x_i, e_c] of an input and a one-hot
// output coordinate c, and the prediction is N(x_i)_c. The square loss summed over the rows is then
// ½Σ_i ‖N(x_i) − y_i‖², and the gradient is the usual back-propagation.
import { NoDoubleDoubleError } from '../core/errors.js';
import { ddAdd, ddDot, ddFromNumber, ddMul, type DD } from './dd.js';
import { ddGet, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import type { Mat } from './linalg.js';
import type { Activation, Model } from './models.js';
import type { Rng } from './rng.js';

export interface ReluNetOptions {
  /** layer sizes [d_in, h_1, …, h_{k−1}, d_out] */
  sizes: number[];
  activation: Activation;
  /** 'sphere': every row of the hidden layers and every column of the last layer uniform on the sphere of radius `scale` (the authors' small init); 'sphere-zero-last': the same with W_k = 0 (their Thm 3 init); 'gaussian': N(0, scale²·2/(fan_in + fan_out)) (Xavier normal times scale); 'ball': every row of every layer uniform in the ball of radius `scale` (the authors' code, `uniform_from_ball`) */
  init: 'sphere' | 'sphere-zero-last' | 'gaussian' | 'ball';
  scale: number;
}

/** θ = [W_1 (h_1 × d_in, row-major), …, W_k]: where each layer starts, and the total. */
export function layerOffsets(sizes: number[]): { k: number; offsets: number[]; nParams: number } {
  const k = sizes.length - 1;
  if (k < 1) throw new Error('relu-net: needs at least an input and an output size');
  const offsets: number[] = [];
  let nParams = 0;
  for (let j = 0; j < k; j++) (offsets.push(nParams), (nParams += sizes[j + 1] * sizes[j]));
  return { k, offsets, nParams };
}

/** The output coordinate c that row i = [x_i, e_c] of X selects. */
export function selectedOutput(X: Mat, dIn: number, dOut: number, i: number): number {
  for (let c = 0; c < dOut; c++) if (X.data[i * X.cols + dIn + c] !== 0) return c;
  throw new Error(`relu-net: row ${i} selects no output coordinate`);
}

/** The output coordinate c that each row [x_i, e_c] selects, cached per data matrix. */
function outputSelector(dIn: number, dOut: number): (X: Mat) => Int32Array {
  let outputsFor: Mat | undefined;
  let outputs = new Int32Array(0);
  return (X) => {
    if (outputsFor === X) return outputs;
    outputs = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) outputs[i] = selectedOutput(X, dIn, dOut, i);
    outputsFor = X;
    return outputs;
  };
}

export function reluNet(o: ReluNetOptions): Model {
  const { sizes, activation: act } = o;
  const { k, offsets, nParams } = layerOffsets(sizes);
  const dIn = sizes[0],
    dOut = sizes[k];
  // a leaky ReLU's φ and φ′ written out (the same expressions as act.phi, act.dphi), so the inner loops call nothing
  const leaky = act.leaky !== undefined,
    gamma = act.leaky?.gamma ?? 0,
    dphiAtZero = act.leaky?.dphiAtZero ?? 0;
  const W = (theta: Float64Array, j: number) => theta.subarray(offsets[j], offsets[j] + sizes[j + 1] * sizes[j]);
  // pre-activations z_j and activations a_j of every example (example i's at i·sizes[j]); a_0 = x.
  // backward right after forward (afterForward) reads them instead of running the example again.
  let cachedRows = 0;
  let z = sizes.map(() => new Float64Array(0));
  let a = sizes.map(() => new Float64Array(0));
  let forwardTheta: Float64Array | undefined, forwardX: Mat | undefined;
  const delta = sizes.map((s) => new Float64Array(s));
  const useRows = (n: number): void => {
    if (n === cachedRows) return;
    cachedRows = n;
    z = sizes.map((s) => new Float64Array(n * s));
    a = sizes.map((s) => new Float64Array(n * s));
  };

  // Allocation-free inner loops: layer j's weights are theta[offsets[j] + r·cols + c].
  function forwardOne(theta: Float64Array, X: Mat, i: number): void {
    const a0 = a[0],
      base = i * X.cols,
      at0 = i * dIn;
    for (let q = 0; q < dIn; q++) a0[at0 + q] = X.data[base + q];
    for (let j = 0; j < k; j++) {
      const off = offsets[j],
        rows = sizes[j + 1],
        cols = sizes[j],
        zj = z[j + 1],
        aj = a[j + 1],
        prev = a[j],
        at = i * rows,
        from = i * cols,
        last = j === k - 1;
      for (let r = 0; r < rows; r++) {
        let s = 0;
        const w = off + r * cols;
        for (let c = 0; c < cols; c++) s += theta[w + c] * prev[from + c];
        zj[at + r] = s;
        aj[at + r] = last ? s : leaky ? (s > 0 ? s : gamma * s) : act.phi(s);
      }
    }
  }
  const outputIndex = outputSelector(dIn, dOut);

  return {
    name: 'relu-net',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      for (let j = 0; j < k; j++) {
        const rows = sizes[j + 1],
          cols = sizes[j],
          w = W(theta, j),
          last = j === k - 1;
        if (o.init === 'gaussian') {
          const sd = o.scale * Math.sqrt(2 / (rows + cols));
          for (let e = 0; e < w.length; e++) w[e] = sd * rng.normal();
          continue;
        }
        if (o.init === 'ball') {
          for (let t = 0; t < rows; t++) {
            const v = Array.from({ length: cols }, () => rng.normal());
            const r = (o.scale * Math.pow(rng.uniform(), 1 / cols)) / (Math.hypot(...v) || 1);
            v.forEach((x, e) => (w[t * cols + e] = r * x));
          }
          continue;
        }
        if (last && o.init === 'sphere-zero-last') continue;
        // hidden layers: each row (a neuron's incoming weights); last layer: each column (a neuron's outgoing weights)
        const count = last ? cols : rows,
          len = last ? rows : cols;
        for (let t = 0; t < count; t++) {
          const v = Array.from({ length: len }, () => rng.normal());
          const n = Math.hypot(...v) || 1;
          v.forEach((x, e) => (w[last ? e * cols + t : t * cols + e] = (o.scale * x) / n));
        }
      }
      return theta;
    },
    forward(theta, X, out) {
      const sel = outputIndex(X);
      useRows(X.rows);
      for (let i = 0; i < X.rows; i++) {
        forwardOne(theta, X, i);
        out[i] = a[k][i * dOut + sel[i]];
      }
      ((forwardTheta = theta), (forwardX = X));
    },
    backward(theta, X, cvec, grad, afterForward) {
      for (let i = 0; i < grad.length; i++) grad[i] = 0;
      const sel = outputIndex(X);
      const reuse = afterForward && forwardTheta === theta && forwardX === X;
      useRows(X.rows);
      forwardTheta = undefined;
      for (let i = 0; i < X.rows; i++) {
        if (cvec[i] === 0) continue;
        if (!reuse) forwardOne(theta, X, i);
        const top = delta[k];
        for (let r = 0; r < dOut; r++) top[r] = 0;
        top[sel[i]] = cvec[i];
        for (let j = k - 1; j >= 0; j--) {
          const off = offsets[j],
            rows = sizes[j + 1],
            cols = sizes[j],
            dn = delta[j + 1],
            aj = a[j],
            from = i * cols;
          for (let r = 0; r < rows; r++) {
            const d = dn[r];
            if (d !== 0) for (let c = 0, g = off + r * cols; c < cols; c++) grad[g + c] += d * aj[from + c];
          }
          if (j === 0) break;
          const dj = delta[j],
            zj = z[j];
          for (let c = 0; c < cols; c++) {
            let s = 0;
            for (let r = 0; r < rows; r++) s += theta[off + r * cols + c] * dn[r];
            const q = zj[from + c];
            dj[c] = s * (leaky ? (q > 0 ? 1 : q < 0 ? gamma : dphiAtZero) : act.dphi(q));
          }
        }
      }
    },
    layers(theta) {
      const out: Record<string, Mat> = {};
      for (let j = 0; j < k; j++) out[`W${j + 1}`] = { rows: sizes[j + 1], cols: sizes[j], data: W(theta, j) };
      return out;
    },
    neurons(theta) {
      // depth 2: ‖w_j‖ (row j of W1) and ‖v_j‖ (column j of W2), for the per-neuron conservation law
      if (k !== 2) return [];
      const m = sizes[1],
        w1 = W(theta, 0),
        w2 = W(theta, 1);
      return Array.from({ length: m }, (_, j) => {
        let sw = 0,
          sv = 0;
        for (let c = 0; c < dIn; c++) sw += w1[j * dIn + c] ** 2;
        for (let r = 0; r < dOut; r++) sv += w2[r * m + j] ** 2;
        return { wnorm: Math.sqrt(sw), v: Math.sqrt(sv), b: 0 };
      });
    },
    dd: () => reluNetDD(o),
    structure: { kind: 'relu-net', sizes: [...sizes], activation: act },
  };
}

const isZero = (x: DD): boolean => x.hi === 0 && x.lo === 0;

/** The double-double twin of reluNet (same θ layout, rows and φ′(0) convention, through the activation's `dd`). */
export function reluNetDD(o: Pick<ReluNetOptions, 'sizes' | 'activation'>): DDModel {
  const { sizes } = o;
  if (!o.activation.dd)
    throw new NoDoubleDoubleError(`relu-net: activation ${o.activation.name} has no double-double twin (needed for --precision dd and witness replay)`);
  const act = o.activation.dd;
  const { k, offsets, nParams } = layerOffsets(sizes);
  const dIn = sizes[0],
    dOut = sizes[k];
  const outputIndex = outputSelector(dIn, dOut);
  const z = sizes.map((s) => ddVec(s));
  const a = sizes.map((s) => ddVec(s));
  const delta = sizes.map((s) => ddVec(s));

  function forwardOne(theta: DDVec, X: Mat, i: number): void {
    const a0 = a[0],
      base = i * X.cols;
    for (let q = 0; q < dIn; q++) ((a0.hi[q] = X.data[base + q]), (a0.lo[q] = 0));
    for (let j = 0; j < k; j++) {
      const cols = sizes[j],
        prev = a[j],
        last = j === k - 1;
      for (let r = 0; r < sizes[j + 1]; r++) {
        const s = ddDot(theta.hi, theta.lo, prev.hi, prev.lo, cols, offsets[j] + r * cols);
        ddSet(z[j + 1], r, s);
        ddSet(a[j + 1], r, last ? s : act.phi(s));
      }
    }
  }

  return {
    nParams,
    forward(theta, X, out) {
      const sel = outputIndex(X);
      for (let i = 0; i < X.rows; i++) {
        forwardOne(theta, X, i);
        ddSet(out, i, ddGet(a[k], sel[i]));
      }
    },
    backward(theta, X, cvec, grad) {
      grad.hi.fill(0);
      grad.lo.fill(0);
      const sel = outputIndex(X);
      for (let i = 0; i < X.rows; i++) {
        const ci = ddGet(cvec, i);
        if (isZero(ci)) continue;
        forwardOne(theta, X, i);
        delta[k].hi.fill(0);
        delta[k].lo.fill(0);
        ddSet(delta[k], sel[i], ci);
        for (let j = k - 1; j >= 0; j--) {
          const off = offsets[j],
            rows = sizes[j + 1],
            cols = sizes[j],
            dn = delta[j + 1],
            aj = a[j];
          for (let r = 0; r < rows; r++) {
            const d = ddGet(dn, r);
            if (isZero(d)) continue;
            for (let c = 0, g = off + r * cols; c < cols; c++, g++) ddSet(grad, g, ddAdd(ddGet(grad, g), ddMul(d, ddGet(aj, c))));
          }
          if (j === 0) break;
          for (let c = 0; c < cols; c++) {
            let s = ddFromNumber(0);
            for (let r = 0; r < rows; r++) s = ddAdd(s, ddMul(ddGet(theta, off + r * cols + c), ddGet(dn, r)));
            ddSet(delta[j], c, ddMul(s, act.dphi(ddGet(z[j], c))));
          }
        }
      }
    },
    layers(theta) {
      const out: Record<string, DDMat> = {};
      for (let j = 0; j < k; j++) {
        const from = offsets[j],
          to = from + sizes[j + 1] * sizes[j];
        out[`W${j + 1}`] = { rows: sizes[j + 1], cols: sizes[j], hi: theta.hi.subarray(from, to), lo: theta.lo.subarray(from, to) };
      }
      return out;
    },
  };
}
