// Deep linear networks on vector inputs, x ↦ W_L ⋯ W_1 x (Ji & Telgarsky 2019: logistic loss on
// separable data). One implementation each: a scalar output is the rows = 1 case of the deep
// linear factorization (deeplinear.ts: ⟨x, W_L⋯W_1⟩, data rows x_i); vector outputs are relu-net
// with the identity activation (leaky ReLU with γ = 1; data rows [x_i, e_c], explicit-vector).
// The θ layout is the same for both: W_1 (h_1 × d, row-major), …, W_L (d_out × h_{L−1}).
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { deepLinearNet } from './deeplinear.js';
import { ddMatMul, type DDMat, type DDModel } from './dd-model.js';
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
  const base = scalar
    ? deepLinearNet({ rows: 1, cols: o.d, depth: L, width: o.width, init: 'gaussian', scale: o.scale, detSign: 'any' })
    : reluNet({ sizes, activation: leakyRelu(1, 1), init: 'gaussian', scale: o.scale });
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
