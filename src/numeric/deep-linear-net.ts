// Deep linear networks on vector inputs, x ↦ W_L ⋯ W_1 x (Ji & Telgarsky 2019: logistic loss on
// separable data). One output (data rows x_i): the chain below, O(n·d + Σ h_j h_{j−1}) a step, as
// the product p = W_L⋯W_1 is a row (deeplinear.ts's matrix-sensing form ⟨x, W⟩ with rows = 1
// computes the same through d×d prefix products, 10–40× slower a step at d = width = 5 to 100).
// Vector outputs (data rows [x_i, e_c], explicit-vector): relu-net with the identity activation
// (leaky ReLU with γ = 1). The θ layout of both: W_1 (h_1 × d, row-major), …, W_L (d_out × h_{L−1}).
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ddAdd, ddFromNumber, ddMul, type DD } from './dd.js';
import { ddGet, ddMatMul, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import { matmulInto, type Mat } from './linalg.js';
import { leakyRelu, type Model } from './models.js';
import { layerOffsets, reluNet } from './relunet.js';
import type { Rng } from './rng.js';

export interface DeepLinearVectorOptions {
  d: number;
  width: number;
  depth: number;
  /** undefined: one output, on data rows x_i; a number: that many outputs, on data rows [x_i, e_c] */
  dOut?: number;
  /** gaussian: every entry of every layer N(0, scale²); balanced: see balancedLayers */
  init: 'gaussian' | 'balanced';
  scale: number;
}

/** [d, width (depth − 1 times), outputs]. */
export function deepLinearSizes(o: Pick<DeepLinearVectorOptions, 'd' | 'width' | 'depth' | 'dOut'>): number[] {
  return [o.d, ...Array<number>(o.depth - 1).fill(o.width), o.dOut ?? 1];
}

/**
 * Balanced layers with a given product P (Arora, Cohen, Golowich & Hu 2019, "balanced initialization" [R]):
 * P = UΣVᵀ with k = min(d_out, d) singular values; W_1 = Σ^{1/L}Vᵀ, W_j = Σ^{1/L} (middle), W_L = UΣ^{1/L},
 * each padded with zeros to the hidden width (which must be ≥ k), so that W_{j+1}ᵀW_{j+1} = W_jW_jᵀ and W_L⋯W_1 = P.
 */
export function balancedLayers(sizes: number[], P: Mat, theta: Float64Array): Float64Array {
  const { k: L, offsets } = layerOffsets(sizes);
  const [dIn, dOut] = [sizes[0], sizes[L]];
  if (P.rows !== dOut || P.cols !== dIn) throw new Error(`balancedLayers: a ${P.rows}×${P.cols} product for sizes [${sizes.join(', ')}]`);
  if (L === 1) return (theta.set(P.data, 0), theta);
  const k = Math.min(dIn, dOut);
  if (sizes.slice(1, L).some((h) => h < k))
    throw new Error(`a balanced initialization needs hidden widths of at least min(d, outputs) = ${k}, got [${sizes.join(', ')}]`);
  const rows = Array.from({ length: dOut }, (_, r) => Array.from(P.data.subarray(r * dIn, (r + 1) * dIn)));
  const svd = new SingularValueDecomposition(new Matrix(rows), { autoTranspose: true });
  const U = svd.leftSingularVectors,
    V = svd.rightSingularVectors,
    s = svd.diagonal.map((x) => Math.pow(x, 1 / L));
  theta.fill(0);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < dIn; b++) theta[offsets[0] + a * dIn + b] = s[a] * V.get(b, a);
    for (let j = 1; j < L - 1; j++) theta[offsets[j] + a * sizes[j] + a] = s[a];
    for (let r = 0; r < dOut; r++) theta[offsets[L - 1] + r * sizes[L - 1] + a] = U.get(r, a) * s[a];
  }
  return theta;
}

/** The end-to-end product W_L ⋯ W_1 (d_out × d). */
export function endToEnd(sizes: number[], theta: Float64Array): Mat {
  const { k: L, offsets } = layerOffsets(sizes);
  let P: Float64Array = theta.slice(offsets[0], offsets[0] + sizes[1] * sizes[0]);
  for (let j = 1; j < L; j++)
    P = matmulInto(
      theta.subarray(offsets[j], offsets[j] + sizes[j + 1] * sizes[j]),
      sizes[j + 1],
      sizes[j],
      P,
      sizes[0],
      new Float64Array(sizes[j + 1] * sizes[0]),
    );
  return { rows: sizes[L], cols: sizes[0], data: P };
}

export function deepLinearOnVectors(o: DeepLinearVectorOptions): Model {
  const sizes = deepLinearSizes(o);
  const { k: L, nParams } = layerOffsets(sizes);
  const scalar = o.dOut === undefined;
  const base = scalar ? scalarChain(sizes) : reluNet({ sizes, activation: leakyRelu(1, 1), init: 'gaussian', scale: o.scale });
  const withProduct = <M>(layers: Record<string, M>, product: M): Record<string, M> => ({ ...layers, W: product, ...(scalar ? { w: product } : {}) });
  return {
    ...base,
    name: 'deep-linear-net',
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      const r = rng.fork('layers');
      if (o.init === 'gaussian') {
        for (let e = 0; e < nParams; e++) theta[e] = o.scale * r.normal();
        return theta;
      }
      const P: Mat = { rows: sizes[L], cols: o.d, data: new Float64Array(sizes[L] * o.d) };
      for (let e = 0; e < P.data.length; e++) P.data[e] = o.scale * r.normal();
      return balancedLayers(sizes, P, theta);
    },
    layers: (theta) => withProduct(base.layers(theta), endToEnd(sizes, theta)),
    dd() {
      const twin = base.dd!();
      return {
        ...twin,
        layers(theta) {
          const layers = twin.layers(theta);
          let P = layers.W1;
          for (let j = 2; j <= L; j++) P = ddMatMul(layers[`W${j}`], P);
          return withProduct<DDMat>(layers, P);
        },
      } satisfies DDModel;
    },
  };
}

/**
 * x ↦ W_L⋯W_1 x with one output: p = W_L⋯W_1 formed as a row (right to left), f(x_i) = ⟨p, x_i⟩; with g = Σ_i c_i x_i,
 * ∂/∂W_j = s_jᵀ a_{j−1}ᵀ where s_j = W_L⋯W_{j+1} (a row) and a_{j−1} = W_{j−1}⋯W_1 g.
 */
function scalarChain(sizes: number[]): Model {
  const { k: L, offsets, nParams } = layerOffsets(sizes);
  const d = sizes[0];
  const big = Math.max(...sizes);
  // rows[j] = W_L⋯W_{j+1} (1 × sizes[j]); rows[L] = [1]
  const rows = sizes.map((s) => new Float64Array(s));
  const cols = sizes.map((s) => new Float64Array(s)); // cols[j] = W_j⋯W_1 g
  const tmp = new Float64Array(big);
  /** rows[j] for j = L − 1 … 0 (rows[0] is the product p) */
  const suffixRows = (theta: Float64Array): void => {
    rows[L][0] = 1;
    for (let j = L; j >= 1; j--) {
      const out = sizes[j],
        inp = sizes[j - 1],
        off = offsets[j - 1],
        r = rows[j];
      tmp.fill(0, 0, inp);
      for (let a = 0; a < out; a++) {
        const ra = r[a];
        if (ra !== 0) for (let b = 0, w = off + a * inp; b < inp; b++, w++) tmp[b] += ra * theta[w];
      }
      rows[j - 1].set(tmp.subarray(0, inp));
    }
  };
  return {
    name: 'deep-linear-net',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init: () => new Float64Array(nParams),
    forward(theta, X, out) {
      if (X.cols !== d) throw new Error(`deep-linear-net: data with ${X.cols} columns for a network on d = ${d}`);
      suffixRows(theta);
      const p = rows[0],
        A = X.data;
      for (let i = 0; i < X.rows; i++) {
        let f = 0;
        for (let q = 0, at = i * d; q < d; q++, at++) f += p[q] * A[at];
        out[i] = f;
      }
    },
    backward(theta, X, c, grad) {
      const A = X.data,
        g = cols[0];
      g.fill(0);
      for (let i = 0; i < X.rows; i++) {
        const ci = c[i];
        if (ci !== 0) for (let q = 0, at = i * d; q < d; q++, at++) g[q] += ci * A[at];
      }
      for (let j = 1; j < L; j++) {
        const out = sizes[j],
          inp = sizes[j - 1],
          off = offsets[j - 1],
          prev = cols[j - 1],
          next = cols[j];
        for (let a = 0; a < out; a++) {
          let t = 0;
          for (let b = 0, w = off + a * inp; b < inp; b++, w++) t += theta[w] * prev[b];
          next[a] = t;
        }
      }
      suffixRows(theta);
      for (let j = 1; j <= L; j++) {
        const out = sizes[j],
          inp = sizes[j - 1],
          off = offsets[j - 1],
          s = rows[j],
          a = cols[j - 1];
        for (let r = 0; r < out; r++) for (let b = 0, w = off + r * inp; b < inp; b++, w++) grad[w] = s[r] * a[b];
      }
    },
    layers(theta) {
      const out: Record<string, Mat> = {};
      for (let j = 0; j < L; j++)
        out[`W${j + 1}`] = { rows: sizes[j + 1], cols: sizes[j], data: theta.subarray(offsets[j], offsets[j] + sizes[j + 1] * sizes[j]) };
      return out;
    },
    dd: () => scalarChainDD(sizes),
  };
}

/** The double-double twin of scalarChain (same θ layout, the same products in double-double). */
function scalarChainDD(sizes: number[]): DDModel {
  const { k: L, offsets, nParams } = layerOffsets(sizes);
  const d = sizes[0];
  const at = (theta: DDVec, j: number, r: number, c: number): DD => ddGet(theta, offsets[j - 1] + r * sizes[j - 1] + c);
  /** rows[j] = W_L⋯W_{j+1} in double-double */
  const suffixRows = (theta: DDVec): DDVec[] => {
    const rows: DDVec[] = sizes.map((s) => ddVec(s));
    rows[L].hi[0] = 1;
    for (let j = L; j >= 1; j--)
      for (let b = 0; b < sizes[j - 1]; b++) {
        let t = ddFromNumber(0);
        for (let a = 0; a < sizes[j]; a++) t = ddAdd(t, ddMul(ddGet(rows[j], a), at(theta, j, a, b)));
        ddSet(rows[j - 1], b, t);
      }
    return rows;
  };
  return {
    nParams,
    forward(theta, X, out) {
      const p = suffixRows(theta)[0];
      for (let i = 0; i < X.rows; i++) {
        let f = ddFromNumber(0);
        for (let q = 0; q < d; q++) {
          const x = X.data[i * X.cols + q];
          if (x !== 0) f = ddAdd(f, ddMul(ddGet(p, q), ddFromNumber(x)));
        }
        ddSet(out, i, f);
      }
    },
    backward(theta, X, c, grad) {
      const cols: DDVec[] = sizes.map((s) => ddVec(s));
      for (let i = 0; i < X.rows; i++) {
        const ci = ddGet(c, i);
        if (ci.hi === 0 && ci.lo === 0) continue;
        for (let q = 0; q < d; q++) {
          const x = X.data[i * X.cols + q];
          if (x !== 0) ddSet(cols[0], q, ddAdd(ddGet(cols[0], q), ddMul(ci, ddFromNumber(x))));
        }
      }
      for (let j = 1; j < L; j++)
        for (let a = 0; a < sizes[j]; a++) {
          let t = ddFromNumber(0);
          for (let b = 0; b < sizes[j - 1]; b++) t = ddAdd(t, ddMul(at(theta, j, a, b), ddGet(cols[j - 1], b)));
          ddSet(cols[j], a, t);
        }
      const rows = suffixRows(theta);
      for (let j = 1; j <= L; j++)
        for (let r = 0; r < sizes[j]; r++)
          for (let b = 0; b < sizes[j - 1]; b++) ddSet(grad, offsets[j - 1] + r * sizes[j - 1] + b, ddMul(ddGet(rows[j], r), ddGet(cols[j - 1], b)));
    },
    layers(theta) {
      const out: Record<string, DDMat> = {};
      for (let j = 0; j < L; j++) {
        const from = offsets[j],
          to = from + sizes[j + 1] * sizes[j];
        out[`W${j + 1}`] = { rows: sizes[j + 1], cols: sizes[j], hi: theta.hi.subarray(from, to), lo: theta.lo.subarray(from, to) };
      }
      return out;
    },
  };
}
