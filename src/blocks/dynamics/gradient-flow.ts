import { z } from 'zod';
import type { DDVec } from '../../numeric/dd-model.js';
import { ddGradientFlow } from '../../numeric/dd-dynamics.js';
import { gradientFlow, type Observer } from '../../numeric/dynamics.js';
import { twoLayerFlowKernelLane, twoLayerGradientFlow } from '../../numeric/two-layer-flow.js';
import { checkSteps } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type DynamicsProblem } from '../types.js';

export const gradientFlowBlock = defineBlock({
  kind: 'dynamics',
  name: 'gradient-flow',
  summary:
    'dθ/dt = −∇L(θ) up to time `time`, by adaptive Dormand–Prince 5(4) with tolerances rtol/atol; the sum of local error estimates is the metric "integrator-error".',
  params: z.strictObject({
    time: numExpr,
    rtol: numExpr.default(1e-9),
    atol: numExpr.default(1e-12),
    max_steps: numExpr.default(200000),
    stop_loss: numExpr.optional(),
  }),
  expressions: { time: 'trial', rtol: 'trial', atol: 'trial', max_steps: 'trial', stop_loss: 'trial' },
  create: (p, ctx) => {
    const o = {
      time: ctx.num(p.time),
      rtol: ctx.num(p.rtol),
      atol: ctx.num(p.atol),
      maxSteps: ctx.int(p.max_steps),
      stopLoss: p.stop_loss === undefined ? undefined : ctx.num(p.stop_loss),
    };
    checkSteps('gradient-flow', o.maxSteps, `max_steps ${o.maxSteps}`);
    return Object.assign(
      // a leaky-ReLU two-layer net under the square loss runs on its generated kernel (the same numbers as on the problem's objective)
      ({ objective, model, loss, data }: DynamicsProblem, theta0: Float64Array, observe?: Observer, record?: { acceptedSteps?: number[] }) =>
        twoLayerGradientFlow(model, loss.loss, data.X, data.y, loss.reduction, theta0, { ...o, observe, acceptedSteps: record?.acceptedSteps }) ??
        gradientFlow(objective, theta0, { ...o, observe, acceptedSteps: record?.acceptedSteps }),
      {
        dd: (problem: DynamicsProblem, theta0: Float64Array | DDVec, observe?: Observer, steps?: ArrayLike<number>, record?: { acceptedSteps?: number[] }) =>
          ddGradientFlow(problem.dd(), theta0, { ...o, observe, steps, acceptedSteps: record?.acceptedSteps }),
        // lanes of one shape run two at a time in lock-step (two-layer-flow.ts), each as the function above runs it
        batched: ({ model, loss, data }: DynamicsProblem, theta0: Float64Array, observe?: Observer) =>
          twoLayerFlowKernelLane({ model, loss: loss.loss, reduction: loss.reduction, X: data.X, y: data.y, theta0, options: { ...o, observe } }),
      },
    );
  },
  batchedModels: ['two-layer'],
  check: (p, range) => {
    const c = staticProblems(range);
    const steps = c.atLeast('max_steps', p.max_steps, 1);
    return { problems: c.problems, steps: steps && { value: steps.hi, field: 'max_steps' } };
  },
  refine: (p) => ({ ...p, rtol: `(${p.rtol}) / 100`, atol: `(${p.atol}) / 100`, max_steps: `(${p.max_steps}) * 10` }),
});
