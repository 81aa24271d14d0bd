// CP (CANDECOMP/PARAFAC) factorization of an order-N tensor, T = Σ_r a_r^(1) ⊗ … ⊗ a_r^(N), as a
// Model of tensor sensing (Razin & Cohen 2020, tensor completion; the authors' code): example k is a
// measurement tensor A_k (row-major vec is the row x_k) and the prediction is ⟨A_k, T⟩. Completion is
// the case of one-hot A_k. Random low-rank targets for completion live here too.
import type { Mat } from './linalg.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

export interface CpOptions {
  dims: number[];
  rank: number;
  /** factor entries N(0, scale²) */
  scale: number;
}

/** Row-major strides of a tensor with these dimensions. */
export function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let m = dims.length - 2; m >= 0; m--) s[m] = s[m + 1] * dims[m + 1];
  return s;
}

/** θ = [factor of mode 1 (dims[0] × R, row-major), …, factor of mode N]. */
export function cpFactorization(o: CpOptions): Model {
  const { dims, rank: R } = o;
  const N = dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  const offsets: number[] = [];
  let nParams = 0;
  for (const d of dims) (offsets.push(nParams), (nParams += d * R));
  const st = strides(dims);
  const T = new Float64Array(size);
  const G = new Float64Array(size);
  const idx = new Int32Array(N);

  /** T = Σ_r ⊗_m a_r^(m), entry by entry (sizes here are ≤ a few hundred entries). */
  function full(theta: Float64Array, out: Float64Array): Float64Array {
    for (let e = 0; e < size; e++) {
      let rem = e;
      for (let m = 0; m < N; m++) ((idx[m] = Math.floor(rem / st[m])), (rem -= idx[m] * st[m]));
      let v = 0;
      for (let r = 0; r < R; r++) {
        let p = 1;
        for (let m = 0; m < N && p !== 0; m++) p *= theta[offsets[m] + idx[m] * R + r];
        v += p;
      }
      out[e] = v;
    }
    return out;
  }

  return {
    name: 'cp-factorization',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      for (let i = 0; i < nParams; i++) theta[i] = o.scale * rng.normal();
      return theta;
    },
    forward(theta, X, out) {
      full(theta, T);
      for (let k = 0; k < X.rows; k++) {
        let f = 0;
        for (let e = 0; e < size; e++) f += X.data[k * X.cols + e] * T[e];
        out[k] = f;
      }
    },
    backward(theta, X, c, grad) {
      // G = Σ_k c_k A_k; ∂/∂a_r^(m)[i] = Σ_{e: idx_m(e) = i} G[e] Π_{m' ≠ m} a_r^(m')[idx_m'(e)]
      G.fill(0);
      for (let k = 0; k < X.rows; k++) if (c[k] !== 0) for (let e = 0; e < size; e++) G[e] += c[k] * X.data[k * X.cols + e];
      grad.fill(0);
      for (let e = 0; e < size; e++) {
        const g = G[e];
        if (g === 0) continue;
        let rem = e;
        for (let m = 0; m < N; m++) ((idx[m] = Math.floor(rem / st[m])), (rem -= idx[m] * st[m]));
        for (let r = 0; r < R; r++)
          for (let m = 0; m < N; m++) {
            let p = g;
            for (let q = 0; q < N; q++) if (q !== m) p *= theta[offsets[q] + idx[q] * R + r];
            grad[offsets[m] + idx[m] * R + r] += p;
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
  };
}

/** A random CP-rank-`rank` tensor with Frobenius norm 1 (Gaussian factors, then normalized). */
export function randomLowRankTensor(rng: Rng, dims: number[], rank: number): Float64Array {
  const m = cpFactorization({ dims, rank, scale: 1 });
  const T = m.layers(m.init(rng)).T.data;
  const norm = Math.sqrt(T.reduce((s, x) => s + x * x, 0));
  return T.map((x) => x / norm);
}
