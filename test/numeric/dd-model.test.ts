import { test, expect } from 'vitest';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import { ddObjective, ddVecFrom, ddVec, ddRound } from '../../src/numeric/dd-model.js';
import { objective } from '../../src/numeric/objective.js';
import { squareLoss } from '../../src/numeric/losses.js';
import { Rng } from '../../src/numeric/rng.js';
test('deep-linear: the double-double twin agrees with float64 (value, gradient, product W) at depths 1–4', () => {
  for (const L of [1, 2, 3, 4]) {
    const m = deepLinearNet({ rows: 2, cols: 3, depth: L, width: 2, init: 'gaussian', scale: 0.7, detSign: 'any' });
    const th = m.init(new Rng(5));
    const X = { rows: 3, cols: 6, data: Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1]) };
    const y = Float64Array.from([1, 2, -1]);
    const o = objective(m, squareLoss, X, y, 'sum');
    const g = new Float64Array(m.nParams);
    const v = o.valueAndGrad(th, g);
    const od = ddObjective(m.dd!(), squareLoss.dd!, X, y, 'sum');
    const gd = ddVec(m.nParams);
    const vd = od.valueAndGrad(ddVecFrom(th), gd);
    expect(Math.abs(vd.hi - v)).toBeLessThan(1e-14);
    const r = ddRound(gd);
    for (let i = 0; i < g.length; i++) expect(Math.abs(r[i] - g[i])).toBeLessThan(1e-13);
    const Wd = m.dd!().layers(ddVecFrom(th)).W;
    const W = m.layers(th).W.data;
    for (let i = 0; i < W.length; i++) expect(Math.abs(Wd.hi[i] - W[i])).toBeLessThan(1e-14);
  }
});
