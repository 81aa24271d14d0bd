import { z } from 'zod';
import { gradientDescent, gradientFlow, gradientFlowRichardson, normalizedFlow } from '../numeric/dynamics.js';
import { defineBlock, numExpr } from './types.js';

export const gradientDescentBlock = defineBlock({
  kind: 'dynamics',
  name: 'gradient-descent',
  summary: 'θ ← θ − eta·∇L(θ) for `steps` steps, stopping early once L < stop_loss.',
  params: z.strictObject({ steps: numExpr, eta: numExpr, stop_loss: numExpr.optional(), snapshots: z.boolean().default(false) }),
  expressions: { steps: 'trial', eta: 'trial', stop_loss: 'trial' },
  create: (p, ctx) => {
    const o = { steps: ctx.int(p.steps), eta: ctx.num(p.eta), stopLoss: p.stop_loss === undefined ? undefined : ctx.num(p.stop_loss), snapshots: p.snapshots };
    return ({ objective }, theta0, observe) => gradientDescent(objective, theta0, { ...o, observe });
  },
  // GD with a given step is the object of study; its re-check re-runs it exactly (the final inequality is re-checked in BigNumber).
  refine: (p) => p,
});

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
    return ({ objective }, theta0, observe) => gradientFlow(objective, theta0, { ...o, observe });
  },
  refine: (p) => ({ ...p, rtol: `(${p.rtol}) / 100`, atol: `(${p.atol}) / 100`, max_steps: `(${p.max_steps}) * 10` }),
});

export const richardsonFlowBlock = defineBlock({
  kind: 'dynamics',
  name: 'gradient-flow-richardson',
  summary:
    'dθ/dt = −∇L(θ) up to time `time` by explicit Euler with steps eta and eta/2, Richardson-extrapolated (θ = 2θ_{η/2} − θ_η); "integrator-error" is ‖θ_{η/2} − θ_η‖_∞. Fixed steps suit non-smooth flows (ReLU kinks), where adaptive solvers stall.',
  params: z.strictObject({ time: numExpr, eta: numExpr }),
  expressions: { time: 'trial', eta: 'trial' },
  create: (p, ctx) => {
    const o = { time: ctx.num(p.time), eta: ctx.num(p.eta) };
    return ({ objective }, theta0, observe) => gradientFlowRichardson(objective, theta0, { ...o, observe });
  },
  refine: (p) => ({ ...p, eta: `(${p.eta}) / 4` }),
});

export const normalizedFlowBlock = defineBlock({
  kind: 'dynamics',
  name: 'normalized-flow',
  summary:
    'θ ← θ + eta·Σ_i π_i ∇q_i, π = softmax(−q), q_i = y_i f(x_i): exponential-loss gradient flow up to a time change (same limit direction), for `steps` steps. Labels must be ±1. With unit_step: true the step has length eta (θ ← θ − eta·∇L/‖∇L‖, the gradient-norm-normalized descent for deep nets, whose gradients grow like ‖θ‖^{k−1}).',
  params: z.strictObject({ steps: numExpr, eta: numExpr, unit_step: z.boolean().default(false), snapshots: z.boolean().default(false) }),
  expressions: { steps: 'trial', eta: 'trial' },
  create: (p, ctx) => {
    const o = { steps: ctx.int(p.steps), eta: ctx.num(p.eta), unitStep: p.unit_step, snapshots: p.snapshots };
    return ({ model, data }, theta0, observe) => normalizedFlow(model, data.X, data.y, theta0, { ...o, observe });
  },
  // A smaller step over proportionally more steps follows the same path more closely.
  refine: (p) => ({ ...p, steps: `2 * (${p.steps})`, eta: `(${p.eta}) / 2` }),
});

export const dynamicsBlocks = [gradientDescentBlock, gradientFlowBlock, richardsonFlowBlock, normalizedFlowBlock];
