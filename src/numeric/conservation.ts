// Quantities gradient flow conserves (or should): layer balance D_j = W_{j+1}ᵀW_{j+1} − W_jW_jᵀ
// (Arora et al. 2018; its diagonal for homogeneous activations, Du et al. 2018), per-neuron
// quantities of a two-layer net, and the exact one-step form of balancedness under gradient descent.
import { frobeniusNorm, gramCols, gramRows, subtract, type Mat } from './linalg.js';

/** balanced: W_{j+1}ᵀW_{j+1} − W_jW_jᵀ; diagonal: only its diagonal; transposed: W_{j+1}W_{j+1}ᵀ − W_jᵀW_j (not conserved). */
export type BalanceForm = 'balanced' | 'diagonal' | 'transposed';

/** The entries of m on its diagonal, 0 elsewhere. */
export function diagonalPart(m: Mat): Mat {
  return { rows: m.rows, cols: m.cols, data: m.data.map((x, e) => (Math.floor(e / m.cols) === e % m.cols ? x : 0)) };
}

/** D_j for consecutive layers W_j, W_{j+1} (j = 1 … L−1) in the given form. */
export function balanceGaps(Ws: Mat[], form: BalanceForm): Mat[] {
  return Ws.slice(1).map((next, j) =>
    form === 'transposed'
      ? subtract(gramRows(next), gramCols(Ws[j]))
      : form === 'diagonal'
        ? diagonalPart(subtract(gramCols(next), gramRows(Ws[j])))
        : subtract(gramCols(next), gramRows(Ws[j])),
  );
}

/** max_j ‖D_j(after) − D_j(before)‖_F / max_j ‖W_j(after)‖_F² (the scale at least 1e-300). */
export function balanceDrift(before: Mat[], after: Mat[], form: BalanceForm): number {
  const a = balanceGaps(before, form),
    b = balanceGaps(after, form);
  const drift = Math.max(...a.map((g, j) => frobeniusNorm(subtract(b[j], g))));
  const scale = Math.max(...after.map((w) => frobeniusNorm(w) ** 2), 1e-300);
  return drift / scale;
}

/** Per-neuron quantities of a two-layer net (Model.neurons): wnorm = ‖w_j‖, v = v_j, b = b_j. */
export type Neuron = Record<string, number>;

/** max_j |Q(after_j) − Q(before_j)|; normalized: divided by max_j (‖w_j‖² + b_j² + v_j²) at `before` (1 if that is 0). */
export function neuronQuantityDrift(before: Neuron[], after: Neuron[], Q: (n: Neuron) => number, normalize: boolean): number {
  let drift = 0,
    scale = 0;
  for (let j = 0; j < before.length; j++) {
    drift = Math.max(drift, Math.abs(Q(after[j]) - Q(before[j])));
    scale = Math.max(scale, before[j].wnorm ** 2 + (before[j].b ?? 0) ** 2 + before[j].v ** 2);
  }
  return normalize ? drift / (scale || 1) : drift;
}

/**
 * One gradient-descent step θ → θ − ηg of a bias-free two-layer net (θ = [W (m×d), v (m)]) changes
 * Δ_j = ‖w_j‖² − v_j² by exactly η²(‖g_wj‖² − g_vj²): max_j of the discrepancy over max_j(‖w_j‖² + v_j²).
 */
export function gdBalancednessStepError(g: Float64Array, eta: number, m: number, d: number, before: Neuron[], after: Neuron[]): number {
  let err = 0,
    scale = 0;
  for (let j = 0; j < m; j++) {
    let gw = 0;
    for (let k = 0; k < d; k++) gw += g[j * d + k] ** 2;
    const gv = g[m * d + j];
    const lhs = after[j].wnorm ** 2 - after[j].v ** 2 - (before[j].wnorm ** 2 - before[j].v ** 2);
    err = Math.max(err, Math.abs(lhs - eta * eta * (gw - gv * gv)));
    scale = Math.max(scale, before[j].wnorm ** 2 + before[j].v ** 2);
  }
  return err / (scale || 1);
}
