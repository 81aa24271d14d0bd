// Conservation laws of gradient flow and their discrete counterparts: layer balance, per-neuron
// quantities, and the exact one-step change of balancedness under gradient descent.
import { z } from 'zod';
import { compileExpr } from '../../core/expr.js';
import { balanceDrift, gdBalancednessStepError, neuronQuantityDrift } from '../../numeric/conservation.js';
import { layerOf, numberedLayers } from '../../numeric/models.js';
import { numExpr } from '../types.js';
import { at, defineMetric, thetaAt } from './common.js';

const NEURON_SYMBOLS = ['wnorm', 'v', 'b'] as const;

export const layerBalanceDrift = defineMetric({
  name: 'layer-balance-drift',
  summary:
    'for a model with layers W1, W2, … (deep-linear, relu-net): max_j ‖D_j(T) − D_j(0)‖_F / max_j ‖W_j(T)‖_F², D_j = W_{j+1}ᵀW_{j+1} − W_jW_jᵀ (form "balanced": conserved by gradient flow for linear nets, Arora et al. 2018), only its diagonal (form "diagonal": ‖column i of W_{j+1}‖² − ‖row i of W_j‖² per hidden neuron, conserved for homogeneous activations such as ReLU, Du et al. 2018), or W_{j+1}W_{j+1}ᵀ − W_jᵀW_j (form "transposed": not conserved, for a refutation target)',
  params: z.strictObject({ form: z.enum(['balanced', 'diagonal', 'transposed']).default('balanced') }),
  expressions: {},
  needs: { layers: ['W1', 'W2'] },
  create: (p) => (s) => balanceDrift(numberedLayers(s.model, s.theta0, 'W', 2), numberedLayers(s.model, s.theta, 'W', 2), p.form),
});

export const gdBalancednessStepErrorMetric = defineMetric({
  name: 'gd-balancedness-step-error',
  summary:
    'max_j |(Δ_j(θ − η∇L) − Δ_j(θ)) − η²(‖g_wj‖² − g_vj²)| / max_j(‖w_j‖² + v_j²) at θ = the final (or initial) parameters, Δ_j = ‖w_j‖² − v_j²: the exact gradient-descent form of balancedness (Vardi & Shamir note, C8)',
  params: z.strictObject({ eta: numExpr, at }),
  expressions: { eta: 'trial' },
  needs: { layers: ['W'], neurons: true },
  create: (p, ctx) => {
    const eta = ctx.num(p.eta);
    return (s) => {
      if (!s.objective || !s.model.neurons) throw new Error('gd-balancedness-step-error needs a loss and a two-layer model');
      if (s.model.layers(s.theta).b) throw new Error('gd-balancedness-step-error is written for nets without a hidden bias');
      const theta = thetaAt(s, p.at);
      const g = new Float64Array(theta.length);
      s.objective.valueAndGrad(theta, g);
      const next = theta.map((t, i) => t - eta * g[i]);
      const before = s.model.neurons(theta),
        after = s.model.neurons(next);
      const W = layerOf(s.model, theta, 'W');
      return gdBalancednessStepError(g, eta, W.rows, W.cols, before, after);
    };
  },
});

export const neuronQuantityDriftMetric = defineMetric({
  name: 'neuron-quantity-drift',
  summary:
    'max_j |Q_j(final) − Q_j(initial)| for a per-neuron quantity Q over wnorm = ‖w_j‖, v = v_j and b = b_j (0 without a hidden bias); with normalize, divided by max_j (‖w_j(0)‖² + b_j(0)² + v_j(0)²).',
  params: z.strictObject({ quantity: z.string(), normalize: z.boolean().default(true) }),
  expressions: { quantity: NEURON_SYMBOLS },
  needs: { neurons: true },
  create: (p) => {
    const q = compileExpr(p.quantity);
    return (s) => {
      if (!s.model.neurons) throw new Error(`model "${s.model.name}" has no per-neuron quantities`);
      return neuronQuantityDrift(s.model.neurons(s.theta0), s.model.neurons(s.theta), (n) => q.value(n), p.normalize);
    };
  },
});
