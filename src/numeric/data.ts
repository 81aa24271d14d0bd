// Data-set generators. Every generator returns X (n×d rows x_i), targets y, and the
// statistics that hypotheses refer to (near-orthogonality κ, norm ratio R; Frei et al. note §4.3).
import { OutsideDomainError } from '../core/errors.js';
import { cholesky, mat, type Mat } from './linalg.js';
import type { Rng } from './rng.js';

export interface Dataset {
  X: Mat;
  y: Float64Array;
  stats: DataStats;
  /** completion problems: the whole ground truth (row-major), of which the rows of X observe entries */
  truth?: Float64Array;
}

/** Statistics a data block adds to the trial scope (n and d too, unless the space already defines them): R_min, R_max = min/max ‖x_i‖; pmax = max_{i≠j} |⟨x_i, x_j⟩|; kappa κ = R_min² / (n · p); Rratio R = R_max / R_min. */
export const DATA_STAT_NAMES = ['Rmin', 'Rmax', 'pmax', 'kappa', 'Rratio'] as const;
export type DataStatName = (typeof DATA_STAT_NAMES)[number];

export interface DataStats extends Record<DataStatName, number> {
  n: number;
  d: number;
}

export function dataStats(X: Mat): DataStats {
  const n = X.rows,
    d = X.cols,
    A = X.data;
  let Rmin = Infinity,
    Rmax = 0,
    pmax = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[i * d + k] ** 2;
    Rmin = Math.min(Rmin, Math.sqrt(s));
    Rmax = Math.max(Rmax, Math.sqrt(s));
    for (let j = 0; j < i; j++) {
      let p = 0;
      for (let k = 0; k < d; k++) p += A[i * d + k] * A[j * d + k];
      pmax = Math.max(pmax, Math.abs(p));
    }
  }
  if (n === 0) Rmin = 0;
  const kappa = pmax > 0 ? (Rmin * Rmin) / (n * pmax) : Infinity;
  return { n, d, Rmin, Rmax, pmax, kappa, Rratio: Rmin > 0 ? Rmax / Rmin : Infinity };
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
