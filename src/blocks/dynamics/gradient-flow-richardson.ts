import { z } from 'zod';
import type { DDVec } from '../../numeric/dd-model.js';
import { ddGradientFlowRichardson } from '../../numeric/dd-dynamics.js';
import { gradientFlowRichardson, type Observer } from '../../numeric/dynamics.js';
import { checkSteps } from '../limits.js';
import { defineBlock, numExpr, type DynamicsProblem } from '../types.js';

export const richardsonFlowBlock = defineBlock({
  kind: 'dynamics',
  name: 'gradient-flow-richardson',
  summary:
    'dθ/dt = −∇L(θ) up to time `time` by explicit Euler with steps eta and eta/2, Richardson-extrapolated (θ = 2θ_{η/2} − θ_η); "integrator-error" is ‖θ_{η/2} − θ_η‖_∞. Fixed steps suit non-smooth flows (ReLU kinks), where adaptive solvers stall.',
  params: z.strictObject({ time: numExpr, eta: numExpr }),
  expressions: { time: 'trial', eta: 'trial' },
  create: (p, ctx) => {
    const o = { time: ctx.num(p.time), eta: ctx.num(p.eta) };
    // Euler with steps eta and eta/2: 3·time/eta steps in all
    checkSteps('gradient-flow-richardson', (3 * o.time) / o.eta, `3 × time ${o.time} / eta ${o.eta}`);
    return Object.assign(
      (problem: DynamicsProblem, theta0: Float64Array, observe?: Observer) => gradientFlowRichardson(problem.objective, theta0, { ...o, observe }),
      {
        dd: (problem: DynamicsProblem, theta0: Float64Array | DDVec, observe?: Observer) => ddGradientFlowRichardson(problem.dd(), theta0, { ...o, observe }),
      },
    );
  },
  check: (p, range) => {
    const time = range(p.time),
      eta = range(p.eta);
    // Euler with steps eta and eta/2: 3·time/eta steps in all
    return { steps: time && eta && eta.lo > 0 ? { value: (3 * time.hi) / eta.lo, field: 'eta' } : undefined };
  },
  refine: (p) => ({ ...p, eta: `(${p.eta}) / 4` }),
});
