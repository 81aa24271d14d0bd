// Mini-batch stochastic gradient descent on the problem's loss, batches drawn from its own stream.
import { z } from 'zod';
import { assertFinite, recorder, snapshotSchedule, type Observer, type SimResult } from '../../numeric/dynamics.js';
import type { Objective } from '../../numeric/objective.js';
import { checkSteps } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type DynamicsProblem } from '../types.js';

export interface SgdOptions {
  steps: number;
  eta: number;
  /** rows per batch; batch ≥ n is full-batch gradient descent (rows in order, no draws) */
  batch: number;
  /** 'reshuffle': a new random order each epoch, cut into consecutive batches (without replacement; the last batch of an epoch holds the n mod batch rows left); 'replacement': each batch drawn uniformly with replacement */
  sampling: 'reshuffle' | 'replacement';
  stopLoss?: number;
  snapshots?: boolean;
  observe?: Observer;
}

/** θ ← θ − η∇L_B(θ) over batches B, for `steps` steps or until the full L(θ) < stopLoss; the recorded loss is the full L(θ), as gradient descent records it. */
export function sgd(problem: DynamicsProblem, theta0: Float64Array, o: SgdOptions): SimResult {
  const full = problem.objective,
    n = problem.data.X.rows,
    b = Math.min(o.batch, n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const fullBatch = b === n ? problem.objectiveOn(order) : undefined;
  const rng = fullBatch ? undefined : problem.rng();
  let pos = n;
  const nextBatch = (): Objective => {
    if (fullBatch) return fullBatch;
    if (o.sampling === 'replacement') return problem.objectiveOn(Int32Array.from({ length: b }, () => Math.floor(rng!.uniform() * n)));
    if (pos >= n) {
      // Fisher–Yates
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng!.uniform() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      pos = 0;
    }
    const rows = order.subarray(pos, Math.min(pos + b, n));
    pos += rows.length;
    return problem.objectiveOn(rows);
  };
  const theta = Float64Array.from(theta0);
  const grad = new Float64Array(full.nParams);
  // the full L(θ), with ∇ of the next batch at θ in `grad`
  const lossAndBatchGrad = (): number => {
    const batch = nextBatch();
    if (batch === full) return full.valueAndGrad(theta, grad);
    batch.valueAndGrad(theta, grad);
    return full.value(theta);
  };
  const rec = recorder();
  let loss = lossAndBatchGrad();
  rec.record(0, 0, loss, true);
  o.observe?.(theta);
  const schedule = o.snapshots ? snapshotSchedule(o.steps) : undefined;
  const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
  let k = 0;
  let stoppedBy: SimResult['stoppedBy'] = 'steps';
  for (; k < o.steps; k++) {
    if (o.stopLoss !== undefined && loss < o.stopLoss) {
      stoppedBy = 'loss';
      break;
    }
    for (let i = 0; i < theta.length; i++) theta[i] -= o.eta * grad[i];
    loss = lossAndBatchGrad();
    assertFinite(theta, loss, `step ${k + 1}`);
    o.observe?.(theta);
    rec.record(k + 1, k + 1, loss);
    if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(theta) });
  }
  rec.record(k, k, loss, true);
  return { theta, loss, steps: k, time: k * o.eta, errorEstimate: 0, trajectory: rec.points, stoppedBy, snapshots };
}

export const sgdBlock = defineBlock({
  kind: 'dynamics',
  name: 'sgd',
  summary:
    "Mini-batch SGD: θ ← θ − eta·∇L_B(θ) for `steps` steps, B = `batch` rows with the loss's reduction over B (mean: the batch mean; sum: the batch sum), drawn from the trial's seed: `sampling` reshuffle (a new order each epoch, consecutive batches, the last one holding the n mod batch rows left) or replacement. Stops early once the full L < stop_loss. batch ≥ n is gradient-descent exactly.",
  params: z.strictObject({
    steps: numExpr,
    eta: numExpr,
    batch: numExpr,
    sampling: z.enum(['reshuffle', 'replacement']).default('reshuffle'),
    stop_loss: numExpr.optional(),
    snapshots: z.boolean().default(false),
  }),
  expressions: { steps: 'trial', eta: 'trial', batch: 'trial', stop_loss: 'trial' },
  create: (p, ctx) => {
    const o = {
      steps: ctx.int(p.steps),
      eta: ctx.num(p.eta),
      batch: ctx.int(p.batch),
      sampling: p.sampling,
      stopLoss: p.stop_loss === undefined ? undefined : ctx.num(p.stop_loss),
      snapshots: p.snapshots,
    };
    checkSteps('sgd', o.steps);
    if (o.batch < 1) throw new Error(`sgd: batch must be at least 1, got ${o.batch}`);
    return (problem, theta0, observe) => sgd(problem, theta0, { ...o, observe });
  },
  // The batches repeat from the seed, so the re-check re-runs the same path exactly, like gradient-descent.
  check: (p, range) => {
    const c = staticProblems(range);
    const steps = c.atLeast('steps', p.steps, 0);
    c.atLeast('batch', p.batch, 1);
    return { problems: c.problems, steps: steps && { value: steps.hi, field: 'steps' } };
  },
  refine: (p) => p,
});
