// Large d for free (Frei et al. note §4.3): W(t) − W(0) stays in span{x_i} and only ⟨w_j, x_i⟩ enter
// the dynamics, so simulate in the r ≤ n coordinates of an orthonormal basis Q of the data's row
// span, and carry the frozen orthogonal part of the initialization only through
// W_⊥W_⊥ᵀ ~ Wishart_m(d − r, ω²I). A step costs O(m·n·r) whatever d is.
import { preActivations } from './dense.js';
import { mat, type Mat } from './linalg.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

/**
 * Orthonormal basis Q (r×d, rows) of the row span of X (modified Gram–Schmidt, twice), and X̃ = X Qᵀ (n×r).
 * Every sum runs over k from 0 in order (the loops are fused and interleaved, not reordered). Columns
 * that are +0 in every row (exact-Gram data padded to d) stay +0 in every kept vector (a vector whose
 * update met a non-finite p has a NaN norm and is dropped) and add +0 to every sum, so the loops stop before them.
 */
export function gramCoordinates(X: Mat): { Q: Mat; Xt: Mat } {
  const n = X.rows,
    d = X.cols,
    A = X.data;
  let end = 0;
  for (let i = 0; i < n; i++) for (let k = d - 1; k >= end; k--) if (!Object.is(A[i * d + k], 0)) end = k + 1;
  const basis = new Float64Array(n * d); // q_a at a·d
  const v = new Float64Array(d);
  let r = 0;
  for (let i = 0; i < n; i++) {
    v.fill(0);
    v.set(A.subarray(i * d, i * d + end));
    let norm0 = 0;
    for (let k = 0; k < end; k++) norm0 += v[k] * v[k];
    norm0 = Math.sqrt(norm0);
    // per pass, for a = 0 … r−1: p = Σ_k q_a[k] v[k], then v −= p q_a; the update by q_a and the sum for q_{a+1} share one loop over k
    for (let pass = 0; pass < 2; pass++) {
      if (r === 0) continue;
      let p = 0;
      for (let k = 0; k < end; k++) p += basis[k] * v[k];
      for (let a = 0; a < r; a++) {
        const qa = a * d,
          qb = qa + d;
        let next = 0;
        if (a + 1 < r)
          for (let k = 0; k < end; k++) {
            const t = v[k] - p * basis[qa + k];
            v[k] = t;
            next += basis[qb + k] * t;
          }
        else for (let k = 0; k < end; k++) v[k] -= p * basis[qa + k];
        p = next;
      }
    }
    let norm = 0;
    for (let k = 0; k < end; k++) norm += v[k] * v[k];
    norm = Math.sqrt(norm);
    if (norm > 1e-12 * Math.max(norm0, 1e-300)) {
      for (let k = 0; k < end; k++) basis[r * d + k] = v[k] / norm;
      r++;
    }
  }
  const Q = mat(r, d);
  Q.data.set(basis.subarray(0, r * d));
  // X̃[i,a] = Σ_k X[i,k] Q[a,k] in k order (dense.ts); the columns from `end` on add +0·+0 = +0, which leaves a sum begun at +0 (never −0) unchanged
  const Xt = mat(n, r);
  preActivations(basis, A, undefined, 0, n, r, d, Xt.data);
  return { Q, Xt };
}

/**
 * Wrap a model built on r = rank(X) inputs so it reads the d-dimensional data through X̃ = XQᵀ.
 * Layer "W" is reported through its Gram matrix W Wᵀ = W_s W_sᵀ + W_⊥W_⊥ᵀ, the frozen part drawn
 * at init as ω²·(Gaussian m×(d−r))(…)ᵀ. The frozen part belongs to the latest init() call.
 */
export function inGramCoordinates(makeInner: (r: number) => Model, X: Mat, width: number, wScale: number): Model {
  const { Xt } = gramCoordinates(X);
  const d = X.cols,
    r = Xt.cols,
    m = width;
  const inner = makeInner(r);
  let perp = mat(m, m);
  const view = (Y: Mat): Mat => {
    if (Y === X) return Xt;
    throw new Error('a Gram-coordinate model evaluates only its own training data');
  };
  return {
    ...inner,
    name: `${inner.name} (Gram coordinates, d = ${d})`,
    twoLayer: inner.twoLayer && { ...inner.twoLayer, inputs: (Y) => (Y === X ? Xt : undefined) },
    init(rng: Rng) {
      const theta = inner.init(rng);
      const g = rng.fork('W-perp');
      const k = d - r;
      const P = mat(m, m);
      const G = new Float64Array(m * k); // row i at i·k, drawn row by row
      for (let i = 0; i < m; i++) g.fillNormal(G.subarray(i * k, (i + 1) * k), wScale);
      // P[i,j] = Σ_t G[i,t] G[j,t] in t order (dense.ts; the product G[j,t]·G[i,t] is the same number)
      preActivations(G, G, undefined, 0, m, m, k, P.data);
      perp = P;
      return theta;
    },
    forward: (theta, Y, out) => inner.forward(theta, view(Y), out),
    backward: (theta, Y, c, grad, afterForward) => inner.backward(theta, view(Y), c, grad, afterForward),
    // the twin reads the same X̃ (taken as exact); its layers are the inner twin's (W is the r-column W_s):
    // the full first layer, which exists only through layerGram, has no double-double form here
    dd:
      inner.dd &&
      (() => {
        const twin = inner.dd!();
        return {
          ...twin,
          forward: (theta, Y, out) => twin.forward(theta, view(Y), out),
          backward: (theta, Y, c, grad) => twin.backward(theta, view(Y), c, grad),
        };
      }),
    layerGram(theta, name) {
      if (name !== 'W') return undefined;
      const Ws = inner.layers(theta).W;
      const G = mat(m, m);
      for (let i = 0; i < m; i++)
        for (let j = 0; j <= i; j++) {
          let s = perp.data[i * m + j];
          for (let a = 0; a < r; a++) s += Ws.data[i * r + a] * Ws.data[j * r + a];
          G.data[i * m + j] = G.data[j * m + i] = s;
        }
      return G;
    },
  };
}
