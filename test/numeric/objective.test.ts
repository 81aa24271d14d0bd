import { describe, expect, it } from 'vitest';
import { isotropicGaussian } from '../../src/numeric/data.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective, objectiveOnRows } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

const rng = new Rng(11);
const data = isotropicGaussian(rng.fork('data'), 9, 4, 1, 'sign');
const model = twoLayerNet({ d: 4, width: 3, activation: leakyRelu(0.2), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
const theta = model.init(rng.fork('init'));

function at(o: ReturnType<typeof objective>) {
  const grad = new Float64Array(o.nParams);
  const v = o.valueAndGrad(theta, grad);
  return { v, grad, value: o.value(theta) };
}

describe('the objective over a subset of the rows', () => {
  for (const reduction of ['sum', 'mean'] as const) {
    it(`over all rows in order is the objective, bit for bit (${reduction})`, () => {
      const all = Int32Array.from({ length: 9 }, (_, i) => i);
      expect(at(objectiveOnRows(model, logisticLoss, data.X, data.y, reduction, all))).toEqual(at(objective(model, logisticLoss, data.X, data.y, reduction)));
    });
  }

  it("'sum' sums over the rows given (repeats counted), 'mean' divides by their count", () => {
    const one = (i: number) => at(objectiveOnRows(model, squareLoss, data.X, data.y, 'sum', [i]));
    const rows = [2, 5, 2];
    const s = at(objectiveOnRows(model, squareLoss, data.X, data.y, 'sum', rows));
    const m = at(objectiveOnRows(model, squareLoss, data.X, data.y, 'mean', rows));
    const parts = rows.map(one);
    expect(s.v).toBeCloseTo(
      parts.reduce((a, p) => a + p.v, 0),
      14,
    );
    expect(m.v).toBeCloseTo(s.v / 3, 14);
    for (let k = 0; k < theta.length; k++) {
      expect(s.grad[k]).toBeCloseTo(
        parts.reduce((a, p) => a + p.grad[k], 0),
        13,
      );
      expect(m.grad[k]).toBeCloseTo(s.grad[k] / 3, 13);
    }
  });

  it('rejects a row outside the data', () => {
    expect(() => objectiveOnRows(model, squareLoss, data.X, data.y, 'sum', [0, 9])).toThrow(/outside/);
  });
});

describe('the square loss written out', () => {
  for (const reduction of ['sum', 'mean'] as const)
    it(`gives the value and gradient of the square loss called per example, bit for bit (${reduction})`, () => {
      const called = { ...squareLoss }; // not squareLoss itself: the objective calls its value and derivative
      const r = new Rng(5);
      for (let k = 0; k < 20; k++) {
        const t = model.init(r.fork(`t${k}`));
        const [a, b] = [squareLoss, called].map((loss) => {
          const grad = new Float64Array(model.nParams);
          return [objective(model, loss, data.X, data.y, reduction).valueAndGrad(t, grad), ...grad];
        });
        expect(a).toEqual(b);
      }
    });
});
