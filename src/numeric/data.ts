// Data-set generators. Every generator returns X (n×d rows x_i), targets y, and the
// statistics that hypotheses refer to (near-orthogonality κ, norm ratio R; Frei et al. note §4.3).
import { OutsideDomainError } from '../core/errors.js';
import { symmetricEigenvalues } from './eigenvalues.js';
import { cholesky, gramCols, gramRows, mat, type Mat } from './linalg.js';
import { separableThroughOrigin } from './maxmargin.js';
import type { Rng } from './rng.js';

export interface Dataset {
  X: Mat;
  y: Float64Array;
  stats: DataStats;
  /** completion problems: the whole ground truth (row-major), of which the rows of X observe entries */
  truth?: Float64Array;
}

/**
 * Statistics a data block adds to the trial scope (n and d too, unless the space already defines them): R_min, R_max = min/max ‖x_i‖;
 * pmax = max_{i≠j} |⟨x_i, x_j⟩|; kappa κ = R_min² / (n · p); Rratio R = R_max / R_min; lambda_max = λ_max(XXᵀ) = ‖X‖₂²;
 * lambda_min_pos = the smallest positive eigenvalue of XXᵀ and rank_X = rank X, both with the threshold of spectrumStats.
 */
export const EAGER_DATA_STAT_NAMES = ['Rmin', 'Rmax', 'pmax', 'kappa', 'Rratio', 'lambda_max', 'lambda_min_pos', 'rank_X'] as const;
export type DataStatName = (typeof EAGER_DATA_STAT_NAMES)[number];

/**
 * Statistics computed only when a formula reads them (an LP per data set): separable = 1 when the labels are ±1 and an
 * LP finds w with y_i⟨w, x_i⟩ > 0 for every row (linearly separable through the origin, as the svm-* metrics need;
 * a margin of the normalized rows below the LP's ~1e-9 resolution reads as 0), 0 when it finds none, NaN for other labels.
 */
export const LAZY_DATA_STATS = {
  separable: (data: Pick<Dataset, 'X' | 'y'>): number =>
    Array.prototype.every.call(data.y, (v: number) => v === 1 || v === -1) ? (separableThroughOrigin(data.X, data.y) ? 1 : 0) : NaN,
} as const;

/** Every statistic a data block adds to the trial scope. */
export const DATA_STAT_NAMES = [...EAGER_DATA_STAT_NAMES, ...(Object.keys(LAZY_DATA_STATS) as Array<keyof typeof LAZY_DATA_STATS>)] as const;

/**
 * Sets `key` of each target to compute() on first read (once for all targets): not enumerable until then, so a
 * record of the trial's quantities holds it only where a formula read it.
 */
export function defineLazyStat(targets: Array<[Record<string, number>, string]>, compute: () => number): void {
  let value: number | undefined;
  const settle = () => {
    value ??= compute();
    for (const [o, k] of targets) Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  for (const [o, k] of targets)
    Object.defineProperty(o, k, {
      get: settle,
      set: (v: number) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true }),
      enumerable: false,
      configurable: true,
    });
}

export interface DataStats extends Record<DataStatName, number> {
  n: number;
  d: number;
}

export function dataStats(X: Mat): DataStats {
  const n = X.rows,
    d = X.cols,
    A = X.data;
  // XXᵀ from the same sums, for the spectrum when it is the smaller Gram matrix
  const G = n <= d ? mat(n, n) : undefined;
  let Rmin = Infinity,
    Rmax = 0,
    pmax = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[i * d + k] ** 2;
    Rmin = Math.min(Rmin, Math.sqrt(s));
    Rmax = Math.max(Rmax, Math.sqrt(s));
    if (G) G.data[i * n + i] = s;
    for (let j = 0; j < i; j++) {
      let p = 0;
      for (let k = 0; k < d; k++) p += A[i * d + k] * A[j * d + k];
      pmax = Math.max(pmax, Math.abs(p));
      if (G) G.data[i * n + j] = G.data[j * n + i] = p;
    }
  }
  if (n === 0) Rmin = 0;
  const kappa = pmax > 0 ? (Rmin * Rmin) / (n * pmax) : Infinity;
  return { n, d, Rmin, Rmax, pmax, kappa, Rratio: Rmin > 0 ? Rmax / Rmin : Infinity, ...spectrumStats(X, G) };
}

/** An eigenvalue λ of XXᵀ (n×d data) counts as positive when λ > SPECTRUM_TOLERANCE·max(n, d)·λ_max. */
export const SPECTRUM_TOLERANCE = Number.EPSILON;

/**
 * The spectrum of XXᵀ, from the eigenvalues of the smaller Gram matrix (XXᵀ, or XᵀX when d < n; `gram`: XXᵀ when the caller has it):
 * lambda_max = λ_1; rank_X = #{i : λ_i > max(n, d)·ε·λ_1} (ε = 2^−52: NumPy's matrix_rank default applied to the Gram matrix, so a
 * singular value of X counts when σ_i > √(max(n, d)·ε)·σ_1, below which the Gram matrix's rounding hides it); lambda_min_pos = λ_r
 * for that rank r (0 when X = 0). NaN for data with a non-finite entry.
 */
export function spectrumStats(X: Mat, gram?: Mat): { lambda_max: number; lambda_min_pos: number; rank_X: number } {
  if (!X.data.every(Number.isFinite)) return { lambda_max: NaN, lambda_min_pos: NaN, rank_X: NaN };
  const G = gram ?? (X.rows <= X.cols ? gramRows(X) : gramCols(X));
  const lambda = symmetricEigenvalues(G);
  const top = lambda[0] ?? 0;
  const rank = lambda.filter((l) => l > SPECTRUM_TOLERANCE * Math.max(X.rows, X.cols) * top).length;
  return { lambda_max: top, lambda_min_pos: rank ? lambda[rank - 1] : 0, rank_X: rank };
}

export type LabelRule = 'sign' | 'teacher' | 'gaussian' | 'relu-teacher';

/** x_i ~ N(0, scale² I_d); labels: random ±1, the sign of a random teacher ⟨u, x⟩, N(0,1) regression targets, or max(0, ⟨u, x⟩) of a random teacher (realizable by one ReLU neuron). */
export function isotropicGaussian(rng: Rng, n: number, d: number, scale: number, labels: LabelRule): Dataset {
  const X = mat(n, d);
  const rx = rng.fork('X'),
    ry = rng.fork('y');
  rx.fillNormal(X.data, scale);
  const y = new Float64Array(n);
  if (labels === 'teacher' || labels === 'relu-teacher') {
    const u = ry.fillNormal(new Float64Array(d));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[k] * X.data[i * d + k];
      y[i] = labels === 'teacher' ? (s >= 0 ? 1 : -1) : Math.max(0, s);
    }
  } else {
    for (let i = 0; i < n; i++) y[i] = labels === 'sign' ? ry.sign() : ry.normal();
  }
  return { X, y, stats: dataStats(X) };
}

/** Two-cluster mixture x_i = y_i μ + z_i, z_i ~ N(0, I_d), μ a random direction of norm muNorm, labels ±1 (the first nPositive +1). Raising ‖μ‖ lowers κ (Frei et al. note §4.3). */
export function gaussianMixture(rng: Rng, n: number, d: number, muNorm: number, nPositive: number): Dataset {
  const mu = rng.fork('mu').fillNormal(new Float64Array(d));
  const scale = muNorm / Math.sqrt(mu.reduce((t, x) => t + x * x, 0) || 1);
  const X = mat(n, d);
  rng.fork('X').fillNormal(X.data);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i < nPositive ? 1 : -1;
    for (let k = 0; k < d; k++) X.data[i * d + k] += y[i] * scale * mu[k];
  }
  return { X, y, stats: dataStats(X) };
}

export type GramPattern = 'anti-aligned' | 'aligned' | 'random' | 'orthogonal';

export interface ExactGramOptions {
  n: number;
  d: number;
  /** κ = R_min² / (n·p), set exactly (ignored for the orthogonal pattern, where p = 0) */
  kappa: number;
  pattern: GramPattern;
  /** R = R_max / R_min: norms spread linearly from 1 to R */
  Rratio: number;
  /** number of points labelled +1 (the first ones); the rest are −1 */
  nPositive: number;
}

/**
 * Data with a prescribed Gram matrix (Frei et al. note §4.3): G = D(I + ρS)D with S_ii = 0,
 * S_ij = −y_iy_j (anti-aligned), +y_iy_j (aligned) or random ±1, D = diag(norms), ρ chosen so that
 * κ is exact; X = chol(G), padded with zeros to d ≥ n columns.
 */
export function exactGram(rng: Rng, o: ExactGramOptions): Dataset {
  const { n, d } = o;
  if (d < n) throw new OutsideDomainError(`exact-Gram data needs d ≥ n (got d = ${d}, n = ${n})`);
  if (o.nPositive < 0 || o.nPositive > n) throw new OutsideDomainError(`n_positive must lie in [0, n]`);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = i < o.nPositive ? 1 : -1;
  const r = Array.from({ length: n }, (_, i) => (n === 1 ? 1 : 1 + ((o.Rratio - 1) * i) / (n - 1)));
  let maxProd = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) maxProd = Math.max(maxProd, r[i] * r[j]);
  const rho = o.pattern === 'orthogonal' || maxProd === 0 ? 0 : 1 / (o.kappa * n * maxProd);
  const rs = rng.fork('signs');
  const G = mat(n, n);
  for (let i = 0; i < n; i++) {
    G.data[i * n + i] = r[i] * r[i];
    for (let j = 0; j < i; j++) {
      const s = o.pattern === 'anti-aligned' ? -y[i] * y[j] : o.pattern === 'aligned' ? y[i] * y[j] : o.pattern === 'random' ? rs.sign() : 0;
      G.data[i * n + j] = G.data[j * n + i] = rho * s * r[i] * r[j];
    }
  }
  const L = cholesky(G);
  if (!L) throw new OutsideDomainError(`the ${o.pattern} Gram matrix with κ = ${o.kappa}, n = ${n} is not positive definite`);
  const X = mat(n, d);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) X.data[i * d + k] = L.data[i * n + k];
  return { X, y, stats: dataStats(X) };
}

/** Completion of a ground truth `truth`: `k` distinct entries chosen at random are observed (one-hot rows of X). */
export function completionData(rng: Rng, truth: Float64Array, k: number): Dataset {
  const size = truth.length;
  if (!(k >= 1 && k <= size)) throw new Error(`completion: cannot observe ${k} of ${size} entries`);
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const X = mat(k, size);
  const y = new Float64Array(k);
  order.slice(0, k).forEach((at, r) => ((X.data[r * size + at] = 1), (y[r] = truth[at])));
  return { X, y, stats: dataStats(X), truth };
}

/** The memorizer baseline of a completion problem: the observed entries (rows of X one-hot), 0 elsewhere, as a flat array of `size` entries. */
export function memorizer(X: Mat, y: Float64Array, size: number): Float64Array {
  const m = new Float64Array(size);
  for (let k = 0; k < X.rows; k++) for (let e = 0; e < size; e++) if (X.data[k * X.cols + e] !== 0) m[e] = y[k];
  return m;
}

export interface LinearlySeparableOptions {
  n: number;
  d: number;
  /** gaussian: x ~ N(0, scale² I_d); sphere: x uniform on the sphere of radius scale */
  inputs: 'gaussian' | 'sphere';
  scale: number;
  /** γ ≥ 0: every point has y_i⟨w*, x_i⟩ ≥ γ */
  margin: number;
  /** reject: redraw x until |⟨w*, x⟩| ≥ γ; shift: x ← x + γ·sign(⟨w*, x⟩)·w* */
  marginRule: 'reject' | 'shift';
  /** w* (normalized to unit length); undefined: uniform on the unit sphere */
  teacher?: number[];
}

const euclidean = (v: Float64Array): number => Math.sqrt(v.reduce((t, x) => t + x * x, 0));

/** Draws of x a rejection may spend per point, in all: beyond it the margin keeps too few draws (out of regime). */
export const REJECTION_DRAWS_PER_POINT = 1000;

/**
 * Labels y_i = sign⟨w*, x_i⟩ (sign 0 = +1) of a unit teacher w*, with the margin min_i y_i⟨w*, x_i⟩ ≥ γ enforced by rejection
 * (x is then distributed as the input law conditioned on |⟨w*, x⟩| ≥ γ) or by shifting each point γ along y_i·w*
 * (so y_i⟨w*, x_i⟩ = |⟨w*, x⟩| + γ; shifted sphere points leave the sphere). The data are linearly separable with margin ≥ γ.
 */
export function linearlySeparable(rng: Rng, o: LinearlySeparableOptions): Dataset & { teacher: Float64Array } {
  const { n, d } = o;
  if (!(o.margin >= 0)) throw new OutsideDomainError(`linearly-separable: the margin must be at least 0, got ${o.margin}`);
  const teacher = o.teacher ? Float64Array.from(o.teacher) : rng.fork('teacher').fillNormal(new Float64Array(d));
  if (teacher.length !== d) throw new Error(`linearly-separable: a teacher of ${teacher.length} entries for d = ${d}`);
  const norm = euclidean(teacher);
  if (!(norm > 0 && Number.isFinite(norm))) throw new OutsideDomainError('linearly-separable: the teacher w* must be a nonzero finite vector');
  for (let k = 0; k < d; k++) teacher[k] /= norm;
  const rx = rng.fork('X');
  const X = mat(n, d),
    y = new Float64Array(n),
    x = new Float64Array(d);
  const draw = (): number => {
    rx.fillNormal(x);
    if (o.inputs === 'sphere') {
      const r = euclidean(x) || 1;
      for (let k = 0; k < d; k++) x[k] /= r;
    }
    let s = 0;
    for (let k = 0; k < d; k++) ((x[k] *= o.scale), (s += teacher[k] * x[k]));
    return s;
  };
  let draws = 0;
  for (let i = 0; i < n; i++) {
    let s = draw();
    draws++;
    if (o.marginRule === 'reject')
      while (Math.abs(s) < o.margin) {
        if (draws >= REJECTION_DRAWS_PER_POINT * n)
          throw new OutsideDomainError(`linearly-separable: ${draws} draws gave ${i} of ${n} points with |⟨w*, x⟩| ≥ γ = ${o.margin} (use margin_rule: shift)`);
        s = draw();
        draws++;
      }
    y[i] = s >= 0 ? 1 : -1;
    for (let k = 0; k < d; k++) X.data[i * d + k] = o.marginRule === 'shift' ? x[k] + o.margin * y[i] * teacher[k] : x[k];
  }
  return { X, y, stats: dataStats(X), teacher };
}

export interface SparseRegressionOptions {
  n: number;
  d: number;
  /** nonzeros of w* */
  k: number;
  /** X has entries N(0, scale²) */
  scale: number;
  /** the k nonzero values, in order of their coordinates; undefined: magnitude `value` with `signs` */
  values?: number[];
  value: number;
  signs: 'positive' | 'random';
  /** the support: the first k coordinates, or a uniformly random k-subset */
  support: 'first' | 'random';
  /** noise standard deviation σ */
  sigma: number;
}

/** y = Xw* + σξ with X_ij ~ N(0, scale²), ξ ~ N(0, I_n), w* k-sparse (overparametrized n < d allowed). */
export function sparseRegression(rng: Rng, o: SparseRegressionOptions): Dataset & { teacher: Float64Array } {
  const { n, d, k } = o;
  if (!(k >= 0 && k <= d)) throw new OutsideDomainError(`sparse-regression: k must lie in [0, d = ${d}], got ${k}`);
  if (o.values && o.values.length !== k) throw new Error(`sparse-regression: ${o.values.length} values for k = ${k} nonzeros`);
  const coords = Array.from({ length: d }, (_, j) => j);
  if (o.support === 'random') {
    const rs = rng.fork('support');
    for (let j = 0; j < k; j++) {
      const t = j + Math.floor(rs.uniform() * (d - j));
      [coords[j], coords[t]] = [coords[t], coords[j]];
    }
  }
  const support = coords.slice(0, k).sort((a, b) => a - b);
  const teacher = new Float64Array(d);
  const rsign = rng.fork('signs');
  support.forEach((j, r) => (teacher[j] = o.values ? o.values[r] : o.signs === 'random' ? o.value * rsign.sign() : o.value));
  const X = mat(n, d);
  rng.fork('X').fillNormal(X.data, o.scale);
  const rn = rng.fork('noise');
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] * teacher[j];
    y[i] = o.sigma === 0 ? s : s + o.sigma * rn.normal();
  }
  return { X, y, stats: dataStats(X), teacher };
}
