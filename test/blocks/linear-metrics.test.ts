// The linear-predictor metrics (src/blocks/metrics/linear.ts) on a stub linear model x ↦ ⟨w, x⟩ whose
// θ is w (layer "w"): each measures against its reference solution, says why when there is none, and
// reads the predictor only through layer "w".
import { describe, expect, it } from 'vitest';
import { ModelHasNoLayerError } from '../../src/core/errors.js';
import { BLOCKS } from '../../src/blocks/index.js';
import type { MetricProduct, SimState } from '../../src/blocks/types.js';
import type { Dataset, DataStats } from '../../src/numeric/data.js';
import { angleBetween } from '../../src/numeric/directions.js';
import { hypentropyPotential, minHypentropySolution, minL1Solution, minNormSolution, rowSpace } from '../../src/numeric/interpolants.js';
import { fromRows, type Mat } from '../../src/numeric/linalg.js';
import { linearActivation, twoLayerNet, type Model } from '../../src/numeric/models.js';
import { Rng } from '../../src/numeric/rng.js';
import { runTrial } from '../../src/search/trial.js';
import { searchFixture } from '../helpers.js';

/** x ↦ ⟨w, x⟩ with θ = w; `layers` may rename or reshape "w", or add a bias layer. */
function stubLinear(d: number, layers?: (theta: Float64Array) => Record<string, Mat>): Model {
  return {
    name: 'stub-linear',
    nParams: d,
    trainable: new Float64Array(d).fill(1),
    init: () => new Float64Array(d),
    forward(theta, X, out) {
      for (let i = 0; i < X.rows; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += X.data[i * d + k] * theta[k];
        out[i] = s;
      }
    },
    backward() {},
    layers: layers ?? ((theta) => ({ w: { rows: 1, cols: d, data: theta } })),
  };
}

const dataset = (X: Mat, y: ArrayLike<number>): Dataset => ({ X, y: Float64Array.from(y), stats: {} as DataStats });

function metric(name: string, raw: Record<string, unknown>, scope: Record<string, number> = {}): MetricProduct {
  const def = BLOCKS.metric.get(name)!;
  const num = (v: number | string) => (typeof v === 'number' ? v : scope[v]);
  return def.create(def.params.parse(raw), { num, int: num, rng: new Rng(1), scope }) as MetricProduct;
}

const state = (model: Model, data: Dataset, theta: ArrayLike<number>, theta0?: ArrayLike<number>): SimState => ({
  model,
  data,
  theta: Float64Array.from(theta),
  theta0: Float64Array.from(theta0 ?? new Float64Array(theta.length)),
});

const gaussian = (rng: Rng, n: number, d: number): Mat => ({ rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) });
const times = (X: Mat, w: ArrayLike<number>) =>
  Float64Array.from({ length: X.rows }, (_, i) => Array.from({ length: X.cols }, (_, k) => X.data[i * X.cols + k] * w[k]).reduce((a, b) => a + b, 0));
const norm = (a: ArrayLike<number>) => Math.hypot(...Array.from(a));

const rng = new Rng(8);
const X = gaussian(rng, 6, 10);
const wStar = Float64Array.from({ length: 10 }, (_, k) => (k === 2 ? 1.5 : k === 7 ? -1 : 0));
const sparse = dataset(X, times(X, wStar));
const model = stubLinear(10);
const rs = rowSpace(X, sparse.y);

describe('interpolant distances', () => {
  it('min-norm-distance: ‖w − w₂‖ and its relative form, ‖w₂‖, and the least-squares solution when Xw = y has none', () => {
    const w2 = minNormSolution(rs);
    const theta = Float64Array.from(w2, (x, k) => x + (k === 0 ? 0.25 : 0));
    const s = state(model, sparse, theta);
    const dist = Math.hypot(...Array.from(theta, (x, k) => x - w2[k]));
    expect(metric('min-norm-distance', {})(s)).toBeCloseTo(0.25, 14);
    expect(metric('min-norm-distance', { relative: true })(s)).toBeCloseTo(dist / norm(w2), 14);
    expect(metric('min-norm-distance', { output: 'norm' })(s)).toBeCloseTo(norm(w2), 14);
    expect(metric('min-norm-distance', { at: 'initial' })(s)).toBeCloseTo(norm(w2), 14);
    const m = metric('min-norm-distance', {});
    m(s);
    expect(m.roundingError!()).toBeGreaterThan(0);
    expect(m.roundingError!()).toBeLessThan(1e-12);
    // three rows in two dimensions: no interpolant, but X⁺y exists
    const over = dataset(
      fromRows([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
      [1, 1, 1],
    );
    const s2 = state(stubLinear(2), over, [2 / 3, 2 / 3]);
    expect(() => metric('min-norm-distance', {})(s2)).toThrow(
      /min-norm-distance: Xw = y has no solution: y is off the range of X by ‖y − Py‖\/‖y‖ = 3\.33e-1 \(n 3, d 2, rank 2/,
    );
    expect(metric('min-norm-distance', { least_squares: true })(s2)).toBeLessThan(1e-15);
  });

  it('min-l1-distance: 0 at the sparse w* it recovers, its ℓ1 value, and a trial error where the minimizer is not unique', () => {
    const s = state(model, sparse, wStar);
    expect(minL1Solution(rs).unique).toBe(true);
    expect(metric('min-l1-distance', {})(s)).toBeLessThan(1e-13);
    expect(metric('min-l1-distance', { output: 'l1' })(s)).toBeCloseTo(2.5, 13);
    const w2 = minNormSolution(rs);
    expect(metric('min-l1-distance', { relative: true })(state(model, sparse, w2))).toBeCloseTo(
      Math.hypot(...Array.from(w2, (x, k) => x - wStar[k])) / norm(wStar),
      12,
    );
    // x₁ + x₂ = 1: every point of the segment between (1, 0) and (0, 1) has ‖w‖₁ = 1
    const tie = dataset(fromRows([[1, 1]]), [1]);
    const st = state(stubLinear(2), tie, [0.5, 0.5]);
    expect(() => metric('min-l1-distance', {})(st)).toThrow(/min-l1-distance: the minimum-ℓ1 interpolant is not unique .* output "l1" gives the minimum value/);
    expect(metric('min-l1-distance', { output: 'l1' })(st)).toBeCloseTo(1, 12);
  });

  it('min-hypentropy-distance and hypentropy-potential: distance to w_α, Q_α(w_α), and Q_α of the predictor, with α a trial expression', () => {
    const sol = minHypentropySolution(rs, 0.05);
    const s = state(model, sparse, sol.w);
    expect(metric('min-hypentropy-distance', { alpha: 'a' }, { a: 0.05 })(s)).toBeLessThan(1e-12);
    expect(metric('min-hypentropy-distance', { alpha: 0.05, output: 'potential' })(s)).toBeCloseTo(sol.potential, 12);
    expect(metric('hypentropy-potential', { alpha: 'a' }, { a: 0.05 })(s)).toBeCloseTo(sol.potential, 12);
    // the minimum over interpolants: w* interpolates too, and has a larger Q_α
    expect(metric('hypentropy-potential', { alpha: 0.05 })(state(model, sparse, wStar))).toBeCloseTo(hypentropyPotential(wStar, 0.05), 12);
    expect(hypentropyPotential(wStar, 0.05)).toBeGreaterThan(sol.potential);
    expect(metric('min-hypentropy-distance', { alpha: 0.05 })(state(model, sparse, wStar))).toBeCloseTo(
      Math.hypot(...Array.from(wStar, (x, k) => x - sol.w[k])),
      12,
    );
  });
});

describe('in a trial: gradient flow on a diagonal network reaches w_α (Woodworth et al. 2020, Thm 1)', () => {
  it('min-hypentropy-distance ≈ 0 at α = 0.05 and 0.3, between the min-ℓ1 (small α) and min-ℓ2 (large α) interpolants', () => {
    const spec = searchFixture(`
trials: 1
space: { alpha: { grid: [0.05, 0.3] } }
data: { block: sparse-regression, n: 3, d: 6, k: 2 }
model: { block: diagonal-linear, d: 6, alpha: alpha }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 2000, rtol: 1e-11, atol: 1e-15, max_steps: 200000, stop_loss: 1e-22 }
metrics:
  dq: { block: min-hypentropy-distance, alpha: alpha, relative: true }
  d2: { block: min-norm-distance, relative: true }
  d1: { block: min-l1-distance, relative: true }
property: 'dq <= 1e-9'`);
    const [small, large] = [0.05, 0.3].map((alpha) => runTrial(spec, { alpha, seed: 1 }));
    // measured: dq ≈ 7e-12 and 6e-12, after the flow reached loss ≈ 1e-22
    for (const r of [small, large]) expect(r.status, r.message).toBe('pass');
    expect(large.quantities.d2).toBeLessThan(small.quantities.d2);
    expect(large.quantities.d1).toBeGreaterThan(small.quantities.d1);
  });
});

describe('max-margin direction', () => {
  const Xc = fromRows([
    [2, 1],
    [1, 3],
    [-1, -1],
    [-2, 0.5],
  ]);
  const yc = [1, 1, -1, -1];
  const data = dataset(Xc, yc);
  const m2 = stubLinear(2);

  it('svm-distance, svm-angle and svm-margin: 0, 0 and 1 along ŵ (any length), the angle between w and ŵ otherwise', () => {
    // by hand: z_i = y_i x_i; ŵ = (3/5, 2/5) has ⟨ŵ, z⟩ = 1 on z₃ = (1, 1) and z₄ = (2, −½), 1.6 and 1.8 on the others,
    // and ŵ = 0.44·z₃ + 0.08·z₄ with multipliers ≥ 0 (KKT); γ̂ = 1/‖ŵ‖ = 1/√0.52
    const s = state(m2, data, [1, 0]);
    const along = state(m2, data, [3, 2]);
    expect(metric('svm-angle', {})(along)).toBeLessThan(1e-13);
    expect(metric('svm-distance', {})(along)).toBeLessThan(1e-13);
    expect(metric('svm-margin', { output: 'ratio' })(along)).toBeCloseTo(1, 13);
    const gamma = metric('svm-margin', {})(s);
    expect(gamma).toBeCloseTo(1 / Math.sqrt(0.52), 13);
    expect(metric('svm-margin', { output: 'model' })(along)).toBeCloseTo(gamma, 13);
    expect(metric('svm-angle', {})(s)).toBeCloseTo(Math.atan2(2, 3), 13);
    // no unit vector separates with a larger margin: a fine sweep of directions
    let best = -Infinity;
    for (let t = 0; t < 20000; t++) {
      const u = [Math.cos((2 * Math.PI * t) / 20000), Math.sin((2 * Math.PI * t) / 20000)];
      best = Math.max(best, Math.min(...yc.map((yi, i) => yi * (u[0] * Xc.data[2 * i] + u[1] * Xc.data[2 * i + 1]))));
    }
    expect(gamma).toBeGreaterThanOrEqual(best - 1e-12);
    expect(gamma - best).toBeLessThan(1e-3);
    const theta = metric('svm-angle', {})(s);
    expect(metric('svm-angle', { measure: 'one-minus-cos' })(s)).toBeCloseTo(1 - Math.cos(theta), 12);
    expect(metric('svm-distance', {})(s)).toBeCloseTo(2 * Math.sin(theta / 2), 12);
  });

  it('scale-free from 1e-300 to 1e300 (data and w): γ̂ and the model margin times the data scale, ratio, angle and distance unchanged; NaN with the reason where γ̂ leaves float64', () => {
    const gamma = 1 / Math.sqrt(0.52);
    for (const c of [1e-300, 1e-160, 1e-60, 1e60, 1e160, 1e300])
      for (const a of [1e-300, 1, 1e300]) {
        const scaled = dataset({ ...Xc, data: Xc.data.map((x) => x * c) }, yc);
        const s = state(m2, scaled, [a, 0]);
        const along = state(m2, scaled, [3 * a, 2 * a]);
        expect(metric('svm-margin', {})(s) / c).toBeCloseTo(gamma, 12);
        expect(metric('svm-margin', { output: 'model' })(along) / c).toBeCloseTo(gamma, 12);
        expect(metric('svm-margin', { output: 'ratio' })(along)).toBeCloseTo(1, 12);
        expect(metric('svm-angle', {})(s)).toBeCloseTo(Math.atan2(2, 3), 12);
        expect(metric('svm-distance', {})(along)).toBeLessThan(1e-12);
      }
    // one row (1.5e308, 1.5e308): γ̂ = √2·1.5e308 overflows
    const huge = dataset(fromRows([[1.5e308, 1.5e308]]), [1]);
    const f = metric('svm-margin', {});
    expect(f(state(m2, huge, [1, 0]))).toBeNaN();
    expect(f.nanReason?.()).toMatch(/^svm-margin: the SVM margin γ̂ is .*·2\^1024, outside float64's range \(it overflows to ±∞\)$/);
  });

  it('NaN with the reason on non-separable data; an error for labels other than ±1 and for w = 0', () => {
    const bad = dataset(Xc, [1, 1, 1, 1]);
    for (const name of ['svm-angle', 'svm-distance', 'svm-margin']) {
      const f = metric(name, {});
      expect(f(state(m2, bad, [1, 0]))).toBeNaN();
      expect(f.nanReason?.()).toBe(
        `${name}: the data are not linearly separable through the origin to the LP’s resolution (an LP in HiGHS on the rows scaled to unit length found no w with y_i⟨w, x_i⟩ > 0 for every row; a normalized margin below ~1e-9, HiGHS’s tolerance, cannot be told from none), so there is no max-margin direction`,
      );
      expect(f(state(m2, data, [1, 0]))).not.toBeNaN();
      expect(f.nanReason?.()).toBeUndefined();
    }
    expect(() => metric('svm-distance', {})(state(m2, dataset(Xc, [1, 1, -1, 0]), [1, 0]))).toThrow('svm-distance: the labels must be ±1 (row 4 has 0)');
    expect(() => metric('svm-angle', {})(state(m2, data, [0, 0]))).toThrow('the predictor w is zero, so it has no direction');
    expect(() => metric('svm-margin', { output: 'model' })(state(m2, data, [0, 0]))).toThrow('svm-margin: the predictor w is zero');
  });
});

describe('angle and norm', () => {
  it('angle: w at initial vs final by default; rows, columns and top singular vectors (as lines) of any layer', () => {
    const s = state(
      model,
      sparse,
      wStar,
      Float64Array.from({ length: 10 }, (_, k) => (k === 2 ? 1 : 0)),
    );
    expect(metric('angle', {})(s)).toBeCloseTo(angleBetween(wStar, s.theta0), 14);
    expect(metric('angle', { measure: 'cos' })(s)).toBeCloseTo(1.5 / norm(wStar), 14);
    const net = twoLayerNet({ d: 3, width: 2, activation: linearActivation, trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' });
    // W = [[1, 0, 0], [1, 1, 0]] (rows w_j), v = (1, 2)
    const theta = Float64Array.from([1, 0, 0, 1, 1, 0, 1, 2]);
    const sn: SimState = { model: net, theta, theta0: theta };
    expect(metric('angle', { a: { layer: 'W', take: 'row', index: 0 }, b: { layer: 'W', take: 'row', index: 1 } })(sn)).toBeCloseTo(Math.PI / 4, 14);
    expect(metric('angle', { a: { layer: 'W', take: 'column', index: 0 }, b: { layer: 'v' } })(sn)).toBeCloseTo(Math.acos(3 / Math.sqrt(10)), 14);
    // W's top right singular vector ∝ (1 + √5, 2, 0) up to sign: as lines, the same whatever sign either has
    const top = [1 + Math.sqrt(5), 2, 0];
    const ref = angleBetween(top, [1, 0, 0], true);
    expect(metric('angle', { a: { layer: 'W', take: 'top-right-singular' }, b: { layer: 'W', take: 'row', index: 0 } })(sn)).toBeCloseTo(ref, 12);
    // and the top left singular vector ∝ (2, 1 + √5) against column 1, (0, 1)
    const left = angleBetween([2, 1 + Math.sqrt(5)], [0, 1], true);
    expect(
      metric('angle', { a: { layer: 'W', take: 'top-left-singular' }, b: { layer: 'W', take: 'column', index: 1 }, measure: 'one-minus-cos' })(sn),
    ).toBeCloseTo(1 - Math.cos(left), 12);
    expect(() => metric('angle', { a: { layer: 'W', take: 'row', index: 2 }, b: { layer: 'W' } })(sn)).toThrow(
      'angle: layer "W" at final (row 2): the layer is 2×3, it has no row 2',
    );
    expect(() => metric('angle', { a: { layer: 'W' }, b: { layer: 'v' } })(sn)).toThrow('has 6 entries but layer "v" at final has 2');
  });

  it('norm: entrywise ℓ1, ℓ2, ℓ∞ and ℓp of layer w (or another layer)', () => {
    const s = state(model, sparse, wStar);
    expect(metric('norm', { p: 1 })(s)).toBeCloseTo(2.5, 15);
    expect(metric('norm', {})(s)).toBeCloseTo(Math.hypot(1.5, 1), 15);
    expect(metric('norm', { p: 'inf' })(s)).toBe(1.5);
    expect(metric('norm', { p: 3 })(s)).toBeCloseTo((1.5 ** 3 + 1) ** (1 / 3), 15);
    expect(
      metric('norm', { p: 2 })(
        state(
          model,
          sparse,
          Float64Array.from({ length: 10 }, () => 1e200),
        ),
      ),
    ).toBeCloseTo(Math.sqrt(10) * 1e200, -185);
    expect(() => metric('norm', { layer: 'W' })(s)).toThrow(ModelHasNoLayerError);
  });
});

describe('the predictor is layer "w", 1×d, without a bias, of the data’s width', () => {
  const NAMES = [
    'min-norm-distance',
    'min-l1-distance',
    'min-hypentropy-distance',
    'hypentropy-potential',
    'svm-distance',
    'svm-angle',
    'svm-margin',
    'angle',
    'norm',
  ];
  const raw = (name: string) => (name.includes('hypentropy') ? { alpha: 1 } : {});

  it('every linear metric asks a model without "w" through layerOf: ModelHasNoLayerError naming its layers', () => {
    const net = twoLayerNet({ d: 10, width: 1, activation: linearActivation, trainOutput: false, wScale: 1, vScale: 1, vInit: 'gaussian' });
    const theta = new Float64Array(net.nParams).fill(0.5);
    for (const name of NAMES) {
      const run = () => metric(name, raw(name))({ model: net, data: sparse, theta, theta0: theta });
      expect(run, name).toThrow(ModelHasNoLayerError);
      expect(run, name).toThrow('model "two-layer" has no layer "w"; layers: W, v');
    }
  });

  it('refuses a w that is not one row, a w of another width than the data, and a model with a bias', () => {
    const two = stubLinear(10, (t) => ({ w: { rows: 2, cols: 5, data: t } }));
    expect(() => metric('min-norm-distance', {})(state(two, sparse, wStar))).toThrow(
      'min-norm-distance: layer "w" of model "stub-linear" is 2×5, not a 1×d linear predictor',
    );
    const narrow = stubLinear(3);
    expect(() => metric('svm-angle', {})(state(narrow, sparse, [1, 2, 3]))).toThrow('svm-angle: the predictor w has 3 entries but the data have 10 columns');
    const biased = stubLinear(10, (t) => ({ w: { rows: 1, cols: 10, data: t }, b: { rows: 1, cols: 1, data: Float64Array.from([0.1]) } }));
    expect(() => metric('min-l1-distance', {})(state(biased, sparse, wStar))).toThrow('min-l1-distance: model "stub-linear" has a bias (layer "b")');
  });

  it('refuses an α outside [1e-100, 1e100], where α² or w/α² would leave float64', () => {
    expect(() => metric('hypentropy-potential', { alpha: 'a' }, { a: 1e-120 })).toThrow('hypentropy-potential: alpha = 1e-120 is outside [1e-100, 1e+100]');
    expect(() => metric('min-hypentropy-distance', { alpha: 0 })).toThrow('min-hypentropy-distance: alpha = 0 is outside');
  });
});
