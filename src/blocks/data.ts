import { z } from 'zod';
import { isotropicGaussian } from '../numeric/data.js';
import { defineBlock, numExpr } from './types.js';

export const gaussianData = defineBlock({
  kind: 'data',
  name: 'isotropic-gaussian',
  summary: 'n points x_i ~ N(0, scale² I_d); labels random ±1 ("sign"), a random linear teacher ("teacher"), or N(0,1) targets ("gaussian").',
  params: z.strictObject({
    n: numExpr,
    d: numExpr,
    scale: numExpr.default(1),
    labels: z.enum(['sign', 'teacher', 'gaussian']).default('sign'),
  }),
  expressions: { n: 'trial', d: 'trial', scale: 'trial' },
  create: (p, ctx) => isotropicGaussian(ctx.rng, ctx.int(p.n), ctx.int(p.d), ctx.num(p.scale), p.labels),
});

export const dataBlocks = [gaussianData];
