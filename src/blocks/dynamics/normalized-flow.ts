import { z } from 'zod';
import type { DDVec } from '../../numeric/dd-model.js';
import { ddNormalizedFlow } from '../../numeric/dd-dynamics.js';
import { normalizedFlow, type Observer } from '../../numeric/dynamics.js';
import { reluNetNormalizedFlow } from '../../numeric/relunet-flow.js';
import { twoLayerNormalizedFlow } from '../../numeric/two-layer-kernel.js';
import { checkSteps } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type DynamicsProblem, type LossProduct } from '../types.js';

export const normalizedFlowBlock = defineBlock({
  kind: 'dynamics',
  name: 'normalized-flow',
  summary:
    'θ ← θ + eta·Σ_i π_i ∇q_i, π = softmax(−q), q_i = y_i f(x_i): exponential-loss gradient flow up to a time change (same limit direction), for `steps` steps. Labels must be ±1. With unit_step: true the step has length eta (θ ← θ − eta·∇L/‖∇L‖, the gradient-norm-normalized descent for deep nets, whose gradients grow like ‖θ‖^{k−1}).',
  params: z.strictObject({ steps: numExpr, eta: numExpr, unit_step: z.boolean().default(false), snapshots: z.boolean().default(false) }),
  expressions: { steps: 'trial', eta: 'trial' },
  create: (p, ctx) => {
    const steps = ctx.int(p.steps);
    checkSteps('normalized-flow', steps);
    const o = { steps, eta: ctx.num(p.eta), unitStep: p.unit_step, snapshots: p.snapshots };
    // The flow of the exponential loss, computed from the margins y_i f(x_i) (stable softmax), not through `objective`.
    const exponential = (loss: LossProduct) => {
      if (loss.loss.name !== 'exponential') throw new Error(`normalized-flow is the flow of the exponential loss; the claim's loss is "${loss.loss.name}"`);
    };
    return Object.assign(
      ({ model, data, loss }: DynamicsProblem, theta0: Float64Array, observe?: Observer) => {
        exponential(loss);
        // a two-layer net or a leaky-ReLU relu-net runs on its generated kernel (the same numbers)
        return (
          twoLayerNormalizedFlow(model, data.X, data.y, theta0, { ...o, observe }) ??
          reluNetNormalizedFlow(model, data.X, data.y, theta0, { ...o, observe }) ??
          normalizedFlow(model, data.X, data.y, theta0, { ...o, observe })
        );
      },
      {
        dd: (problem: DynamicsProblem, theta0: Float64Array | DDVec, observe?: Observer) => {
          exponential(problem.loss);
          return ddNormalizedFlow(problem.dd().model, problem.data.X, problem.data.y, theta0, { ...o, observe, mean: problem.loss.reduction === 'mean' });
        },
      },
    );
  },
  // A smaller step over proportionally more steps follows the same path more closely.
  check: (p, range, stages) => {
    const c = staticProblems(range);
    if (stages.loss !== undefined && stages.loss !== 'exponential')
      c.problems.push({
        field: ['block'],
        message: `it is the flow of the exponential loss, but the claim's loss is "${stages.loss}" (use loss: { block: exponential })`,
      });
    const steps = c.atLeast('steps', p.steps, 0);
    return { problems: c.problems, steps: steps && { value: steps.hi, field: 'steps' } };
  },
  refine: (p) => ({ ...p, steps: `2 * (${p.steps})`, eta: `(${p.eta}) / 2` }),
});
