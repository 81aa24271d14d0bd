// Data-set generators. Every generator returns X (n×d rows x_i), targets y, and the
// statistics that hypotheses refer to (near-orthogonality κ, norm ratio R; Frei et al. note §4.3).
import { mat, type Mat } from './linalg.js';
import type { Rng } from './rng.js';

export interface Dataset {
  X: Mat;
  y: Float64Array;
  stats: DataStats;
}

export interface DataStats {
  n: number;
  d: number;
  Rmin: number;
  Rmax: number;
  /** max_{i≠j} |⟨x_i, x_j⟩| */
  pmax: number;
  /** κ = R_min² / (n · p) */
  kappa: number;
  /** R = R_max / R_min */
  Rratio: number;
}

export function dataStats(X: Mat): DataStats {
  const n = X.rows, d = X.cols, A = X.data;
  let Rmin = Infinity, Rmax = 0, pmax = 0;
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

export type LabelRule = 'sign' | 'teacher' | 'gaussian';

/** x_i ~ N(0, scale² I_d); labels: random ±1, the sign of a random teacher ⟨u, x⟩, or N(0,1) regression targets. */
export function isotropicGaussian(rng: Rng, n: number, d: number, scale: number, labels: LabelRule): Dataset {
  const X = mat(n, d);
  const rx = rng.fork('X'), ry = rng.fork('y');
  rx.fillNormal(X.data, scale);
  const y = new Float64Array(n);
  if (labels === 'teacher') {
    const u = ry.fillNormal(new Float64Array(d));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[k] * X.data[i * d + k];
      y[i] = s >= 0 ? 1 : -1;
    }
  } else {
    for (let i = 0; i < n; i++) y[i] = labels === 'sign' ? ry.sign() : ry.normal();
  }
  return { X, y, stats: dataStats(X) };
}
