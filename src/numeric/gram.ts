// Large d for free (Frei et al. note §4.3): W(t) − W(0) stays in span{x_i} and only ⟨w_j, x_i⟩ enter
// the dynamics, so simulate in the r ≤ n coordinates of an orthonormal basis Q of the data's row
// span, and carry the frozen orthogonal part of the initialization only through
// W_⊥W_⊥ᵀ ~ Wishart_m(d − r, ω²I). A step costs O(m·n·r) whatever d is.
import { mat, type Mat } from './linalg.js';
import type { Model } from './models.js';
import type { Rng } from './rng.js';

/** Orthonormal basis Q (r×d, rows) of the row span of X (modified Gram–Schmidt, twice), and X̃ = X Qᵀ (n×r). */
export function gramCoordinates(X: Mat): { Q: Mat; Xt: Mat } {
  const n = X.rows,
    d = X.cols;
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(X.data.subarray(i * d, (i + 1) * d));
    const norm0 = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let pass = 0; pass < 2; pass++) {
      for (const q of rows) {
        let p = 0;
        for (let k = 0; k < d; k++) p += q[k] * v[k];
        for (let k = 0; k < d; k++) v[k] -= p * q[k];
      }
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (norm > 1e-12 * Math.max(norm0, 1e-300)) rows.push(v.map((x) => x / norm));
  }
  const r = rows.length;
  const Q = mat(r, d);
  rows.forEach((q, i) => Q.data.set(q, i * d));
  const Xt = mat(n, r);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < r; a++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k] * Q.data[a * d + k];
      Xt.data[i * r + a] = s;
    }
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
      const row = new Float64Array(k);
      const G = Array.from({ length: m }, () => Float64Array.from(g.fillNormal(row, wScale)));
      for (let i = 0; i < m; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += G[i][t] * G[j][t];
          P.data[i * m + j] = P.data[j * m + i] = s;
        }
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
