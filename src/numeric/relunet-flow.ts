// The normalized flow (dynamics.ts normalizedFlow) of a bias-free deep leaky-ReLU net on relunet-wasm.ts's kernel:
// the same steps in the same order, so runs are bit-identical to normalizedFlow on reluNet (test/numeric/relunet-flow.test.ts).
import type { NormalizedFlowOptions, SimResult } from './dynamics.js';
import { kernelNormalizedFlow } from './kernel-flow.js';
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
    const step = (eta: number, unitStep: boolean) => {
      const g2 = K.backward();
      let h = eta;
      if (unitStep) {
        if (g2 === 0) return undefined;
        h /= Math.sqrt(g2);
      }
      return K.step(h);
    };
    return kernelNormalizedFlow({ theta: K.theta, c: K.c, forward: K.forward, pred: K.pred, step }, X.rows, y, theta0, o);
  } finally {
    K.release();
  }
}
