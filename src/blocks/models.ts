import { z } from 'zod';
import { leakyRelu, linearActivation, twoLayerNet } from '../numeric/models.js';
import { defineBlock, numExpr } from './types.js';

export const twoLayerBlock = defineBlock({
  kind: 'model',
  name: 'two-layer',
  summary:
    'x ↦ Σ_j v_j φ(⟨w_j, x⟩), W ∈ R^{m×d} (layer "W"), v ∈ R^m (layer "v"); φ leaky ReLU with slope gamma (0 = ReLU) or linear; φ′(0) = dphi_at_zero.',
  params: z.strictObject({
    d: numExpr,
    width: numExpr,
    activation: z.enum(['leaky-relu', 'linear']).default('leaky-relu'),
    gamma: numExpr.default(0),
    dphi_at_zero: numExpr.default(1),
    train_output: z.boolean().default(true),
    w_scale: numExpr,
    v_scale: numExpr.default(1),
    v_init: z.enum(['gaussian', 'sign', 'balanced']).default('gaussian'),
  }),
  expressions: { d: 'trial', width: 'trial', gamma: 'trial', dphi_at_zero: 'trial', w_scale: 'trial', v_scale: 'trial' },
  create: (p, ctx) => {
    const gamma = ctx.num(p.gamma);
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`two-layer: gamma must lie in [0, 1], got ${gamma}`);
    return twoLayerNet({
      d: ctx.int(p.d),
      width: ctx.int(p.width),
      activation: p.activation === 'linear' ? linearActivation : leakyRelu(gamma, ctx.num(p.dphi_at_zero)),
      trainOutput: p.train_output,
      wScale: ctx.num(p.w_scale),
      vScale: ctx.num(p.v_scale),
      vInit: p.v_init,
    });
  },
});

export const modelBlocks = [twoLayerBlock];
