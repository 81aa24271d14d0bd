import { z } from 'zod';
import { evaluate, parseExpr } from '../claims/expr.js';
import { frobeniusNorm, nuclearNorm, singularValueRatio, spectralNorm, stableRank, type Mat } from '../numeric/linalg.js';
import { defineBlock, numExpr, type SimState } from './types.js';

const at = z.enum(['final', 'initial']).default('final');

function layerOf(s: SimState, layer: string, when: 'final' | 'initial'): Mat {
  const layers = s.model.layers(when === 'final' ? s.theta : s.theta0);
  const m = layers[layer];
  if (!m) throw new Error(`model "${s.model.name}" has no layer "${layer}"; layers: ${Object.keys(layers).join(', ')}`);
  return m;
}

const matrixMetric = (name: string, summary: string, f: (m: Mat) => number) =>
  defineBlock({
    kind: 'metric',
    name,
    summary,
    params: z.strictObject({ layer: z.string(), at }),
    expressions: {},
    create: (p) => (s: SimState) => f(layerOf(s, p.layer, p.at)),
  });

const NEURON_SYMBOLS = ['wnorm', 'v'] as const;

export const metricBlocks = [
  matrixMetric('stable-rank', 'stable rank ‖W‖_F² / ‖W‖₂² of a layer', stableRank),
  matrixMetric('spectral-norm', 'largest singular value of a layer', spectralNorm),
  matrixMetric('frobenius-norm', 'Frobenius norm of a layer', frobeniusNorm),
  matrixMetric('nuclear-norm', 'sum of singular values of a layer', nuclearNorm),
  defineBlock({
    kind: 'metric',
    name: 'singular-value-ratio',
    summary: 'σ_k / σ_1 of a layer (k ≥ 2)',
    params: z.strictObject({ layer: z.string(), k: numExpr, at }),
    expressions: { k: 'trial' },
    create: (p, ctx) => {
      const k = ctx.int(p.k);
      return (s) => singularValueRatio(layerOf(s, p.layer, p.at), k);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'loss',
    summary: 'the training objective L(θ) at the final or initial parameters',
    params: z.strictObject({ at }),
    expressions: {},
    create: (p) => (s) => {
      if (!s.objective) throw new Error('metric "loss" needs data, a loss and a model');
      return s.objective.value(p.at === 'final' ? s.theta : s.theta0);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'neuron-quantity-drift',
    summary:
      'max_j |Q_j(final) − Q_j(initial)| for a per-neuron quantity Q over wnorm = ‖w_j‖ and v = v_j; with normalize, divided by max_j (‖w_j(0)‖² + v_j(0)²).',
    params: z.strictObject({ quantity: z.string(), normalize: z.boolean().default(true) }),
    expressions: { quantity: NEURON_SYMBOLS },
    create: (p) => {
      const q = parseExpr(p.quantity);
      return (s) => {
        if (!s.model.neurons) throw new Error(`model "${s.model.name}" has no per-neuron quantities`);
        const a = s.model.neurons(s.theta0), b = s.model.neurons(s.theta);
        let drift = 0, scale = 0;
        for (let j = 0; j < a.length; j++) {
          drift = Math.max(drift, Math.abs(evaluate(q, b[j]) - evaluate(q, a[j])));
          scale = Math.max(scale, a[j].wnorm ** 2 + a[j].v ** 2);
        }
        return p.normalize ? drift / (scale || 1) : drift;
      };
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'integrator-error',
    summary: 'the gradient-flow integrator’s accumulated local error estimate (max-norm; 0 for gradient descent)',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => s.sim?.errorEstimate ?? 0,
  }),
  defineBlock({
    kind: 'metric',
    name: 'steps',
    summary: 'number of steps the dynamics took',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => s.sim?.steps ?? 0,
  }),
  defineBlock({
    kind: 'metric',
    name: 'train-accuracy',
    summary: 'fraction of training points with sign f(x_i) = sign y_i',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => {
      if (!s.data) throw new Error('metric "train-accuracy" needs data');
      const pred = new Float64Array(s.data.X.rows);
      s.model.forward(s.theta, s.data.X, pred);
      let ok = 0;
      for (let i = 0; i < pred.length; i++) if (Math.sign(pred[i]) === Math.sign(s.data.y[i])) ok++;
      return ok / pred.length;
    },
  }),
];
