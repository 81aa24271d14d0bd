// The KKT residual of the max-margin problem of a deep bias-free ReLU net (Timor, Vardi & Shamir,
// Problem 7 and Lemma 1): how far θ, rescaled to margin 1, is from a KKT point.
import { z } from 'zod';
import { checkSize } from '../../core/limits.js';
import { numberedLayers } from '../../numeric/models.js';
import { homogeneousKkt } from '../../numeric/relunet-kkt.js';
import { defineMetric, needData, thetaAt } from './common.js';

export const homogeneousKktResidual = defineMetric({
  name: 'homogeneous-kkt-residual',
  summary:
    'KKT check of "min ½‖θ‖² s.t. y_i N_θ(x_i) ≥ 1" for a net homogeneous of degree k = its number of layers W1 … Wk (relu-net, deep-linear): θ̂ = θ / min_i q_i^{1/k}, λ ≥ 0 fitted by NNLS to ‖θ̂ − Σ λ_i ∇q_i(θ̂)‖² + (k Σ λ_i(q̂_i − 1)/‖θ̂‖)², with the model’s one-sided gradients (exact where no ReLU of the limit sits on its kink); output "residual" (both parts, relative to ‖θ̂‖), "stationarity" or "slackness" (k Σ λ_i(q̂_i − 1)/‖θ̂‖²); 1 (what λ = 0 gives, the largest residual) when some margin is ≤ 0: no rescaling of θ is feasible. Labels must be ±1 (a trial error otherwise). `at: decade` reads θ at step ⌈steps/10⌉ (snapshots: true), or the last snapshot before it where a run stopped early',
  params: z.strictObject({ output: z.enum(['residual', 'stationarity', 'slackness']).default('residual'), at: z.enum(['final', 'decade']).default('final') }),
  expressions: {},
  needs: { layers: ['W1', 'W2'] },
  create: (p) => (s) => {
    const d = needData(s);
    const theta = thetaAt(s, p.at, { orEarlier: true });
    const layers = numberedLayers(s.model, theta, 'W', 2);
    const entries = layers.reduce((n, W) => n + W.data.length, 0);
    if (entries !== s.model.nParams)
      throw new Error(`homogeneous-kkt-residual: the layers W1 … W${layers.length} hold ${entries} of the model's ${s.model.nParams} parameters`);
    const label = d.y.find((v) => v !== 1 && v !== -1);
    if (label !== undefined) throw new Error(`homogeneous-kkt-residual: Problem 7 is for labels ±1 (margins y_i N(x_i)); the data have the label ${label}`);
    checkSize('entries', d.X.rows * s.model.nParams, `homogeneous-kkt-residual: ${d.X.rows} gradients of ${s.model.nParams} parameters`);
    const r = homogeneousKkt(s.model, theta, d.X, d.y, layers.length);
    // a margin ≤ 0: θ̂ does not exist; 1 is what λ = 0 gives a feasible θ̂, and a trial stays finite
    return Number.isFinite(r.residual) ? r[p.output] : 1;
  },
});
