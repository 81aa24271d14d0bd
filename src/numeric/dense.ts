// Dense float64 kernels of the two-layer step: Z = X Wᵀ (+ b) and W̄ = Gᵀ X, register-blocked so
// that each loaded W and X entry serves several sums. Every sum keeps the plain loops' order of
// terms (over k for Z, over i for W̄), so the results are bit-identical to the plain loops
// (test/dense.test.ts). Matrices are row-major Float64Arrays; W may start at an offset.

const TILE = 512;

/**
 * Z[i·m + j] = b_j + Σ_k W[j,k] X[i,k], summed in k order (b_j = 0 without a bias). The k range is
 * cut into tiles that stay in cache; each sum is carried across tiles in Z, so the order holds.
 * `symmetric` (W = X, m = n, no bias): only the blocks on and above the diagonal are computed.
 */
export function preActivations(
  W: Float64Array, X: Float64Array, b: Float64Array | undefined, bOff: number,
  n: number, m: number, d: number, Z: Float64Array, symmetric = false,
): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) Z[i * m + j] = b ? b[bOff + j] : 0;
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = Math.min(d, k0 + TILE);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const x0 = i * d, x1 = x0 + d, z0 = i * m, z1 = z0 + m;
      let j = symmetric ? i : 0;
      for (; j + 1 < m; j += 2) {
        const w0 = j * d, w1 = w0 + d;
        let s00 = Z[z0 + j], s01 = Z[z0 + j + 1], s10 = Z[z1 + j], s11 = Z[z1 + j + 1];
        for (let k = k0; k < k1; k++) {
          const a0 = X[x0 + k], a1 = X[x1 + k], u0 = W[w0 + k], u1 = W[w1 + k];
          s00 += u0 * a0; s01 += u1 * a0;
          s10 += u0 * a1; s11 += u1 * a1;
        }
        Z[z0 + j] = s00; Z[z0 + j + 1] = s01;
        Z[z1 + j] = s10; Z[z1 + j + 1] = s11;
      }
      for (; j < m; j++) {
        const w0 = j * d;
        let s0 = Z[z0 + j], s1 = Z[z1 + j];
        for (let k = k0; k < k1; k++) {
          const u = W[w0 + k];
          s0 += u * X[x0 + k]; s1 += u * X[x1 + k];
        }
        Z[z0 + j] = s0; Z[z1 + j] = s1;
      }
    }
    for (; i < n; i++) {
      const x0 = i * d;
      for (let j = symmetric ? i : 0; j < m; j++) {
        const w0 = j * d;
        let s = Z[i * m + j];
        for (let k = k0; k < k1; k++) s += W[w0 + k] * X[x0 + k];
        Z[i * m + j] = s;
      }
    }
  }
  if (symmetric) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) Z[i * m + j] = Z[j * m + i];
}

/** grad[j,k] (from 0) = Σ_i G[i·m + j] X[i,k], summed in i order; writes grad[0 .. m·d). Tiled over k like preActivations. */
export function outerGradient(G: Float64Array, X: Float64Array, n: number, m: number, d: number, grad: Float64Array): void {
  grad.fill(0, 0, m * d);
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = Math.min(d, k0 + TILE);
    let i = 0;
    // four data rows at a time; (((g + t0) + t1) + t2) + t3 is the plain loop's order
    for (; i + 3 < n; i += 4) {
      const x0 = i * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
      let j = 0;
      for (; j + 1 < m; j += 2) {
        const p0 = G[i * m + j], p1 = G[(i + 1) * m + j], p2 = G[(i + 2) * m + j], p3 = G[(i + 3) * m + j];
        const q0 = G[i * m + j + 1], q1 = G[(i + 1) * m + j + 1], q2 = G[(i + 2) * m + j + 1], q3 = G[(i + 3) * m + j + 1];
        const r0 = j * d, r1 = r0 + d;
        for (let k = k0; k < k1; k++) {
          const a0 = X[x0 + k], a1 = X[x1 + k], a2 = X[x2 + k], a3 = X[x3 + k];
          grad[r0 + k] = grad[r0 + k] + p0 * a0 + p1 * a1 + p2 * a2 + p3 * a3;
          grad[r1 + k] = grad[r1 + k] + q0 * a0 + q1 * a1 + q2 * a2 + q3 * a3;
        }
      }
      for (; j < m; j++) {
        const p0 = G[i * m + j], p1 = G[(i + 1) * m + j], p2 = G[(i + 2) * m + j], p3 = G[(i + 3) * m + j];
        const r0 = j * d;
        for (let k = k0; k < k1; k++) grad[r0 + k] = grad[r0 + k] + p0 * X[x0 + k] + p1 * X[x1 + k] + p2 * X[x2 + k] + p3 * X[x3 + k];
      }
    }
    for (; i < n; i++) {
      const x0 = i * d;
      for (let j = 0; j < m; j++) {
        const p = G[i * m + j];
        if (p === 0) continue;
        const r0 = j * d;
        for (let k = k0; k < k1; k++) grad[r0 + k] += p * X[x0 + k];
      }
    }
  }
}
