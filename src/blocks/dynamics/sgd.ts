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
  /** label noise, drawn afresh for every batch: each label of the batch plus σ·N(0, 1) (regression; Blanc et al. 2020, HaoChen et al. 2021) */
  labelNoise?: number;
  /** label noise for ±1 labels: each label of the batch flipped with this probability, afresh for every batch */
  labelFlip?: number;
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
  const sigma = o.labelNoise ?? 0,
    flip = o.labelFlip ?? 0;
  const noisy = sigma > 0 || flip > 0;
  const fullBatch = b === n && !noisy ? problem.objectiveOn(order) : undefined;
  const rng = fullBatch ? undefined : problem.rng();
  const y = problem.data.y;
  const labels = noisy ? new Float64Array(n) : undefined;
  // the batch's objective, its labels perturbed afresh (after the batch's own draws) where there is label noise
  const on = (rows: ArrayLike<number>): Objective => {
    if (!labels) return problem.objectiveOn(rows);
    labels.set(y);
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k];
      if (sigma > 0) labels[i] = y[i] + sigma * rng!.normal();
      if (flip > 0 && rng!.uniform() < flip) labels[i] = -labels[i];
    }
    return problem.objectiveOn(rows, labels);
  };
  let pos = n;
  const nextBatch = (): Objective => {
    if (fullBatch) return fullBatch;
    if (b === n) return on(order);
    if (o.sampling === 'replacement') return on(Int32Array.from({ length: b }, () => Math.floor(rng!.uniform() * n)));
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
    return on(rows);
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
    "Mini-batch SGD: θ ← θ − eta·∇L_B(θ) for `steps` steps, B = `batch` rows with the loss's reduction over B (mean: the batch mean; sum: the batch sum), drawn from the trial's seed: `sampling` reshuffle (a new order each epoch, consecutive batches, the last one holding the n mod batch rows left) or replacement. Stops early once the full L < stop_loss. batch ≥ n is gradient-descent exactly. Label noise, drawn afresh for every batch after its rows: `label_noise` σ adds σ·N(0, 1) to each label of the batch (regression), `label_flip` p flips each ±1 label of the batch with probability p; a row drawn twice into one batch keeps one perturbed label; batch ≥ n is then full-batch GD on freshly perturbed labels; the recorded loss stays the full L on the data's own labels; with neither (the default) no number is drawn for labels.",
  params: z.strictObject({
    steps: numExpr,
    eta: numExpr,
    batch: numExpr,
    sampling: z.enum(['reshuffle', 'replacement']).default('reshuffle'),
    label_noise: numExpr.default(0).describe('σ: each label of a batch gets σ·N(0, 1) added, afresh for every batch'),
    label_flip: numExpr.default(0).describe('p: each ±1 label of a batch is flipped with probability p, afresh for every batch'),
    stop_loss: numExpr.optional(),
    snapshots: z.boolean().default(false),
  }),
  expressions: { steps: 'trial', eta: 'trial', batch: 'trial', label_noise: 'trial', label_flip: 'trial', stop_loss: 'trial' },
  create: (p, ctx) => {
    const o = {
      steps: ctx.int(p.steps),
      eta: ctx.num(p.eta),
      batch: ctx.int(p.batch),
      sampling: p.sampling,
      labelNoise: ctx.num(p.label_noise),
      labelFlip: ctx.num(p.label_flip),
      stopLoss: p.stop_loss === undefined ? undefined : ctx.num(p.stop_loss),
      snapshots: p.snapshots,
    };
    checkSteps('sgd', o.steps);
    if (o.batch < 1) throw new Error(`sgd: batch must be at least 1, got ${o.batch}`);
    if (!(o.labelNoise >= 0 && Number.isFinite(o.labelNoise))) throw new Error(`sgd: label_noise is a standard deviation, finite and ≥ 0, got ${o.labelNoise}`);
    if (!(o.labelFlip >= 0 && o.labelFlip <= 1)) throw new Error(`sgd: label_flip is a probability, in [0, 1], got ${o.labelFlip}`);
    return (problem, theta0, observe) => sgd(problem, theta0, { ...o, observe });
  },
  // The batches repeat from the seed, so the re-check re-runs the same path exactly, like gradient-descent.
  check: (p, range) => {
    const c = staticProblems(range);
    const steps = c.atLeast('steps', p.steps, 0);
    c.atLeast('batch', p.batch, 1);
    c.atLeast('label_noise', p.label_noise, 0);
    c.within('label_flip', p.label_flip, 0, 1);
    return { problems: c.problems, steps: steps && { value: steps.hi, field: 'steps' } };
  },
  refine: (p) => p,
});
