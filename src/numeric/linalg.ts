// float64 dense linear algebra on row-major Float64Array. Hot kernels are plain loops (the Gram
// product blocked, in dense.ts); decompositions come from ml-matrix (tested against known matrices
// in test/numeric/linalg.test.ts).
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { preActivations } from './dense.js';

export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array; // row-major
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  const d = new Float64Array(rows * cols);
  if (data) {
    if (data.length !== rows * cols) throw new Error(`mat: expected ${rows * cols} entries, got ${data.length}`);
    d.set(data);
  }
  return { rows, cols, data: d };
}

export function fromRows(rows: number[][]): Mat {
  const r = rows.length;
  const c = r ? rows[0].length : 0;
  const m = mat(r, c);
  rows.forEach((row, i) => m.data.set(row, i * c));
  return m;
}

export function toRows(a: Mat): number[][] {
  const out: number[][] = [];
  // entry by entry: Array.from of a subarray per row was the largest cost of a path watch's per-step singular values
  for (let i = 0; i < a.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < a.cols; j++) row.push(a.data[i * a.cols + j]);
    out.push(row);
  }
  return out;
}

/** C = A·B (i-k-j loop order, cache-friendly for row-major). */
export function matmul(a: Mat, b: Mat, out?: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} · ${b.rows}x${b.cols}`);
  const c = out ?? mat(a.rows, b.cols);
  const A = a.data,
    B = b.data,
    C = c.data;
  const n = a.rows,
    K = a.cols,
    m = b.cols;
  C.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * m;
    for (let k = 0; k < K; k++) {
      const aik = A[i * K + k];
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) C[ci + j] += aik * B[bk + j];
    }
  }
  return c;
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** Gram matrix A·Aᵀ (rows × rows); each entry summed in column order. */
export function gramRows(a: Mat): Mat {
  const g = mat(a.rows, a.rows);
  preActivations(a.data, a.data, undefined, 0, a.rows, a.rows, a.cols, g.data, true);
  return g;
}

export function frobeniusNormSq(a: Mat | Float64Array): number {
  const d = 'data' in a ? a.data : a;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return s;
}

export function frobeniusNorm(a: Mat | Float64Array): number {
  return Math.sqrt(frobeniusNormSq(a));
}

/**
 * ‖v‖₂ over the entries k ∈ [from, to) (all by default) with mask[k] ≠ 0 (all without a mask), scaled by their
 * max |v_k| against overflow and underflow: max · √Σ_k (v_k/max)², summed in k order.
 */
export function euclideanNorm(v: ArrayLike<number>, over: { from?: number; to?: number; mask?: ArrayLike<number> } = {}): number {
  const { from = 0, to = v.length, mask } = over;
  let m = 0;
  for (let k = from; k < to; k++) if (!mask || mask[k]) m = Math.max(m, Math.abs(v[k]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let k = from; k < to; k++) if (!mask || mask[k]) s += (v[k] / m) ** 2;
  return m * Math.sqrt(s);
}

/** Singular values, descending. */
export function singularValues(a: Mat): number[] {
  if (a.rows === 0 || a.cols === 0) return [];
  if (a.rows === 2 && a.cols === 2) return singularValues2x2(a.data);
  const m = new Matrix(toRows(a));
  const svd = new SingularValueDecomposition(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Array.from(svd.diagonal).sort((x, y) => y - x);
}

export function spectralNorm(a: Mat): number {
  return spectralOf(singularValues(a));
}

export function nuclearNorm(a: Mat): number {
  return nuclearOf(singularValues(a));
}

/** Norms from the singular values s (descending): ‖·‖₂ = s_1 (0 for an empty list), ‖·‖_F = √Σ s², ‖·‖_* = Σ s. */
export function spectralOf(s: number[]): number {
  return s[0] ?? 0;
}

export function frobeniusOf(s: number[]): number {
  return Math.sqrt(s.reduce((t, x) => t + x * x, 0));
}

export function nuclearOf(s: number[]): number {
  return s.reduce((t, x) => t + x, 0);
}

/** ‖·‖₂/‖·‖_F = s_1/√Σ s² (1 for rank 1); NaN for the zero matrix. */
export function spectralFrobeniusRatioOf(s: number[]): number {
  const f = frobeniusOf(s);
  return f > 0 ? s[0] / f : NaN;
}

/** How many |x_i| exceed fraction·max_i |x_i| (0 when every entry is 0). */
export function countAbove(x: ArrayLike<number>, fraction: number): number {
  const v = Array.from(x, Math.abs);
  const m = v.reduce((a, x) => Math.max(a, x), 0);
  return m === 0 ? 0 : v.filter((t) => t > fraction * m).length;
}

/** ‖a − b‖ / ‖b‖ over the first n entries, as √(Σ(a−b)² / Σb²). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, n = b.length): number {
  let num = 0,
    den = 0;
  for (let e = 0; e < n; e++) ((num += (a[e] - b[e]) ** 2), (den += b[e] ** 2));
  return Math.sqrt(num / den);
}

/** ‖a − b‖ over the first n entries. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>, n = b.length): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

/** ‖a − b‖ / max(‖b‖, 1e-300) over the first n entries, as √Σ(a−b)² / max(√Σb², 1e-300). */
export function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>, n = b.length): number {
  let num = 0,
    den = 0;
  for (let k = 0; k < n; k++) ((num += (a[k] - b[k]) ** 2), (den += b[k] ** 2));
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

/** ‖A‖_F² / ‖A‖₂²: 1 ≤ stableRank ≤ rank. ‖A‖₂² is the largest eigenvalue of the smaller Gram matrix (AAᵀ or AᵀA): for a 50×4000 layer a 50×50 eigenproblem instead of an SVD, and λ_max keeps full relative precision. */
export function stableRank(a: Mat): number {
  if (a.rows === 0 || a.cols === 0) return 0;
  if (a.rows === 2 && a.cols === 2) return stableRankOf(singularValues2x2(a.data));
  const G = a.rows <= a.cols ? gramRows(a) : gramCols(a);
  const e = new EigenvalueDecomposition(new Matrix(toRows(G)), { assumeSymmetric: true });
  const top = e.realEigenvalues.reduce((a, x) => Math.max(a, x), -Infinity);
  const fro = frobeniusNormSq(a);
  return top > 0 ? fro / top : 0;
}

/** σ_k / σ_1 (k is 1-based); 0 when A has fewer than k singular values. */
export function singularValueRatio(a: Mat, k: number): number {
  return singularValueRatioOf(singularValues(a), k);
}

export function singularValueRatioOf(s: number[], k: number): number {
  if (!s.length || s[0] === 0) return 0;
  return (s[k - 1] ?? 0) / s[0];
}

/** Lower-triangular L with A = L·Lᵀ, or undefined when A is not (numerically) positive definite. */
export function cholesky(a: Mat): Mat | undefined {
  const n = a.rows;
  const L = mat(n, n);
  const A = a.data,
    D = L.data;
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= D[j * n + k] ** 2;
    if (!(s > 1e-14 * Math.abs(A[j * n + j]))) return undefined;
    const ljj = Math.sqrt(s);
    D[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= D[i * n + k] * D[j * n + k];
      D[i * n + i - (i - j)] = t / ljj;
    }
  }
  return L;
}

/** Singular values of L from its Gram matrix G = L Lᵀ (descending): √ of the eigenvalues, negatives from rounding clipped to 0. */
export function singularValuesFromGram(G: Mat): number[] {
  const e = new EigenvalueDecomposition(new Matrix(toRows(G)), { assumeSymmetric: true });
  return e.realEigenvalues.map((l) => Math.sqrt(Math.max(0, l))).sort((x, y) => y - x);
}

export function stableRankOf(s: number[]): number {
  if (!s.length || s[0] === 0) return 0;
  return s.reduce((t, x) => t + x * x, 0) / (s[0] * s[0]);
}

/** Singular values of a 2×2 matrix in closed form: σ₁² = (F + √(F² − 4D²))/2 with F = ‖A‖_F², D = det A; σ₂ = |D|/σ₁ (accurate when σ₂ ≪ σ₁). */
export function singularValues2x2(a: ArrayLike<number>): number[] {
  const F = a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3];
  const D = a[0] * a[3] - a[1] * a[2];
  const s1 = Math.sqrt((F + Math.sqrt(Math.max(0, F * F - 4 * D * D))) / 2);
  return s1 === 0 ? [0, 0] : [s1, Math.abs(D) / s1];
}

/** exp of the entropy of σ/Σσ (Roy & Vetterli; Razin & Cohen's rank surrogate): 1 for rank 1, k for k equal singular values. */
export function effectiveRankOf(s: number[]): number {
  const total = s.reduce((t, x) => t + x, 0);
  if (total === 0) return 0;
  let h = 0;
  for (const x of s) if (x > 0) h -= (x / total) * Math.log(x / total);
  return Math.exp(h);
}

/** Schatten-p (quasi-)norm (Σ σ^p)^{1/p}, p > 0 (p < 1: a quasi-norm). */
export function schattenOf(s: number[], p: number): number {
  if (!(p > 0)) throw new Error(`Schatten-p needs p > 0, got ${p}`);
  const m = s.reduce((a, x) => Math.max(a, x), 0);
  if (m === 0) return 0;
  return (
    m *
    Math.pow(
      s.reduce((t, x) => t + Math.pow(x / m, p), 0),
      1 / p,
    )
  );
}

/** AᵀA (cols × cols). */
export function gramCols(a: Mat): Mat {
  return gramRows(transpose(a));
}

export function subtract(a: Mat, b: Mat): Mat {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`subtract: ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  return { rows: a.rows, cols: a.cols, data: a.data.map((x, i) => x - b.data[i]) };
}

/** det by Gaussian elimination with partial pivoting (1×1 and 2×2 by formula). */
export function determinant(m: Mat): number {
  if (m.rows !== m.cols) throw new Error(`the determinant needs a square matrix, got ${m.rows}×${m.cols}`);
  const n = m.rows,
    a = Float64Array.from(m.data);
  if (n === 1) return a[0];
  if (n === 2) return a[0] * a[3] - a[1] * a[2];
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (a[p * n + c] === 0) return 0;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      det = -det;
    }
    det *= a[c * n + c];
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return det;
}

/** out = A·B for row-major A (ar×ac) and B (ac×bc), skipping zero entries of A. */
export function matmulInto(a: Float64Array, ar: number, ac: number, b: Float64Array, bc: number, out: Float64Array): Float64Array {
  out.fill(0, 0, ar * bc);
  for (let i = 0; i < ar; i++)
    for (let k = 0; k < ac; k++) {
      const x = a[i * ac + k];
      if (x === 0) continue;
      for (let j = 0; j < bc; j++) out[i * bc + j] += x * b[k * bc + j];
    }
  return out;
}
