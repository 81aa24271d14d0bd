// dynamics.ts normalizedFlow's loop driven by a generated kernel (relunet-flow.ts, two-layer-kernel.ts): the same
// recorder, snapshots, observers, divergence and result, so a kernel with normalizedFlow's arithmetic gives its bits.
import { DivergedError, exponentialLossWeights, recorder, snapshotSchedule, type NormalizedFlowOptions, type SimResult } from './dynamics.js';

/** A kernel's view of one net on its training data, for the normalized flow. */
export interface NormalizedFlowKernel {
  /** θ in the kernel's memory */
  theta: Float64Array;
  /** the weights c_i the backward pass reads */
  c: Float64Array;
  /** f(x_i; θ) of every row */
  forward(): void;
  /** the predictions of the last forward pass */
  pred(): Float64Array;
  /**
   * normalizedFlow's step from θ after a forward pass: ∇ = Σ_i c_i ∇f(x_i), θ += h·∇ with h = η (or η/‖∇‖ with
   * unit steps), then forward; truthy where θ stayed finite; undefined where unit steps met ∇ = 0 (the flow stops).
   */
  step(eta: number, unitStep: boolean): number | boolean | undefined;
}

/**
 * normalizedFlow(model, X, y, theta0, o) on a kernel of the model and X (n rows): the same result.
 * Observers see a θ of their own (updated in place at every step, as normalizedFlow passes its θ), not the kernel's memory.
 */
export function kernelNormalizedFlow(K: NormalizedFlowKernel, n: number, y: Float64Array, theta0: Float64Array, o: NormalizedFlowOptions): SimResult {
  const { theta, c } = K;
  theta.set(theta0);
  const seen = o.observe && new Float64Array(theta.length);
  const look = () => {
    if (!o.observe) return;
    seen!.set(theta);
    o.observe(seen!);
  };
  const rec = recorder();
  const schedule = o.snapshots ? snapshotSchedule(o.steps) : undefined;
  const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
  K.forward();
  let loss = exponentialLossWeights(n, K.pred(), y, c);
  rec.record(0, 0, loss, true);
  look();
  let k = 0;
  for (; k < o.steps; k++) {
    const finite = K.step(o.eta, !!o.unitStep);
    if (finite === undefined) break;
    loss = exponentialLossWeights(n, K.pred(), y, c);
    if (Number.isNaN(loss) || !finite) throw new DivergedError(`step ${k + 1}`);
    look();
    rec.record(k + 1, k + 1, loss);
    if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(theta) });
  }
  rec.record(k, k, loss, true);
  return { theta: Float64Array.from(theta), loss, steps: k, time: k * o.eta, errorEstimate: 0, trajectory: rec.points, stoppedBy: 'steps', snapshots };
}

/** A kernel that runs whole stretches of the normalized flow, the exponential loss and its weights included (two-layer-kernel.ts). */
export interface NormalizedFlowRunsKernel {
  theta: Float64Array;
  forward(): void;
  /** exponentialLossWeights of the last forward pass, into the kernel's c; returns the loss */
  lossWeights(): number;
  /** the loss of the last lossWeights() */
  loss: Float64Array;
  /** up to `count` steps (normalizedFlow's step, then lossWeights); the number of steps that stayed finite: a smaller one is where the run diverged */
  flow(count: number, eta: number): number;
}

/**
 * kernelNormalizedFlow on a kernel that runs the steps between two points where JavaScript acts (the recorder's next
 * point, a snapshot, every step for an observer, the end): the same result. No unit steps.
 */
export function normalizedFlowRuns(K: NormalizedFlowRunsKernel, theta0: Float64Array, o: NormalizedFlowOptions): SimResult {
  const { theta } = K;
  theta.set(theta0);
  const seen = o.observe && new Float64Array(theta.length);
  const look = () => {
    if (!o.observe) return;
    seen!.set(theta);
    o.observe(seen!);
  };
  const rec = recorder();
  const schedule = o.snapshots ? [...snapshotSchedule(o.steps)].sort((a, b) => a - b) : undefined;
  const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
  K.forward();
  let loss = K.lossWeights();
  rec.record(0, 0, loss, true);
  look();
  let nextSnapshot = 0;
  let k = 0;
  while (k < o.steps) {
    while (schedule && nextSnapshot < schedule.length && schedule[nextSnapshot] <= k) nextSnapshot++;
    const to = o.observe ? k + 1 : Math.min(o.steps, rec.next, schedule?.[nextSnapshot] ?? Infinity);
    const done = K.flow(to - k, o.eta);
    if (done < to - k) throw new DivergedError(`step ${k + done + 1}`);
    k = to;
    loss = K.loss[0];
    look();
    rec.record(k, k, loss);
    if (schedule?.[nextSnapshot] === k) snapshots!.push({ step: k, theta: Float64Array.from(theta) });
  }
  rec.record(k, k, loss, true);
  return { theta: Float64Array.from(theta), loss, steps: k, time: k * o.eta, errorEstimate: 0, trajectory: rec.points, stoppedBy: 'steps', snapshots };
}
