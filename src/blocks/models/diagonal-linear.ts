import { z } from 'zod';
import { diagonalLinear } from '../../numeric/diagonal-linear.js';
import { checkModelSize } from '../limits.js';
import { defineBlock, numExpr, staticProblems } from '../types.js';

export const diagonalLinearBlock = defineBlock({
  kind: 'model',
  name: 'diagonal-linear',
  summary:
    'a diagonal linear network x ↦ ⟨w, x⟩ (Woodworth et al. 2020): parametrization "u2-v2" (the default) w = u⊙u − v⊙v, or "uv" w = u⊙v, u, v ∈ R^d (layers "u", "v", and the effective predictor "w", each 1×d). The start is deterministic, with w(0) = 0: u2-v2 from u = v = alpha·1 (the scale α of Woodworth et al.’s Q_α); uv from u = 2·alpha·1, v = 0, the image of that start under u = a + b, v = a − b, so that uv gradient descent with step η follows the u2-v2 path of step η/2 (the flow: time t ↔ t/2) from the same α.',
  params: z.strictObject({ d: numExpr, parametrization: z.enum(['u2-v2', 'uv']).default('u2-v2'), alpha: numExpr }),
  expressions: { d: 'trial', alpha: 'trial' },
  create: (p, ctx) => {
    const d = ctx.int(p.d);
    if (!(d >= 1)) throw new Error(`diagonal-linear: d must be at least 1, got ${d}`);
    if (ctx.data && ctx.data.X.cols !== d) throw new Error(`diagonal-linear: d = ${d} but the data have rows of ${ctx.data.X.cols} numbers`);
    checkModelSize('diagonal-linear', ctx, 2 * d, 1, `2 × d ${d} parameters`);
    return diagonalLinear({ d, parametrization: p.parametrization, alpha: ctx.num(p.alpha) });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const d = c.atLeast('d', p.d, 1);
    return { problems: c.problems, entries: d && { value: 2 * d.hi, field: 'd' }, perRow: 1, columns: d && d.lo === d.hi ? d : undefined };
  },
});
