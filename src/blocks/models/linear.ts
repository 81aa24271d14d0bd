import { z } from 'zod';
import { linearModel } from '../../numeric/linear.js';
import { checkModelSize } from '../limits.js';
import { defineBlock, numExpr, staticProblems } from '../types.js';

export const linearBlock = defineBlock({
  kind: 'model',
  name: 'linear',
  summary:
    'the linear predictor x ↦ ⟨w, x⟩ (+ b with `bias: true`), w ∈ R^d (layer "w", 1×d; the bias is layer "b", 1×1): least squares under the square loss, logistic regression under the logistic loss. init "zero" (the default): θ(0) = 0, nothing drawn; "gaussian": every entry of w (and b) N(0, scale²), independent (scale defaults to 1).',
  params: z.strictObject({
    d: numExpr,
    bias: z.boolean().default(false),
    init: z.enum(['zero', 'gaussian']).default('zero'),
    scale: numExpr.default(1),
  }),
  expressions: { d: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    const d = ctx.int(p.d);
    if (!(d >= 1)) throw new Error(`linear: d must be at least 1, got ${d}`);
    if (ctx.data && ctx.data.X.cols !== d) throw new Error(`linear: d = ${d} but the data have rows of ${ctx.data.X.cols} numbers`);
    checkModelSize('linear', ctx, d + 1, 1, `d ${d} + 1 parameters`);
    return linearModel({ d, bias: p.bias, init: p.init, scale: ctx.num(p.scale) });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const d = c.atLeast('d', p.d, 1);
    return { problems: c.problems, entries: d && { value: d.hi + 1, field: 'd' }, perRow: 1, columns: d && d.lo === d.hi ? d : undefined };
  },
});
