// Margins of classifiers (Frei et al.): the normalized margin, global optimality against restarts,
// KKT points of the max-margin problem, and the linear boundary z = Wᵀa of a two-layer net.
import { z } from 'zod';
import { frobeniusNorm } from '../../numeric/linalg.js';
import { boundaryTestPoints, kktResidual as kktResidualOf, linearBoundaryNormal, minMargin as minMarginOf, signDisagreement } from '../../numeric/maxmargin.js';
import { layerOf } from '../../numeric/models.js';
import type { MetricProduct, SimState } from '../types.js';
import { at, defineMetric, needData, thetaAt, twoLayerParts } from './common.js';
import { marginOverSvm } from './linear.js';

export const minMargin = defineMetric({
  name: 'min-margin',
  summary: 'min_i y_i f(x_i); with normalize, divided by ‖W‖_F of the two-layer net’s trained first layer (the normalized margin of a 1-homogeneous net)',
  params: z.strictObject({ normalize: z.boolean().default(false), at }),
  expressions: {},
  needs: (p) => ({ layers: p.normalize ? ['W'] : [] }),
  create: (p) => (s) => {
    const d = needData(s);
    const theta = thetaAt(s, p.at);
    const q = minMarginOf(s.model, theta, d.X, d.y);
    return p.normalize ? q / frobeniusNorm(layerOf(s.model, theta, 'W')) : q;
  },
});

export const restartNormRatio = defineMetric({
  name: 'restart-norm-ratio',
  summary:
    'global optimality of the limit (Frei et al. T1.2): re-runs the dynamics from `restarts` other initializations (trained entries scaled by each of `scales` in turn) and returns min over interpolating restarts of ‖W̄_r‖_F / ‖W̄‖_F, W̄ = W / min_i q_i (a value < 1 is a feasible point of (P) with a smaller norm); output "spread" gives max/min − 1 over all runs instead',
  params: z.strictObject({
    restarts: z.number().int().min(1).max(64).default(4),
    scales: z.array(z.number().positive()).min(1).default([1, 10, 0.1]),
    output: z.enum(['min-ratio', 'spread']).default('min-ratio'),
  }),
  expressions: {},
  needs: { layers: ['W'] },
  create: (p) => (s) => {
    const d = needData(s);
    if (!s.restart) throw new Error('restart-norm-ratio needs dynamics');
    // ‖W‖_F at margin 1, W̄ = W / min_i q_i; undefined when some q_i ≤ 0
    const normAtMarginOne = (theta: Float64Array): number | undefined => {
      const q = minMarginOf(s.model, theta, d.X, d.y);
      return q > 0 ? frobeniusNorm(layerOf(s.model, theta, 'W')) / q : undefined;
    };
    const own = normAtMarginOne(s.theta);
    if (own === undefined) return NaN;
    const norms = [own];
    for (let k = 0; k < p.restarts; k++) {
      const r = normAtMarginOne(s.restart(k, p.scales[k % p.scales.length]));
      if (r !== undefined) norms.push(r);
    }
    return p.output === 'spread'
      ? norms.reduce((m, x) => Math.max(m, x), -Infinity) / norms.reduce((m, x) => Math.min(m, x), Infinity) - 1
      : norms.slice(1).reduce((m, x) => Math.min(m, x), Infinity) / own;
  },
});

export const kktResidual = defineMetric({
  name: 'kkt-residual',
  summary:
    'KKT check of the max-margin problem (P) for the two-layer leaky-ReLU net with fixed output weights, as an LP (HiGHS) that allows φ′ ∈ [γ, 1] on the kink (|cos| ≤ eps): output "residual" (relative ℓ₁ stationarity residual of W̄ = W/min q), "slackness" (max λ_i(q̄_i − 1)/max λ) or "kink-fraction"',
  params: z.strictObject({ output: z.enum(['residual', 'slackness', 'kink-fraction']).default('residual'), eps: z.number().positive().default(1e-3), at }),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: (p) => (s) => {
    const d = needData(s);
    const { a, gamma } = twoLayerParts(s);
    const W = layerOf(s.model, thetaAt(s, p.at), 'W');
    const r = kktResidualOf(W, a, d.X, d.y, gamma, p.eps);
    return p.output === 'residual' ? r.residual : p.output === 'slackness' ? r.slackness : r.kinkFraction;
  },
});

export const linearBoundaryDisagreement = defineMetric({
  name: 'linear-boundary-disagreement',
  summary:
    'fraction of test points where sign f(x) ≠ sign⟨Wᵀa, x⟩: `circle` points on the unit circle of the top-2 right-singular plane of W plus `random` N(0, I) points (points with |⟨z,x⟩| < 1e-9‖z‖‖x‖ are skipped)',
  params: z.strictObject({ circle: z.number().int().min(0).default(720), random: z.number().int().min(0).default(500) }),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: (p, ctx) => {
    const rng = ctx.rng.fork('test-points');
    return (s) => {
      const { W, a } = twoLayerParts(s);
      const z = linearBoundaryNormal(W, a);
      const X = boundaryTestPoints(W, p.circle, p.random, rng);
      const f = new Float64Array(X.rows);
      s.model.forward(s.theta, X, f);
      return signDisagreement(X, f, z);
    };
  },
});

export const marginRatio = defineMetric({
  name: 'margin-ratio',
  summary:
    'margin min_i y_i⟨z, x_i⟩/‖z‖ of z = Wᵀa (the linear boundary’s normal) divided by the hard-margin linear SVM’s margin γ̂ through the origin, computed as svm-margin’s ratio (the SVM dual by exact coordinate descent after the separability LP, refused above a relative duality gap of 1e-10, once per data set); NaN with the reason on data not separable through the origin, for z = 0, or where the ratio leaves float64’s range',
  params: z.strictObject({ at }),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: (p) => {
    let reason: string | undefined;
    const f = ((s: SimState) => {
      reason = undefined;
      const { a } = twoLayerParts(s);
      const W = layerOf(s.model, thetaAt(s, p.at), 'W');
      return marginOverSvm(s, linearBoundaryNormal(W, a), 'margin-ratio', (why) => ((reason = why), NaN));
    }) as MetricProduct;
    f.nanReason = () => reason;
    return f;
  },
});
