import { z } from 'zod';
import { LOSSES } from '../numeric/losses.js';
import { defineBlock } from './types.js';

const lossBlock = (name: keyof typeof LOSSES, summary: string) =>
  defineBlock({
    kind: 'loss',
    name,
    summary,
    params: z.strictObject({ reduction: z.enum(['sum', 'mean']).default('sum') }),
    expressions: {},
    create: (p) => ({ loss: LOSSES[name], reduction: p.reduction }),
  });

export const lossBlocks = [
  lossBlock('square', 'ℓ(p, y) = ½(p − y)²'),
  lossBlock('logistic', 'ℓ(p, y) = log(1 + e^{−yp}), computed stably for large margins'),
  lossBlock('exponential', 'ℓ(p, y) = e^{−yp}'),
];
