// Metric blocks (src/blocks/metrics/) in trials: the path-watching metrics of paths.ts (path-extreme,
// active-set-changes, linear-regime-distance), reconstruction error and count-above, the mean
// spectral ratio of deep nets, and the closest zero-loss point (Vardi & Shamir Thm 1).
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/index.js';
import type { SimState } from '../../src/blocks/types.js';
import { loadClaimText } from '../../src/claims/load.js';
import { fromRows } from '../../src/numeric/linalg.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { runTrial } from '../../src/search/trial.js';
import { C3_SEARCH, claimText, searchFixture } from '../helpers.js';

const spec = (search: string) => searchFixture(search);

describe('path-watching metrics', () => {
  it('path-extreme sees every accepted step, honours when / until / default, and can use trial variables', () => {
    const r = runTrial(spec(C3_SEARCH), { L: 3, alpha: 0.1, seed: 1 });
    expect(r.status).toBe('pass');
    const q = r.quantities;
    expect(q.laststep).toBe(q.steps);
    expect(q.steps_seen).toBe(q.steps + 1); // the start and every accepted step
    expect(q.w11max).toBeCloseTo(Math.abs(q.w11), 12); // |W₁₁| grows along this path
    expect(q.early).toBeGreaterThan(0);
    expect(q.early).toBeLessThan(q.steps_seen);
    expect(q.never).toBe(-1);
    const withTrialVar = spec(C3_SEARCH.replace("of: 'abs(e11)', when: 'loss < 0.5'", "of: 'abs(e11) * L', when: 'loss < 0.5'"));
    expect(runTrial(withTrialVar, { L: 3, alpha: 0.1, seed: 1 }).quantities.w11min).toBeCloseTo(3 * q.w11min, 12);
  });

  it('says so when no step qualifies and no default is given, and when there are no dynamics', () => {
    const none = runTrial(spec(C3_SEARCH.replace("when: 'loss < 0', default: -1", "when: 'loss < 0'")), { L: 3, alpha: 0.1, seed: 1 });
    expect(none.status).toBe('error');
    expect(none.message).toMatch(/no step of the path satisfied/);
  });

  it('claim files get a clear error for an unknown path symbol', () => {
    const r = loadClaimText('bad.yaml', claimText({ search: C3_SEARCH.replace("of: 'abs(e11)', extreme: max", "of: 'abs(w11x)', extreme: max") }), 't');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')).toMatch(/search\.metrics\.w11max\.of.*w11x/);
  });
});

describe('active-set tracking along the path', () => {
  const base = (rows: string, y: string, wScale: number) => `
trials: 1
space: { g: { grid: [5] } }
data: { block: explicit, rows: ${rows}, y: ${y} }
model: { block: two-layer, d: 3, width: 1, gamma: 0, dphi_at_zero: 1, w_scale: ${wScale}, v_init: split, positive_fraction: 1, v_scale: 1, train_output: false }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 60, rtol: 1e-10, atol: 1e-14, max_steps: 1000000, stop_loss: 1e-24 }
metrics:
  changes: { block: active-set-changes }
  dist: { block: linear-regime-distance }
  lossT: { block: loss }
property: 'dist <= 1e-6'`;

  it('sees x₃ switch on and off on Thm 3’s construction, where the linear-regime formula then fails', () => {
    const r = runTrial(spec(base('[[3, -1, 0], [4, 2, 0], [0, g, g]]', '[16, 18, 0]', 0)), { g: 5, seed: 1 });
    expect(r.quantities.lossT).toBeLessThan(1e-16);
    // w(0) = 0: nothing active; then all three; then x₃ off for good
    expect(r.quantities.changes).toBeGreaterThanOrEqual(2);
    expect(r.status).toBe('fail');
  });

  it('counts no change when every example stays active, and the formula then holds', () => {
    // one positive example: from a start where it is active the flow moves along x only; from one where it is not, nothing moves (a dead neuron)
    const s = spec(base('[[1, 2, 0]]', '[3]', 1));
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => runTrial(s, { g: 5, seed }));
    const live = runs.filter((r) => r.quantities.lossT < 1e-16),
      dead = runs.filter((r) => r.quantities.lossT === 4.5);
    expect(live.length).toBeGreaterThan(0);
    expect(dead.length).toBeGreaterThan(0);
    for (const r of [...live, ...dead]) expect(r.quantities.changes).toBe(0);
    for (const r of live) expect(r.quantities.dist).toBeLessThan(1e-9);
  });

  it('says so when there are no dynamics to watch', () => {
    const s = spec(base('[[1, 2, 0]]', '[3]', 1).replace(/dynamics:.*\n/, ''));
    const r = runTrial(s, { g: 5, seed: 3 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/needs dynamics/);
  });
});

describe('reconstruction-error and count-above', () => {
  it('reconstruction error of the model and of the memorizer, and the component count', () => {
    const search = `
trials: 1
space: { s: { grid: [1] } }
data: { block: tensor-completion, dims: [3, 3], rank: 1, observed: 9 }
model: { block: cp-factorization, dims: [3, 3], rank: 2, scale: s }
metrics:
  err: { block: reconstruction-error }
  mem: { block: reconstruction-error, of: memorizer }
  big: { block: count-above, layer: components, fraction: 0 }
property: 'mem == 0'`;
    const r = runTrial(spec(search), { s: 1, seed: 2 });
    expect(r.quantities.mem).toBe(0); // every entry observed
    expect(r.quantities.err).toBeGreaterThan(0.1); // a random start is not the target
    expect(r.quantities.big).toBe(2);
    expect(r.status).toBe('pass');
  });
});

describe('the max-margin regime of deep nets (Thm 5 / C7)', () => {
  it('mean-spectral-ratio averages ‖W_i‖_σ/‖W_i‖_F over every layer (1 for rank 1, 1/√2 for I₂)', () => {
    const model = reluNet({ sizes: [2, 2, 2, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    // W1 = I₂ (ratio 1/√2), W2 = [[1, 2], [2, 4]] (rank 1: ratio 1), W3 = [3, 4] (a row: ratio 1)
    const theta = Float64Array.from([1, 0, 0, 1, 1, 2, 2, 4, 3, 4]);
    const metric = BLOCKS.metric.get('mean-spectral-ratio')!;
    const f = metric.create(metric.params.parse({}), { num: Number, int: Number, rng: new Rng(1), scope: {} }) as (s: SimState) => number;
    expect(f({ model, theta0: theta, theta })).toBeCloseTo((1 / Math.sqrt(2) + 1 + 1) / 3, 14);
  });
});

describe('the closest-zero-loss metric (Vardi & Shamir Thm 1)', () => {
  it('is 0 at the closed-form closest point and positive elsewhere', () => {
    const X = fromRows([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    const y = Float64Array.from([2, -1]);
    const model = twoLayerNet({ d: 3, width: 1, activation: leakyRelu(0.5), trainOutput: false, wScale: 0, vScale: 1, vInit: 'split', positiveFraction: 1 });
    const theta0 = Float64Array.from([0, 0, 0, 1]);
    // σ⁻¹(y) = (2, −2): closest point to 0 is (2, −1, −1)
    const metric = BLOCKS.metric.get('closest-zero-loss')!.create({ output: 'distance' }, {} as never) as (s: unknown) => number;
    const at = (w: number[]) => metric({ model, data: { X, y, stats: {} }, theta0, theta: Float64Array.from([...w, 1]) });
    expect(at([2, -1, -1])).toBeLessThan(1e-15);
    expect(at([2, -2, 0])).toBeGreaterThan(0.3); // also zero loss, but farther from w(0)
  });
});
