import { describe, expect, it } from 'vitest';
import { dynamicsBlocks, dynamicsProblem } from '../../src/blocks/dynamics/index.js';
import { normalizedFlowBlock } from '../../src/blocks/dynamics/normalized-flow.js';
import type { BlockContext } from '../../src/blocks/types.js';
import { isotropicGaussian } from '../../src/numeric/data.js';
import { normalizedFlow } from '../../src/numeric/dynamics.js';
import { exponentialLoss, logisticLoss } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

const ctx = (): BlockContext => ({ num: (v) => Number(v), int: (v) => Number(v), rng: new Rng(0), scope: {} });
const rng = new Rng(4);
const data = isotropicGaussian(rng.fork('data'), 8, 3, 1, 'sign');
const model = twoLayerNet({ d: 3, width: 4, activation: leakyRelu(0.3), trainOutput: false, wScale: 0.3, vScale: 0.5, vInit: 'sign' });
const theta0 = model.init(rng.fork('init'));
const problemWith = (loss: typeof exponentialLoss, seed = 9) =>
  dynamicsProblem(objective(model, loss, data.X, data.y, 'sum'), model, data, { loss, reduction: 'sum' }, seed);

describe('the dynamics problem', () => {
  it("gives the dynamics a fresh copy of its own stream on every call, forked from the seed under 'dynamics'", () => {
    const p = problemWith(logisticLoss);
    const a = p.rng(),
      b = p.rng();
    const draws = [a.nextUint32(), a.nextUint32()];
    expect([b.nextUint32(), b.nextUint32()]).toEqual(draws);
    expect(new Rng(9).fork('dynamics').nextUint32()).toBe(draws[0]);
    expect(problemWith(logisticLoss, 10).rng().nextUint32()).not.toBe(draws[0]);
  });

  it('gives the objective itself for all rows in order, and a batch objective otherwise', () => {
    const p = problemWith(logisticLoss);
    expect(p.objectiveOn([...Array(8).keys()])).toBe(p.objective);
    expect(p.objectiveOn([1, 0, 2, 3, 4, 5, 6, 7])).not.toBe(p.objective);
    expect(p.objectiveOn([0, 1]).value(theta0)).toBeCloseTo(
      objective(model, logisticLoss, { rows: 2, cols: 3, data: data.X.data.slice(0, 6) }, data.y.slice(0, 2), 'sum').value(theta0),
      14,
    );
  });

  it('registers every dynamics once', () => {
    expect(dynamicsBlocks.map((b) => b.name)).toEqual(['gradient-descent', 'gradient-flow', 'gradient-flow-richardson', 'normalized-flow', 'sgd']);
  });
});

describe('normalized-flow block', () => {
  const o = { steps: 50, eta: 0.05 };
  it('runs the normalized flow on the problem’s model and data', () => {
    const run = normalizedFlowBlock.create(normalizedFlowBlock.params.parse(o), ctx());
    expect(run(problemWith(exponentialLoss), theta0)).toEqual(normalizedFlow(model, data.X, data.y, theta0, o));
  });
  it('is the flow of the exponential loss only', () => {
    const run = normalizedFlowBlock.create(normalizedFlowBlock.params.parse(o), ctx());
    expect(() => run(problemWith(logisticLoss), theta0)).toThrow(/exponential loss.*"logistic"/);
  });
});
