// Test helpers that load nothing heavy: fast-check settings and gradient checks. A test file that needs
// only these imports them from here; helpers.ts re-exports them, but importing helpers.ts loads
// src/claims/load.ts (for its claim fixtures), a few seconds per test file.
import { expect } from 'vitest';
import type { Objective } from '../src/numeric/objective.js';

/** fast-check settings: a fixed seed in CI (override with FC_SEED); fast-check prints seed and path on failure. */
export const FC_SEED = Number(process.env.FC_SEED ?? 20261123);
export const fcRuns = (numRuns: number) => ({ seed: FC_SEED, numRuns });

/** L(θ) = ½ Σ_i a_i θ_i²: gradient flow has the closed form θ_i(t) = θ_i(0) e^{−a_i t}. */
export const quadratic = (A: number[]): Objective => ({
  nParams: A.length,
  value: (t) => 0.5 * A.reduce((s, a, i) => s + a * t[i] * t[i], 0),
  valueAndGrad(t, g) {
    A.forEach((a, i) => (g[i] = a * t[i]));
    return this.value(t);
  },
});

/** Central finite differences of L at θ, coordinate by coordinate. */
export function fdGradient(obj: Objective, theta: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(theta.length);
  const t = Float64Array.from(theta);
  for (let i = 0; i < theta.length; i++) {
    t[i] = theta[i] + h;
    const a = obj.value(t);
    t[i] = theta[i] - h;
    const b = obj.value(t);
    t[i] = theta[i];
    g[i] = (a - b) / (2 * h);
  }
  return g;
}

/** The objective's hand-derived gradient at θ agrees with central differences, coordinate by coordinate, to tol·(1 + |fd|). */
export function expectGradientMatchesFD(obj: Objective, theta: Float64Array, tol: number): void {
  const g = new Float64Array(theta.length);
  obj.valueAndGrad(theta, g);
  const fd = fdGradient(obj, theta);
  for (let i = 0; i < theta.length; i++) expect(Math.abs(fd[i] - g[i]), `coordinate ${i}`).toBeLessThan(tol * (1 + Math.abs(fd[i])));
}
