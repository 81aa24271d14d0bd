// The normalized flow (dynamics.ts normalizedFlow) of a bias-free deep leaky-ReLU net on relunet-wasm.ts's kernel:
// the same steps in the same order, so runs are bit-identical to normalizedFlow on reluNet (test/numeric/relunet-flow.test.ts).
import { DivergedError, exponentialLossWeights, recorder, snapshotSchedule, type NormalizedFlowOptions, type SimResult } from './dynamics.js';
import type { Mat } from './linalg.js';
import type { Model } from './models.js';
import { reluNetFlowKernel } from './relunet-wasm.js';

/**
 * normalizedFlow(model, X, y, theta0, o) on the kernel: the same steps, the same result; undefined where no kernel applies.
 * Observers see a θ of their own (updated in place at every step, as normalizedFlow passes its θ), not the kernel's memory.
 */
export function reluNetNormalizedFlow(model: Model, X: Mat, y: Float64Array, theta0: Float64Array, o: NormalizedFlowOptions): SimResult | undefined {
  const K = reluNetFlowKernel(model, X);
  if (!K) return undefined;
  try {
    const n = X.rows;
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
      const g2 = K.backward();
      let h = o.eta;
      if (o.unitStep) {
        if (g2 === 0) break;
        h /= Math.sqrt(g2);
      }
      const finite = K.step(h);
      loss = exponentialLossWeights(n, K.pred(), y, c);
      if (Number.isNaN(loss) || !finite) throw new DivergedError(`step ${k + 1}`);
      look();
      rec.record(k + 1, k + 1, loss);
      if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(theta) });
    }
    rec.record(k, k, loss, true);
    return { theta: Float64Array.from(theta), loss, steps: k, time: k * o.eta, errorEstimate: 0, trajectory: rec.points, stoppedBy: 'steps', snapshots };
  } finally {
    K.release();
  }
}
