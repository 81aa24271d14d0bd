import { z } from 'zod';
import type { DDVec } from '../../numeric/dd-model.js';
import { ddGradientDescent } from '../../numeric/dd-dynamics.js';
import { gradientDescent, type Observer } from '../../numeric/dynamics.js';
import { gradientDescentKernelLane } from '../../numeric/batched.js';
import { twoLayerGradientDescent } from '../../numeric/two-layer-kernel.js';
import { checkSteps } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type DynamicsProblem } from '../types.js';

export const gradientDescentBlock = defineBlock({
  kind: 'dynamics',
  name: 'gradient-descent',
  summary: 'θ ← θ − eta·∇L(θ) for `steps` steps, stopping early once L < stop_loss.',
  params: z.strictObject({ steps: numExpr, eta: numExpr, stop_loss: numExpr.optional(), snapshots: z.boolean().default(false) }),
  expressions: { steps: 'trial', eta: 'trial', stop_loss: 'trial' },
  create: (p, ctx) => {
    const steps = ctx.int(p.steps);
    checkSteps('gradient-descent', steps);
    const o = { steps, eta: ctx.num(p.eta), stopLoss: p.stop_loss === undefined ? undefined : ctx.num(p.stop_loss), snapshots: p.snapshots };
    return Object.assign(
      // a two-layer net runs on its generated kernel (the same numbers as on the problem's objective)
      ({ objective, model, loss, data }: DynamicsProblem, theta0: Float64Array, observe?: Observer) =>
        twoLayerGradientDescent(model, loss.loss, data.X, data.y, loss.reduction, theta0, { ...o, observe }) ??
        gradientDescent(objective, theta0, { ...o, observe }),
      {
        dd: (problem: DynamicsProblem, theta0: Float64Array | DDVec, observe?: Observer) => ddGradientDescent(problem.dd(), theta0, { ...o, observe }),
        // the problem's objective is the loss with its reduction over all of its data (dynamicsProblem)
        batched: ({ model, loss, data }: DynamicsProblem, theta0: Float64Array, observe?: Observer) =>
          gradientDescentKernelLane({ model, loss: loss.loss, reduction: loss.reduction, X: data.X, y: data.y, theta0, ...o, observe }),
      },
    );
  },
  batchedModels: ['relu-net'],
  // GD with a given step is the object of study; its re-check re-runs it exactly (the final inequality is re-checked in BigNumber).
  check: (p, range) => {
    const c = staticProblems(range);
    const steps = c.atLeast('steps', p.steps, 0);
    return { problems: c.problems, steps: steps && { value: steps.hi, field: 'steps' } };
  },
  refine: (p) => p,
});
