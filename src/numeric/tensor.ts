// CP (CANDECOMP/PARAFAC) factorization of an order-N tensor, T = Σ_r a_r^(1) ⊗ … ⊗ a_r^(N), as a
// Model of tensor sensing (Razin & Cohen 2020, tensor completion; the authors' code): example k is a
// measurement tensor A_k (row-major vec is the row x_k) and the prediction is ⟨A_k, T⟩. Completion is
// the case of one-hot A_k. Random low-rank targets for completion live here too.
import { ddAdd, ddFromNumber, ddMul, ddSqrt, type DD } from './dd.js';
import { ddGet, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import { cpSquareLossWasm } from './dense.js';
import type { Mat } from './linalg.js';
import { lossSumAndWeights, squareLoss, type Loss } from './losses.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

export interface CpOptions {
  dims: number[];
  rank: number;
  /** factor entries N(0, scale²) */
  scale: number;
}

/** Makes a model's objective kernel: (θ, out) ↦ L(θ) with ∇L(θ) (or −∇L(θ)) written into out; undefined where the model has none for this loss. */
type CpKernelOf = (
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
  wasm: boolean,
) => ((theta: Float64Array, out: Float64Array) => number) | undefined;

const cpKernels = new WeakMap<Model, CpKernelOf>();

/**
 * objective.ts's L(θ) and ∇L(θ) (or −∇L(θ), for gradient flow) of an order-3 CP factorization under the square
 * loss in one pass over the observed entries: cpFactorization's forward and backward and objective.ts's loss sum
 * with the same operations in the same order (test/numeric/tensor.test.ts compares bits): in WebAssembly (dense.ts
 * cpSquareLossWasm) where it loads, unless `kernels.wasm` is false. Undefined for other models, losses and orders.
 */
export function cpObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
  kernels: { wasm?: boolean } = {},
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  return cpKernels.get(model)?.(loss, X, y, w, negate, kernels.wasm !== false);
}

/** Row-major strides of a tensor with these dimensions. */
export function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let m = dims.length - 2; m >= 0; m--) s[m] = s[m + 1] * dims[m + 1];
  return s;
}

/** Where each mode's factor starts in θ, the number of parameters and of tensor entries. */
function factorLayout(dims: number[], R: number): { offsets: number[]; nParams: number; size: number } {
  const offsets: number[] = [];
  let nParams = 0;
  for (const d of dims) (offsets.push(nParams), (nParams += d * R));
  return { offsets, nParams, size: dims.reduce((a, b) => a * b, 1) };
}

/** The multi-index of row-major entry e, written into idx. */
function unravel(e: number, st: number[], idx: Int32Array): void {
  let rem = e;
  for (let m = 0; m < st.length; m++) ((idx[m] = Math.floor(rem / st[m])), (rem -= idx[m] * st[m]));
}

/** θ = [factor of mode 1 (dims[0] × R, row-major), …, factor of mode N]. */
export function cpFactorization(o: CpOptions): Model {
  const { dims, rank: R } = o;
  const N = dims.length;
  const { offsets, nParams, size } = factorLayout(dims, R);
  const st = strides(dims);
  const T = new Float64Array(size);
  const G = new Float64Array(size);
  // at[e·N + m]: where entry e's row of factor m starts in θ (offsets[m] + idx_m(e)·R)
  const at = new Int32Array(size * N);
  const idx = new Int32Array(N);
  for (let e = 0; e < size; e++) {
    unravel(e, st, idx);
    for (let m = 0; m < N; m++) at[e * N + m] = offsets[m] + idx[m] * R;
  }

  // The nonzero entries of each measurement row (completion: one), kept for the X last seen. A zero
  // entry adds ±0 to a sum that is never −0, so leaving it out changes nothing while T and c are
  // finite; otherwise the dense loops run, where 0·∞ makes the NaN.
  let sparseFor: Mat | undefined,
    rowStart = new Int32Array(0),
    entry = new Int32Array(0),
    value = new Float64Array(0),
    measured = new Int32Array(0); // the distinct entries with a nonzero measurement
  const sparse = (X: Mat): void => {
    if (sparseFor === X) return;
    let nz = 0;
    for (let k = 0; k < X.rows; k++) for (let e = 0; e < size; e++) if (X.data[k * X.cols + e] !== 0) nz++;
    ((rowStart = new Int32Array(X.rows + 1)), (entry = new Int32Array(nz)), (value = new Float64Array(nz)));
    nz = 0;
    for (let k = 0; k < X.rows; k++) {
      for (let e = 0; e < size; e++) {
        const x = X.data[k * X.cols + e];
        if (x !== 0) ((entry[nz] = e), (value[nz++] = x));
      }
      rowStart[k + 1] = nz;
    }
    measured = Int32Array.from(new Set(entry));
    sparseFor = X;
  };
  const allFinite = (v: Float64Array, len: number): boolean => {
    for (let q = 0; q < len; q++) if (!Number.isFinite(v[q])) return false;
    return true;
  };

  /** T_e = Σ_r Π_m a_r^(m)[idx_m(e)], a product stopped at its first 0. */
  function entryOf(theta: Float64Array, e: number): number {
    const row = e * N;
    let v = 0;
    if (N === 3) {
      // the loop below for N = 3: 1·a is a
      const b0 = at[row],
        b1 = at[row + 1],
        b2 = at[row + 2];
      for (let r = 0; r < R; r++) {
        let p = theta[b0 + r];
        if (p !== 0) {
          p *= theta[b1 + r];
          if (p !== 0) p *= theta[b2 + r];
        }
        v += p;
      }
      return v;
    }
    for (let r = 0; r < R; r++) {
      let p = 1;
      for (let m = 0; m < N && p !== 0; m++) p *= theta[at[row + m] + r];
      v += p;
    }
    return v;
  }
  /** T = Σ_r ⊗_m a_r^(m), entry by entry (sizes here are ≤ a few hundred entries). */
  function full(theta: Float64Array, out: Float64Array): Float64Array {
    for (let e = 0; e < size; e++) out[e] = entryOf(theta, e);
    return out;
  }
  /** Whether every entry of T is surely finite: R·max|θ|^N ≤ 1e300 (a NaN in θ fails it). */
  function surelyFinite(theta: Float64Array): boolean {
    let M = 0;
    for (let i = 0; i < nParams; i++) M = Math.max(M, Math.abs(theta[i]));
    return R * M ** N <= 1e300;
  }

  const model: Model = {
    name: 'cp-factorization',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      for (let i = 0; i < nParams; i++) theta[i] = o.scale * rng.normal();
      return theta;
    },
    forward(theta, X, out) {
      sparse(X);
      // the predictions read T only at measured entries unless some entry of T is not finite (0·∞ then makes NaN): those alone are computed where T is surely finite
      let dense = false;
      if (surelyFinite(theta)) for (let q = 0; q < measured.length; q++) T[measured[q]] = entryOf(theta, measured[q]);
      else dense = !allFinite(full(theta, T), size);
      for (let k = 0; k < X.rows; k++) {
        let f = 0;
        if (dense) for (let e = 0; e < size; e++) f += X.data[k * X.cols + e] * T[e];
        else for (let q = rowStart[k]; q < rowStart[k + 1]; q++) f += value[q] * T[entry[q]];
        out[k] = f;
      }
    },
    backward(theta, X, c, grad) {
      // G = Σ_k c_k A_k; ∂/∂a_r^(m)[i] = Σ_{e: idx_m(e) = i} G[e] Π_{m' ≠ m} a_r^(m')[idx_m'(e)]
      G.fill(0);
      sparse(X);
      const dense = !allFinite(c, X.rows);
      for (let k = 0; k < X.rows; k++) {
        const ck = c[k];
        if (ck === 0) continue;
        if (dense) for (let e = 0; e < size; e++) G[e] += ck * X.data[k * X.cols + e];
        else for (let q = rowStart[k]; q < rowStart[k + 1]; q++) G[entry[q]] += ck * value[q];
      }
      grad.fill(0);
      for (let e = 0; e < size; e++) {
        const g = G[e];
        if (g === 0) continue;
        const row = e * N;
        if (N === 3) {
          // the loop below for N = 3, each factor read once: (g·a1)·a2, (g·a0)·a2, (g·a0)·a1 added in mode order
          const b0 = at[row],
            b1 = at[row + 1],
            b2 = at[row + 2];
          for (let r = 0; r < R; r++) {
            const a0 = theta[b0 + r],
              a1 = theta[b1 + r],
              a2 = theta[b2 + r];
            grad[b0 + r] += g * a1 * a2;
            grad[b1 + r] += g * a0 * a2;
            grad[b2 + r] += g * a0 * a1;
          }
          continue;
        }
        for (let r = 0; r < R; r++)
          for (let m = 0; m < N; m++) {
            let p = g;
            for (let q = 0; q < N; q++) if (q !== m) p *= theta[at[row + q] + r];
            grad[at[row + m] + r] += p;
          }
      }
    },
    layers(theta) {
      const out: Record<string, Mat> = {};
      dims.forEach((d, m) => (out[`A${m + 1}`] = { rows: d, cols: R, data: theta.subarray(offsets[m], offsets[m] + d * R) }));
      out.T = { rows: 1, cols: size, data: Float64Array.from(full(theta, T)) };
      // component norms Π_m ‖a_r^(m)‖ (a 1×R row), for rank proxies
      const norms = new Float64Array(R);
      for (let r = 0; r < R; r++) {
        let p = 1;
        for (let m = 0; m < N; m++) {
          let s = 0;
          for (let i = 0; i < dims[m]; i++) s += theta[offsets[m] + i * R + r] ** 2;
          p *= Math.sqrt(s);
        }
        norms[r] = p;
      }
      out.components = { rows: 1, cols: R, data: norms };
      return out;
    },
    dd: () => cpFactorizationDD(o),
  };

  // X's nonzero entries (the model's sparse()), and the entries measured in increasing order (backward's order
  // over e: G is 0 elsewhere). A non-finite T or c takes the model's own passes, as objective.ts composes them.
  const kernelOf: CpKernelOf = (loss, X, y, w, negate, useWasm) => {
    if (N !== 3 || loss !== squareLoss || X.cols !== size) return undefined;
    const n = X.rows;
    const pred = new Float64Array(n),
      c = new Float64Array(n);
    const generic = (theta: Float64Array, out: Float64Array): number => {
      model.forward(theta, X, pred);
      const s = lossSumAndWeights(squareLoss, pred, y, n, w, c);
      model.backward(theta, X, c, out, true);
      if (negate) for (let i = 0; i < out.length; i++) out[i] = -out[i];
      return w * s;
    };
    // X's nonzero entries as the model's passes hold them (sparse() makes new arrays for the next X: these stay X's)
    sparse(X);
    const starts = rowStart,
      ent = entry,
      val = value,
      seen = measured,
      ascending = Int32Array.from(seen).sort();
    // the same in WebAssembly: measured entries by their index in increasing order
    const index = new Int32Array(size);
    ascending.forEach((e, j) => (index[e] = j));
    const fast =
      useWasm &&
      cpSquareLossWasm(
        nParams,
        R,
        Int32Array.from({ length: 3 * ascending.length }, (_, q) => at[ascending[Math.floor(q / 3)] * 3 + (q % 3)]),
        starts,
        ent.map((e) => index[e]),
        val,
        y.subarray(0, n),
        w,
        negate,
      );
    if (fast) return (theta, out) => fast(theta, out) ?? generic(theta, out);
    const Tk = new Float64Array(size),
      Gk = new Float64Array(size);
    return (theta, out) => {
      if (!surelyFinite(theta)) return generic(theta, out);
      for (let q = 0; q < seen.length; q++) Tk[seen[q]] = entryOf(theta, seen[q]);
      let s = 0;
      for (let k = 0; k < n; k++) {
        let f = 0;
        for (let q = starts[k]; q < starts[k + 1]; q++) f += val[q] * Tk[ent[q]];
        const r = f - y[k];
        s += 0.5 * r * r;
        c[k] = w * r;
      }
      if (!allFinite(c, n)) return generic(theta, out);
      for (let q = 0; q < ascending.length; q++) Gk[ascending[q]] = 0;
      for (let k = 0; k < n; k++) {
        const ck = c[k];
        if (ck === 0) continue;
        for (let q = starts[k]; q < starts[k + 1]; q++) Gk[ent[q]] += ck * val[q];
      }
      out.fill(0);
      for (let q = 0; q < ascending.length; q++) {
        const e = ascending[q],
          g = Gk[e];
        if (g === 0) continue;
        const b0 = at[e * 3],
          b1 = at[e * 3 + 1],
          b2 = at[e * 3 + 2];
        for (let r = 0; r < R; r++) {
          const a0 = theta[b0 + r],
            a1 = theta[b1 + r],
            a2 = theta[b2 + r];
          out[b0 + r] += g * a1 * a2;
          out[b1 + r] += g * a0 * a2;
          out[b2 + r] += g * a0 * a1;
        }
      }
      if (negate) for (let i = 0; i < nParams; i++) out[i] = -out[i];
      return w * s;
    };
  };
  cpKernels.set(model, kernelOf);
  return model;
}

/** The double-double twin of cpFactorization (same θ layout and layers). */
export function cpFactorizationDD(o: Pick<CpOptions, 'dims' | 'rank'>): DDModel {
  const { dims, rank: R } = o;
  const N = dims.length;
  const { offsets, nParams, size } = factorLayout(dims, R);
  const st = strides(dims);
  const T = ddVec(size);
  const G = ddVec(size);
  const idx = new Int32Array(N);
  /** a_r^(m)[i] */
  const factor = (theta: DDVec, m: number, i: number, r: number): DD => ddGet(theta, offsets[m] + i * R + r);

  function full(theta: DDVec, out: DDVec): DDVec {
    for (let e = 0; e < size; e++) {
      unravel(e, st, idx);
      let v = ddFromNumber(0);
      for (let r = 0; r < R; r++) {
        let p = factor(theta, 0, idx[0], r);
        for (let m = 1; m < N; m++) p = ddMul(p, factor(theta, m, idx[m], r));
        v = ddAdd(v, p);
      }
      ddSet(out, e, v);
    }
    return out;
  }

  return {
    nParams,
    forward(theta, X, out) {
      full(theta, T);
      for (let k = 0; k < X.rows; k++) {
        let f = ddFromNumber(0);
        for (let e = 0; e < size; e++) {
          const x = X.data[k * X.cols + e];
          if (x !== 0) f = ddAdd(f, ddMul(ddFromNumber(x), ddGet(T, e)));
        }
        ddSet(out, k, f);
      }
    },
    backward(theta, X, c, grad) {
      // as cpFactorization: G = Σ_k c_k A_k; ∂/∂a_r^(m)[i] = Σ_{e: idx_m(e) = i} G[e] Π_{m' ≠ m} a_r^(m')[idx_m'(e)]
      G.hi.fill(0);
      G.lo.fill(0);
      for (let k = 0; k < X.rows; k++) {
        const ck = ddGet(c, k);
        if (ck.hi === 0 && ck.lo === 0) continue;
        for (let e = 0; e < size; e++) {
          const x = X.data[k * X.cols + e];
          if (x !== 0) ddSet(G, e, ddAdd(ddGet(G, e), ddMul(ck, ddFromNumber(x))));
        }
      }
      grad.hi.fill(0);
      grad.lo.fill(0);
      for (let e = 0; e < size; e++) {
        const g = ddGet(G, e);
        if (g.hi === 0 && g.lo === 0) continue;
        unravel(e, st, idx);
        for (let r = 0; r < R; r++)
          for (let m = 0; m < N; m++) {
            let p = g;
            for (let q = 0; q < N; q++) if (q !== m) p = ddMul(p, factor(theta, q, idx[q], r));
            const at = offsets[m] + idx[m] * R + r;
            ddSet(grad, at, ddAdd(ddGet(grad, at), p));
          }
      }
    },
    layers(theta) {
      const out: Record<string, DDMat> = {};
      dims.forEach((d, m) => {
        const from = offsets[m],
          to = from + d * R;
        out[`A${m + 1}`] = { rows: d, cols: R, hi: theta.hi.subarray(from, to), lo: theta.lo.subarray(from, to) };
      });
      const t = full(theta, T);
      out.T = { rows: 1, cols: size, hi: Float64Array.from(t.hi), lo: Float64Array.from(t.lo) };
      // component norms Π_m ‖a_r^(m)‖ (a 1×R row)
      const norms: DDMat = { rows: 1, cols: R, ...ddVec(R) };
      for (let r = 0; r < R; r++) {
        let p = ddFromNumber(1);
        for (let m = 0; m < N; m++) {
          let s = ddFromNumber(0);
          for (let i = 0; i < dims[m]; i++) {
            const a = factor(theta, m, i, r);
            s = ddAdd(s, ddMul(a, a));
          }
          p = ddMul(p, ddSqrt(s));
        }
        ddSet(norms, r, p);
      }
      out.components = norms;
      return out;
    },
  };
}

/** A random CP-rank-`rank` tensor with Frobenius norm 1 (Gaussian factors, then normalized). */
export function randomLowRankTensor(rng: Rng, dims: number[], rank: number): Float64Array {
  const m = cpFactorization({ dims, rank, scale: 1 });
  const T = m.layers(m.init(rng)).T.data;
  const norm = Math.sqrt(T.reduce((s, x) => s + x * x, 0));
  return T.map((x) => x / norm);
}
