// path-increment: the extreme step-to-step increment of a quantity of all the parameters, checked
// against the same gradient-descent path computed here by hand.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { runTrial } from '../../src/search/trial.js';
import { claimWithSearch, searchFixture } from '../helpers.js';

/** A two-layer ReLU net (no bias: homogeneous of order 2 with both layers trained) on separable data, by gradient descent on the summed exponential loss. */
const net = (train: boolean, metrics: string, steps = 400, eta = 0.02) =>
  searchFixture(`trials: 1
space: { a: { grid: [1] } }
data: { block: linearly-separable, n: 8, d: 2, margin: 0.2 }
model: { block: two-layer, d: 2, width: 8, gamma: 0.2, w_scale: 0.5, v_scale: 0.5, train_output: ${train} }
loss: { block: exponential, reduction: sum }
dynamics: { block: gradient-descent, steps: ${steps}, eta: ${eta} }
metrics:
${metrics}
property: '1 > 0'`);

describe('path-increment', () => {
  it('reads the norm of every trained layer (‖θ‖² = ‖W‖²_F + ‖v‖² with the output trained; ‖W‖²_F when it is frozen)', () => {
    // of = norm at the last step, 0 before: the increment of the last pair is the norm at T
    const m = `  nrm: { block: path-increment, of: 'step == 400 ? norm : 0', when: 'step >= 399', extreme: max }
  nall: { block: path-increment, of: 'step == 400 ? norm_all : 0', when: 'step >= 399', extreme: max }
  fw: { block: frobenius-norm, layer: W }
  fv: { block: frobenius-norm, layer: v }
  c: { block: path-increment, of: 'loss', output: count }`;
    for (const train of [true, false]) {
      const r = runTrial(net(train, m), { a: 1, seed: 4 });
      expect(r.status, JSON.stringify(r)).toBe('pass');
      const { nrm, nall, fw, fv, c } = r.quantities;
      expect(nrm).toBeCloseTo(train ? Math.hypot(fw, fv) : fw, 12);
      expect(nall).toBeCloseTo(Math.hypot(fw, fv), 12);
      expect(c).toBe(400);
    }
  });

  it('finds the fall of the smoothed margin log(1/L)/‖θ‖² while the loss is above 1, and none after it falls below 1 (Lyu & Li 2020 Thm 4.1)', () => {
    const m = `  all: { block: path-increment, of: 'log(1 / loss) / norm^2' }
  after: { block: path-increment, of: 'log(1 / loss) / norm^2', when: 'loss < 1', default: 0 }
  at: { block: path-increment, of: 'log(1 / loss) / norm^2', output: step }
  up: { block: path-increment, of: 'loss', extreme: max }
  lossT: { block: loss }`;
    let fell = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = runTrial(net(true, m, 3000), { a: 1, seed });
      expect(r.status, JSON.stringify(r)).toBe('pass');
      const q = r.quantities;
      expect(q.lossT).toBeLessThan(1);
      expect(q.up).toBeLessThan(0); // the loss falls at every step of this small-step descent
      expect(q.after).toBeGreaterThanOrEqual(-1e-9);
      if (q.all < -1e-6) fell++;
    }
    // from these starts (loss above 1) the smoothed margin falls somewhere before the loss crosses 1
    expect(fell).toBeGreaterThan(0);
  });

  it('is the extreme increment of the path computed by hand (a linear model: w ← w − η Xᵀ(Xw − y))', () => {
    const spec = searchFixture(`trials: 1
space: { a: { grid: [1] } }
data: { block: explicit, rows: [[1, 0], [0, 2], [1, 1]], y: [1, -1, 2] }
model: { block: linear, d: 2 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 6, eta: 0.05 }
metrics:
  dmin: { block: path-increment, of: 'norm' }
  dmax: { block: path-increment, of: 'norm', extreme: max }
  at: { block: path-increment, of: 'norm', extreme: max, output: step }
  dl: { block: path-increment, of: 'loss', when: 'step >= 2' }
  cnt: { block: path-increment, of: 'loss', when: 'step >= 2', output: count }
property: '1 > 0'`);
    const r = runTrial(spec, { a: 1, seed: 1 });
    expect(r.status, JSON.stringify(r)).toBe('pass');
    const X = [
        [1, 0],
        [0, 2],
        [1, 1],
      ],
      y = [1, -1, 2];
    const loss = (w: number[]) => X.reduce((s, x, i) => s + 0.5 * (x[0] * w[0] + x[1] * w[1] - y[i]) ** 2, 0);
    let w = [0, 0];
    const norms = [0],
      losses = [loss(w)];
    for (let t = 1; t <= 6; t++) {
      const g = [0, 0];
      X.forEach((x, i) => {
        const res = x[0] * w[0] + x[1] * w[1] - y[i];
        g[0] += res * x[0];
        g[1] += res * x[1];
      });
      w = [w[0] - 0.05 * g[0], w[1] - 0.05 * g[1]];
      norms.push(Math.hypot(...w));
      losses.push(loss(w));
    }
    const dn = norms.slice(1).map((v, t) => v - norms[t]);
    const dl = losses.slice(3).map((v, t) => v - losses[t + 2]);
    expect(r.quantities.dmin).toBeCloseTo(Math.min(...dn), 12);
    expect(r.quantities.dmax).toBeCloseTo(Math.max(...dn), 12);
    expect(r.quantities.at).toBe(dn.indexOf(Math.max(...dn)) + 1);
    expect(r.quantities.dl).toBeCloseTo(Math.min(...dl), 12);
    expect(r.quantities.cnt).toBe(4);
  });

  it('no pair counted: default, else a trial error; an unknown symbol is invalid at validation', () => {
    const m = `  dd: { block: path-increment, of: 'loss', when: 'loss < 0' }`;
    const r = runTrial(net(true, m, 5), { a: 1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/path-increment: no two consecutive steps of the path satisfied "loss < 0"/);
    const search = `trials: 1
space: { a: { grid: [1] } }
data: { block: linearly-separable, n: 8, d: 2 }
model: { block: linear, d: 2 }
loss: { block: logistic }
dynamics: { block: gradient-descent, steps: 5, eta: 0.1 }
metrics: { dd: { block: path-increment, of: 'fro' } }
property: 'dd >= 0'`;
    const v = loadClaimText('x.yaml', claimWithSearch(search), 't');
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.errors.map(formatError).join('\n')).toMatch(/fro/);
  });

  it('an infinite f at a counted step (float64 overflow) makes the value NaN with the step named: the trial is diverged, never a pass over the finite pairs', () => {
    // exp(800·L) overflows while the summed loss is above ln(MAX)/800 ≈ 0.887: every increment of those
    // steps is ∞ − ∞, and the exit from ∞ is a fall (−∞) that "max" never picks
    const m = `  up: { block: path-increment, of: 'exp(800 * loss)', extreme: max }
  at: { block: path-increment, of: 'exp(800 * loss)', extreme: max, output: step }
  cnt: { block: path-increment, of: 'exp(800 * loss)', output: count }
  lossT: { block: loss }`;
    const r = runTrial(net(true, m, 3000), { a: 1, seed: 1 });
    expect(r.quantities.lossT).toBeLessThan(0.8); // the path leaves the overflow: later pairs are finite
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(/up = NaN \("exp\(800 \* loss\)" is Infinity at step 0 \(float64 overflow\)/);
    expect(r.message).toMatch(/at = NaN/);
    expect(r.quantities.cnt).toBe(3000);
    // a NaN f stays an error, and the first of the two decides
    const nan = runTrial(net(true, `  up: { block: path-increment, of: 'step < 3 ? 0 : (step < 5 ? 0/0 : 10^400)', extreme: max }`, 10), { a: 1, seed: 1 });
    expect(nan.status).toBe('error');
    expect(nan.message).toMatch(/is not a number at step 3/);
  });
});
