// Deep linear factorizations W = W_L ⋯ W_1 (Razin & Cohen 2020; Arora et al. 2018, 2019) as a Model
// of matrix sensing: an example is a measurement matrix A_k (its row-major vec is the row x_k) and
// the prediction is ⟨A_k, W⟩. Matrix completion is the case A_k = e_i e_jᵀ.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { cachedKernel } from './kernel-cache.js';
import { determinant, matmulInto, type Mat } from './linalg.js';
import { ddAdd, ddFromNumber, ddMul } from './dd.js';
import { ddGet, ddMatMul, ddSet, ddVec, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import { squareLoss, type Loss } from './losses.js';
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
  // W into out[0 .. rows·cols): a kernel generated for the shape (the same operations), else product()
  const generated = productKernel(o);
  const productInto = generated
    ? (theta: Float64Array, out: Float64Array) => generated(theta, out)
    : (theta: Float64Array, out: Float64Array) => void product(theta, out);
  // layers(θ) is asked at every accepted step (path metrics): the views W_j of the last two θ arrays are kept (they follow θ's entries)
  const names = shapes.map((_, j) => `W${j + 1}`);
  let viewsOf: Array<{ theta: Float64Array; views: Float64Array[] }> = [];
  const layerViews = (theta: Float64Array): Float64Array[] => {
    const hit = viewsOf.find((v) => v.theta === theta);
    if (hit) return hit.views;
    const views = shapes.map((_, j) => layer(theta, j));
    viewsOf = [{ theta, views }, ...viewsOf.slice(0, 1)];
    return views;
  };

  const model: Model = {
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
      productInto(theta, P);
      const W = P;
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
      const views = layerViews(theta);
      for (let j = 0; j < L; j++) out[names[j]] = { rows: shapes[j][0], cols: shapes[j][1], data: views[j] };
      const W = new Float64Array(rows * cols);
      productInto(theta, W);
      out.W = { rows, cols, data: W };
      return out;
    },
    dd: () => deepLinearNetDD(o),
  };
  kernelShapes.set(model, o);
  return model;
}

// L(θ) and ∇L(θ) (or −∇L(θ), gradient flow's right-hand side) of a small factorization in one function generated
// per shape (Razin & Cohen's 2×2 completion problems are a few dozen products per pass, all overhead in the generic
// passes): deepLinearNet's forward and backward with objective.ts's loss sum written out operation by operation in
// their order, so the results are bit-identical (test/numeric/deeplinear-objective.test.ts). Only integers enter the code.

const kernelShapes = new WeakMap<Model, DeepLinearOptions>();

/** Generated kernels up to this many multiplications per pass. */
export const DEEP_LINEAR_KERNEL_MAX = 4096;

/** A matrix of expressions: local names, or the literals '0' and '1' (entries of an identity). */
type Expr = string[][];

/** The local names of an r×c matrix `name`. */
const named = (name: string, r: number, c: number): Expr => Array.from({ length: r }, (_, a) => Array.from({ length: c }, (_, b) => `${name}_${a}_${b}`));
const identityExpr = (k: number): Expr => Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => (a === b ? '1' : '0')));
/** x·y as code; x·1 and 1·y are x and y exactly (also for ±0, ±∞ and NaN), a product with a literal 0 is kept. */
const times = (x: string, y: string) => (y === '1' ? x : x === '1' ? y : `${x} * ${y}`);

/** linalg.ts matmulInto(A, B) written out: out_ij = Σ_k A_ik B_kj from 0 in k order, the terms of an A_ik = 0 skipped. */
function emitMatmul(L: string[], A: Expr, B: Expr, name: string): Expr {
  const out = named(name, A.length, B[0].length);
  for (const [i, row] of A.entries()) {
    L.push(`let ${out[i].map((o) => `${o} = 0`).join(', ')};`);
    for (const [k, a] of row.entries()) {
      if (a === '0') continue;
      const adds = out[i].map((o, j) => `${o} += ${times(a, B[k][j])};`).join(' ');
      L.push(a === '1' ? adds : `if (${a} !== 0) { ${adds} }`);
    }
  }
  return out;
}

/** product(θ) of deepLinearNet, generated for the shape: W_1, then W_j·W for j = 2 … L (matmulInto's operations); writes out[0 .. rows·cols). */
function productKernel(o: Pick<DeepLinearOptions, 'rows' | 'cols' | 'depth' | 'width'>): ((th: Float64Array, out: Float64Array) => void) | undefined {
  const { rows, cols, depth: L, width } = o;
  if (L * Math.max(rows, cols, width) ** 3 > DEEP_LINEAR_KERNEL_MAX) return undefined;
  const key = `${rows} ${cols} ${L} ${width}`;
  return cachedKernel(products, key, () => {
    const S: string[] = [];
    const W = emitProduct(S, o);
    S.push(...W.flat().map((e, k) => `out[${k}] = ${e};`));
    return new Function('th', 'out', S.join('\n')) as (th: Float64Array, out: Float64Array) => void;
  });
}
const products = new Map<string, (th: Float64Array, out: Float64Array) => void>();

/** θ into locals t0 …, then the product W = W_L⋯W_1 as product() forms it; returns W's expressions. */
function emitProduct(S: string[], o: Pick<DeepLinearOptions, 'rows' | 'cols' | 'depth' | 'width'>): Expr {
  const shapes = layerShapes(o);
  const offsets: number[] = [];
  let P = 0;
  for (const [r, c] of shapes) (offsets.push(P), (P += r * c));
  S.push(`const ${Array.from({ length: P }, (_, q) => `t${q} = th[${q}]`).join(', ')};`);
  let W = layerExpr(shapes, offsets, 0);
  for (let j = 1; j < o.depth; j++) W = emitMatmul(S, layerExpr(shapes, offsets, j), W, `p${j}`);
  return W;
}

/** Layer j's entries as the locals t_q of θ. */
const layerExpr = (shapes: Array<[number, number]>, offsets: number[], j: number): Expr =>
  Array.from({ length: shapes[j][0] }, (_, a) => Array.from({ length: shapes[j][1] }, (_, b) => `t${offsets[j] + a * shapes[j][1] + b}`));

/** Binds a kernel to its data and loss: the closures of one shape share their compiled code. */
type KernelFactory = (
  X: Float64Array,
  Y: Float64Array,
  w: number,
  lv: (p: number, y: number) => number,
  ld: (p: number, y: number) => number,
) => (th: Float64Array, g: Float64Array) => number;
const kernels = new Map<string, KernelFactory>();

/**
 * The kernel's source for n examples of `xCols` columns: W = product (W_1, then W_j·W), f_i = Σ_k X_ik W_k (all k),
 * L = Σ_i ℓ(f_i, y_i) and c_i = w·ℓ′(f_i, y_i) (objective.ts), then backward: G = Σ_{i: c_i ≠ 0} c_i A_i, the
 * prefixes W_j⋯W_1 from I, the suffixes W_L⋯W_k from I, and ∂/∂W_j = (Sᵀ G) Preᵀ, each as deepLinearNet computes it.
 */
function kernelSource(o: Pick<DeepLinearOptions, 'rows' | 'cols' | 'depth' | 'width'>, n: number, xCols: number, square: boolean, negate: boolean): string {
  const { rows, cols, depth: L } = o;
  const shapes = layerShapes(o);
  const offsets: number[] = [];
  let P = 0;
  for (const [r, c] of shapes) (offsets.push(P), (P += r * c));
  const S: string[] = [];
  const layer = (j: number): Expr => layerExpr(shapes, offsets, j);
  const size = rows * cols;
  // forward: product(θ) starts from a copy of W_1
  const Wf = emitProduct(S, o).flat();
  S.push('let ls = 0;');
  for (let i = 0; i < n; i++) {
    S.push(`const f${i} = ${['0', ...Wf.map((e, k) => `X[${i * xCols + k}] * ${e}`)].join(' + ')};`);
    if (square) S.push(`const r${i} = f${i} - Y[${i}];`, `ls += 0.5 * r${i} * r${i};`, `const c${i} = w * r${i};`);
    else S.push(`ls += lv(f${i}, Y[${i}]);`, `const c${i} = w * ld(f${i}, Y[${i}]);`);
  }
  // backward
  S.push(`let ${Array.from({ length: size }, (_, k) => `G${k} = 0`).join(', ')};`);
  for (let i = 0; i < n; i++) S.push(`if (c${i} !== 0) { ${Array.from({ length: size }, (_, k) => `G${k} += c${i} * X[${i * xCols + k}];`).join(' ')} }`);
  const G: Expr = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, b) => `G${r * cols + b}`));
  const prefix: Expr[] = [identityExpr(cols)];
  for (let j = 0; j < L; j++) prefix.push(emitMatmul(S, layer(j), prefix[j], `pre${j + 1}`));
  const suffix: Expr[] = [];
  suffix[L] = identityExpr(rows);
  for (let k = L - 1; k >= 1; k--) suffix[k] = emitMatmul(S, suffix[k + 1], layer(k), `suf${k}`);
  const out = (v: string) => (negate ? `-${v}` : v);
  for (let j = 0; j < L; j++) {
    const [lr, lc] = shapes[j];
    const Sj = suffix[j + 1],
      Pre = prefix[j];
    // T = Sᵀ G (lr × cols): for each a, the rows r in order, the terms of an S_ra = 0 skipped
    const T = named(`T${j}`, lr, cols);
    for (let a = 0; a < lr; a++) {
      S.push(`let ${T[a].map((x) => `${x} = 0`).join(', ')};`);
      for (let r = 0; r < rows; r++) {
        const sa = Sj[r][a];
        if (sa === '0') continue;
        const adds = T[a].map((x, b) => `${x} += ${times(sa, G[r][b])};`).join(' ');
        S.push(sa === '1' ? adds : `if (${sa} !== 0) { ${adds} }`);
      }
    }
    // grad_j = T Preᵀ, summed from 0 over every k
    for (let a = 0; a < lr; a++)
      for (let b = 0; b < lc; b++)
        S.push(`g[${offsets[j] + a * lc + b}] = ${out(`(${['0', ...Array.from({ length: cols }, (_, k) => times(T[a][k], Pre[b][k]))].join(' + ')})`)};`);
  }
  S.push('return w * ls;');
  return S.join('\n');
}

/**
 * For objective(model, loss, X, y, ·) with reduction weight w: a function (θ, out) ↦ L(θ) that writes ∇L(θ) into out
 * (−∇L(θ) with `negate`), bit-identical to objective's valueAndGrad (then negated); undefined when the model is not a
 * deepLinearNet, X's columns are not rows·cols, or the passes are above DEEP_LINEAR_KERNEL_MAX products.
 */
export function deepLinearObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const o = kernelShapes.get(model);
  if (!o) return undefined;
  const { rows, cols, depth: L, width } = o;
  const n = X.rows,
    big = Math.max(rows, cols, width);
  if (X.cols !== rows * cols || 2 * n * rows * cols + 3 * L * big ** 3 > DEEP_LINEAR_KERNEL_MAX) return undefined;
  const square = loss === squareLoss;
  const key = `${rows} ${cols} ${L} ${width} ${n} ${square} ${negate}`;
  const kernel = cachedKernel(
    kernels,
    key,
    () => new Function('X', 'Y', 'w', 'lv', 'ld', `return function (th, g) {\n${kernelSource(o, n, X.cols, square, negate)}\n};`) as KernelFactory,
  );
  return kernel(X.data, y, w, loss.value, loss.derivative);
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
  const transpose = (m: DDMat, t: DDMat = { rows: m.cols, cols: m.rows, ...ddVec(m.hi.length) }): DDMat => {
    t.rows = m.cols;
    t.cols = m.rows;
    for (let a = 0; a < m.rows; a++) for (let b = 0; b < m.cols; b++) ddSet(t, b * m.rows + a, ddGet(m, a * m.cols + b));
    return t;
  };
  // forward's and backward's matrices, allocated once (layers() returns fresh ones): the same products into them
  const mat = (r: number, c: number): DDMat => ({ rows: r, cols: c, ...ddVec(r * c) });
  const eye = { cols: identity(cols), rows: identity(rows) };
  const pre = [eye.cols, ...shapes.map(([r]) => mat(r, cols))];
  const G: DDMat = mat(rows, cols);
  const suffixes = [eye.rows, ...shapes.map(([, c]) => mat(rows, c))]; // suffixes[j + 1] = W_L⋯W_{j+1}: rows × shapes[j][1]
  const grads = shapes.map(([r, c]) => ({ st: mat(r, rows), sg: mat(r, cols), pt: mat(cols, c), g: mat(r, c) }));
  /** prefix products into pre (pre[j] = W_j⋯W_1), as prefixes computes them */
  const prefixesInto = (theta: DDVec): DDMat[] => {
    for (let j = 0; j < L; j++) ddMatMul(layer(theta, j), pre[j], pre[j + 1]);
    return pre;
  };
  return {
    nParams,
    forward(theta, X, out) {
      const W = prefixesInto(theta)[L];
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
      G.hi.fill(0);
      G.lo.fill(0);
      for (let i = 0; i < X.rows; i++)
        for (let k = 0; k < rows * cols; k++) {
          const x = X.data[i * X.cols + k];
          if (x !== 0) ddSet(G, k, ddAdd(ddGet(G, k), ddMul(ddGet(c, i), ddFromNumber(x))));
        }
      prefixesInto(theta);
      let suffix = suffixes[0]; // W_L⋯W_{j+2}, rows × shapes[j+1][0]
      for (let j = L - 1; j >= 0; j--) {
        const b = grads[j];
        const g = ddMatMul(ddMatMul(transpose(suffix, b.st), G, b.sg), transpose(pre[j], b.pt), b.g);
        grad.hi.set(g.hi, offsets[j]);
        grad.lo.set(g.lo, offsets[j]);
        suffix = ddMatMul(suffix, layer(theta, j), suffixes[j + 1]);
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
