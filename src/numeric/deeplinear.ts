// Deep linear factorizations W = W_L ⋯ W_1 (Razin & Cohen 2020; Arora et al. 2018, 2019) as a Model
// of matrix sensing: an example is a measurement matrix A_k (its row-major vec is the row x_k) and
// the prediction is ⟨A_k, W⟩. Matrix completion is the case A_k = e_i e_jᵀ.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { determinant, matmulInto, type Mat } from './linalg.js';
import { ddAdd, ddFromNumber, ddMul } from './dd.js';
import { ddGet, ddMatMul, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

export interface DeepLinearOptions {
  rows: number;
  cols: number;
  depth: number;
  /** hidden width; balanced initialization needs min(rows, cols) */
  width: number;
  /** balanced: W_j from the SVD of a Gaussian product P (W_{j+1}ᵀW_{j+1} = W_jW_jᵀ, product P); gaussian: every entry of every layer N(0, scale²) (unbalanced); identity: W_j = |scale|^{1/L}·I, W_L negated when scale < 0 (balanced, product scale·I) */
  init: 'balanced' | 'gaussian' | 'identity';
  scale: number;
  /** for a square product: make det W(0) positive or negative by negating one row (the distribution is symmetric, so this conditions it exactly) */
  detSign: 'positive' | 'negative' | 'any';
}

/** Shapes of W_1 … W_L: W_1 is width×cols, W_L is rows×width. */
export function layerShapes(o: Pick<DeepLinearOptions, 'rows' | 'cols' | 'depth' | 'width'>): Array<[number, number]> {
  return Array.from({ length: o.depth }, (_, j) => [j === o.depth - 1 ? o.rows : o.width, j === 0 ? o.cols : o.width]);
}

export function deepLinearNet(o: DeepLinearOptions): Model {
  const { rows, cols, depth: L } = o;
  if (L < 1) throw new Error('deep-linear: depth must be at least 1');
  const shapes = layerShapes(o);
  const offsets: number[] = [];
  let nParams = 0;
  for (const [r, c] of shapes) (offsets.push(nParams), (nParams += r * c));
  const layer = (theta: Float64Array, j: number) => theta.subarray(offsets[j], offsets[j] + shapes[j][0] * shapes[j][1]);
  const big = Math.max(rows, cols, o.width);
  const buf = () => new Float64Array(big * big);
  // prefix[j] = product of the first j layers (prefix[0] = I); suffix[k] = product of layers k … L−1 (0-based)
  const prefix = Array.from({ length: L + 1 }, buf);
  const suffix = Array.from({ length: L + 2 }, buf);
  const G = new Float64Array(rows * cols);
  const tmp = buf();

  function product(theta: Float64Array, out: Float64Array): Float64Array {
    out.set(layer(theta, 0));
    let r = shapes[0][0];
    for (let j = 1; j < L; j++) {
      matmulInto(layer(theta, j), shapes[j][0], shapes[j][1], out, cols, tmp);
      r = shapes[j][0];
      out.set(tmp.subarray(0, r * cols));
    }
    return out.subarray(0, rows * cols);
  }
  const P = buf();

  return {
    name: 'deep-linear',
    nParams,
    trainable: new Float64Array(nParams).fill(1),
    init(rng: Rng) {
      const theta = new Float64Array(nParams);
      const r = rng.fork('layers');
      const flipFirstRow = (m: Float64Array, detOf: () => number) => {
        if (o.detSign === 'any' || rows !== cols) return;
        const d = detOf();
        if ((o.detSign === 'positive' && d < 0) || (o.detSign === 'negative' && d > 0)) for (let k = 0; k < m.length / rows; k++) m[k] = -m[k];
      };
      if (o.init === 'gaussian') {
        for (let i = 0; i < nParams; i++) theta[i] = o.scale * r.normal();
        // negating the first row of W_L negates the first row of the product
        flipFirstRow(layer(theta, L - 1), () => determinant({ rows, cols, data: product(theta, P) }));
        return theta;
      }
      if (o.init === 'identity') {
        if (rows !== cols || o.width !== rows)
          throw new Error(`deep-linear: an identity initialization needs rows = cols = width, got ${rows}×${cols}, width ${o.width}`);
        const s = Math.pow(Math.abs(o.scale), 1 / L);
        for (let j = 0; j < L; j++) for (let a = 0; a < rows; a++) layer(theta, j)[a * rows + a] = j === L - 1 && o.scale < 0 ? -s : s;
        flipFirstRow(layer(theta, L - 1), () => determinant({ rows, cols, data: product(theta, P) }));
        return theta;
      }
      const k = Math.min(rows, cols);
      if (o.width !== k) throw new Error(`deep-linear: a balanced initialization needs width = min(rows, cols) = ${k}, got ${o.width}`);
      const p = Float64Array.from({ length: rows * cols }, () => o.scale * r.normal());
      flipFirstRow(p, () => determinant({ rows, cols, data: p }));
      const svd = new SingularValueDecomposition(new Matrix(Array.from({ length: rows }, (_, i) => Array.from(p.subarray(i * cols, (i + 1) * cols)))), {
        autoTranspose: true,
      });
      const U = svd.leftSingularVectors,
        V = svd.rightSingularVectors,
        s = svd.diagonal.map((x) => Math.pow(x, 1 / L));
      for (let j = 0; j < L; j++) {
        const [lr, lc] = shapes[j],
          w = layer(theta, j);
        for (let a = 0; a < lr; a++)
          for (let b = 0; b < lc; b++)
            w[a * lc + b] =
              L === 1
                ? p[a * cols + b]
                : j === 0
                  ? s[a] * V.get(b, a) // S^{1/L} Vᵀ
                  : j === L - 1
                    ? U.get(a, b) * s[b] // U S^{1/L}
                    : a === b
                      ? s[a]
                      : 0;
      }
      return theta;
    },
    forward(theta, X, out) {
      const W = product(theta, P);
      for (let i = 0; i < X.rows; i++) {
        let f = 0;
        for (let k = 0; k < rows * cols; k++) f += X.data[i * X.cols + k] * W[k];
        out[i] = f;
      }
    },
    backward(theta, X, c, grad) {
      // G = Σ_k c_k A_k; ∂/∂W_j = (W_L⋯W_{j+1})ᵀ G (W_{j−1}⋯W_1)ᵀ
      G.fill(0);
      for (let i = 0; i < X.rows; i++) if (c[i] !== 0) for (let k = 0; k < rows * cols; k++) G[k] += c[i] * X.data[i * X.cols + k];
      prefix[0].fill(0);
      for (let a = 0; a < cols; a++) prefix[0][a * cols + a] = 1;
      for (let j = 0; j < L; j++) matmulInto(layer(theta, j), shapes[j][0], shapes[j][1], prefix[j], cols, prefix[j + 1]);
      suffix[L].fill(0);
      for (let a = 0; a < rows; a++) suffix[L][a * rows + a] = 1;
      // suffix[k] = (layers k … L−1, 0-based) = rows × shapes[k][1]; suffix[L] = I
      for (let k = L - 1; k >= 1; k--) matmulInto(suffix[k + 1], rows, shapes[k][0], layer(theta, k), shapes[k][1], suffix[k]);
      for (let j = 0; j < L; j++) {
        const [lr, lc] = shapes[j];
        const S = suffix[j + 1],
          sc = lr; // rows × lr
        const Pre = prefix[j]; // lc × cols
        // T = Sᵀ G (lr × cols), grad_j = T Preᵀ (lr × lc)
        const g = grad.subarray(offsets[j], offsets[j] + lr * lc);
        tmp.fill(0, 0, lr * cols);
        for (let a = 0; a < lr; a++)
          for (let r = 0; r < rows; r++) {
            const sa = S[r * sc + a];
            if (sa !== 0) for (let b = 0; b < cols; b++) tmp[a * cols + b] += sa * G[r * cols + b];
          }
        for (let a = 0; a < lr; a++)
          for (let b = 0; b < lc; b++) {
            let acc = 0;
            for (let k = 0; k < cols; k++) acc += tmp[a * cols + k] * Pre[b * cols + k];
            g[a * lc + b] = acc;
          }
      }
    },
    layers(theta) {
      const out: Record<string, Mat> = {};
      for (let j = 0; j < L; j++) out[`W${j + 1}`] = { rows: shapes[j][0], cols: shapes[j][1], data: layer(theta, j) };
      out.W = { rows, cols, data: Float64Array.from(product(theta, P)) };
      return out;
    },
    dd: () => deepLinearNetDD(o),
  };
}

/** The double-double twin of deepLinearNet (same θ layout). */
export function deepLinearNetDD(o: Pick<DeepLinearOptions, 'rows' | 'cols' | 'depth' | 'width'>): DDModel {
  const { rows, cols, depth: L } = o;
  const shapes = layerShapes(o);
  const offsets: number[] = [];
  let nParams = 0;
  for (const [r, c] of shapes) (offsets.push(nParams), (nParams += r * c));
  const layer = (theta: DDVec, j: number): DDMat => {
    const [r, c] = shapes[j],
      a = offsets[j],
      b = a + r * c;
    return { rows: r, cols: c, hi: theta.hi.subarray(a, b), lo: theta.lo.subarray(a, b) };
  };
  const identity = (n: number): DDMat => {
    const m: DDMat = { rows: n, cols: n, ...ddVec(n * n) };
    for (let a = 0; a < n; a++) m.hi[a * n + a] = 1;
    return m;
  };
  /** prefix[j] = W_j⋯W_1 (prefix[0] = I_cols) */
  const prefixes = (theta: DDVec): DDMat[] => {
    const p = [identity(cols)];
    for (let j = 0; j < L; j++) p.push(ddMatMul(layer(theta, j), p[j]));
    return p;
  };
  const transpose = (m: DDMat): DDMat => {
    const t: DDMat = { rows: m.cols, cols: m.rows, ...ddVec(m.hi.length) };
    for (let a = 0; a < m.rows; a++) for (let b = 0; b < m.cols; b++) ddSet(t, b * m.rows + a, ddGet(m, a * m.cols + b));
    return t;
  };
  return {
    nParams,
    forward(theta, X, out) {
      const W = prefixes(theta)[L];
      for (let i = 0; i < X.rows; i++) {
        let f = ddFromNumber(0);
        for (let k = 0; k < rows * cols; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) f = ddAdd(f, ddMul(ddFromNumber(x), ddGet(W, k)));
        }
        ddSet(out, i, f);
      }
    },
    backward(theta, X, c, grad) {
      // G = Σ_k c_k A_k; ∂/∂W_j = (W_L⋯W_{j+1})ᵀ G (W_{j−1}⋯W_1)ᵀ, as in deepLinearNet
      const G: DDMat = { rows, cols, ...ddVec(rows * cols) };
      for (let i = 0; i < X.rows; i++)
        for (let k = 0; k < rows * cols; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) ddSet(G, k, ddAdd(ddGet(G, k), ddMul(ddGet(c, i), ddFromNumber(x))));
        }
      const pre = prefixes(theta);
      let suffix = identity(rows); // W_L⋯W_{j+2}, rows × shapes[j+1][0]
      for (let j = L - 1; j >= 0; j--) {
        const g = ddMatMul(ddMatMul(transpose(suffix), G), transpose(pre[j]));
        grad.hi.set(g.hi, offsets[j]);
        grad.lo.set(g.lo, offsets[j]);
        suffix = ddMatMul(suffix, layer(theta, j));
      }
    },
    layers(theta) {
      const out: Record<string, DDMat> = {};
      for (let j = 0; j < L; j++) out[`W${j + 1}`] = layer(theta, j);
      out.W = prefixes(theta)[L];
      return out;
    },
  };
}
