// The dynamics contract: every registered dynamics block, on a small least-squares problem (the
// normalized flow, which is the flow of the exponential loss, on a separable one), lowers the loss,
// calls its observer at the start and after every accepted step, and repeats bit for bit for a seed.
import { describe, expect, it } from 'vitest';
import { dynamicsBlocks, dynamicsProblem } from '../../src/blocks/dynamics/index.js';
import type { BlockContext, DynamicsProblem, DynamicsProduct } from '../../src/blocks/types.js';
import { isotropicGaussian } from '../../src/numeric/data.js';
import type { SimResult } from '../../src/numeric/dynamics.js';
import { exponentialLoss, squareLoss } from '../../src/numeric/losses.js';
import { linearActivation, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

const ctx = (): BlockContext => ({ num: (v) => Number(v), int: (v) => Number(v), rng: new Rng(0), scope: {} });

/** Parameters of each block for the contract, and how many times its observer is called for a result (documented in DynamicsProduct: the start and every accepted step). */
const CASES: Record<string, { params: Record<string, unknown>; loss: 'square' | 'exponential'; observed: (r: SimResult) => number }> = {
  'gradient-descent': { params: { steps: 60, eta: 0.05 }, loss: 'square', observed: (r) => r.steps + 1 },
  'gradient-flow': { params: { time: 2 }, loss: 'square', observed: (r) => r.steps + 1 },
  // Euler with steps eta and eta/2 (3·time/eta steps in all); the observer watches the finer run
  'gradient-flow-richardson': { params: { time: 2, eta: 0.05 }, loss: 'square', observed: (r) => (2 * r.steps) / 3 + 1 },
  'normalized-flow': { params: { steps: 60, eta: 0.05 }, loss: 'exponential', observed: (r) => r.steps + 1 },
  sgd: { params: { steps: 60, eta: 0.05, batch: 3 }, loss: 'square', observed: (r) => r.steps + 1 },
};

function problem(loss: 'square' | 'exponential', seed = 7): { p: DynamicsProblem; theta0: Float64Array } {
  const rng = new Rng(3);
  const data = isotropicGaussian(rng.fork('data'), 8, 3, 1, loss === 'square' ? 'gaussian' : 'teacher');
  const model = twoLayerNet({ d: 3, width: 4, activation: linearActivation, trainOutput: true, wScale: 0.3, vScale: 0.3, vInit: 'gaussian' });
  const l = loss === 'square' ? squareLoss : exponentialLoss;
  // the normalized flow records the summed exponential loss
  const reduction = loss === 'square' ? ('mean' as const) : ('sum' as const);
  return {
    p: dynamicsProblem(objective(model, l, data.X, data.y, reduction), model, data, { loss: l, reduction }, seed),
    theta0: model.init(rng.fork('init')),
  };
}

describe('the dynamics contract', () => {
  it('every registered dynamics block has a case here', () => {
    expect(dynamicsBlocks.map((b) => b.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const block of dynamicsBlocks) {
    const c = CASES[block.name];
    if (!c) continue;
    const run = (seed = 7) => {
      const { p, theta0 } = problem(c.loss, seed);
      const dyn = block.create(block.params.parse(c.params) as never, ctx()) as DynamicsProduct;
      let calls = 0;
      const r = dyn(p, theta0, () => void calls++);
      return { r, calls, start: p.objective.value(theta0) };
    };

    it(`${block.name}: lowers the loss, observes the start and every accepted step, and repeats bit for bit`, () => {
      const a = run();
      expect(a.r.steps).toBeGreaterThan(0);
      expect(a.r.loss).toBeLessThan(a.start);
      expect(Number.isFinite(a.r.loss)).toBe(true);
      expect(a.calls).toBe(c.observed(a.r));
      const b = run();
      expect(b.r.loss).toBe(a.r.loss);
      expect(Buffer.from(b.r.theta.buffer).equals(Buffer.from(a.r.theta.buffer))).toBe(true);
      expect(b.r.trajectory).toEqual(a.r.trajectory);
    });
  }
});
