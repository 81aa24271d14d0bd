// Numerics added for Razin & Cohen 2020: deep linear factorizations, matrix-completion data, 2×2
// singular values, effective rank and Schatten norms, path-watching metrics, trajectory plots and
// the --full scale of a search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../src/claims/load.js';
import { searchAtScale, type SearchSpec } from '../src/claims/schema.js';
import { completionData } from '../src/numeric/data.js';
import { deepLinearNet, layerShapes } from '../src/numeric/deeplinear.js';
import { determinant } from '../src/numeric/linalg.js';
import { cpFactorization, randomLowRankTensor } from '../src/numeric/tensor.js';
import { effectiveRankOf, frobeniusNorm, gramCols, gramRows, mat, schattenOf, singularValues, singularValues2x2, subtract } from '../src/numeric/linalg.js';
import { LOSSES } from '../src/numeric/losses.js';
import { objective } from '../src/numeric/objective.js';
import { Rng } from '../src/numeric/rng.js';
import { inlineRunner } from '../src/search/pool.js';
import { runTrajectory } from '../src/search/trajectory.js';
import { runTrial } from '../src/search/trial.js';
import { expectGradientMatchesFD, fcRuns } from './helpers.js';

function claimText(search: string, extra = ''): string {
  return `id: t.fixture\ntitle: fixture\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: holds\nsearch:\n${search.replace(/^/gm, '  ')}\n${extra}`;
}
function spec(search: string): SearchSpec {
  const r = loadClaimText('fixture.yaml', claimText(search), 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.claim.search!;
}

/** Random completion data: `k` distinct observed entries of a rows×cols matrix with N(0,1) values. */
function completion(rng: Rng, rows: number, cols: number, k: number) {
  const idx = Array.from({ length: rows * cols }, (_, i) => i).sort(() => rng.uniform() - 0.5).slice(0, k);
  const X = mat(k, rows * cols);
  idx.forEach((at, r) => (X.data[r * rows * cols + at] = 1));
  return { X, y: Float64Array.from(idx.map(() => rng.normal())) };
}

describe('deep linear factorization', () => {
  it('has gradients that match central finite differences for any depth and shape (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (L, rows, cols, width, seed) => {
        const rng = new Rng(seed);
        const model = deepLinearNet({ rows, cols, depth: L, width, init: 'gaussian', scale: 0.8, detSign: 'any' });
        const { X, y } = completion(rng, rows, cols, Math.max(1, Math.floor((rows * cols) / 2)));
        const obj = objective(model, LOSSES.square, X, y, 'sum');
        const theta = model.init(rng.fork('init'));
        expectGradientMatchesFD(obj, theta, 1e-6);
      }),
      fcRuns(60),
    );
  });

  it('predicts ⟨A_k, W_L⋯W_1⟩ and names its layers W1…WL and the product W', () => {
    const model = deepLinearNet({ rows: 2, cols: 3, depth: 3, width: 2, init: 'gaussian', scale: 1, detSign: 'any' });
    expect(layerShapes({ rows: 2, cols: 3, depth: 3, width: 2 })).toEqual([[2, 3], [2, 2], [2, 2]]);
    const theta = model.init(new Rng(5));
    const Ls = model.layers(theta);
    expect(Object.keys(Ls)).toEqual(['W1', 'W2', 'W3', 'W']);
    const mm = (a: { rows: number; cols: number; data: ArrayLike<number> }, b: typeof a) => {
      const out = mat(a.rows, b.cols);
      for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) for (let k = 0; k < a.cols; k++) out.data[i * b.cols + j] += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      return out;
    };
    const P = mm(Ls.W3, mm(Ls.W2, Ls.W1));
    for (let k = 0; k < 6; k++) expect(Ls.W.data[k]).toBeCloseTo(P.data[k], 14);
    const X = mat(1, 6);
    X.data[4] = 1; // entry (2, 2)
    const out = new Float64Array(1);
    model.forward(theta, X, out);
    expect(out[0]).toBeCloseTo(P.data[4], 14);
  });

  it('balanced start: W_{j+1}ᵀW_{j+1} = W_jW_jᵀ, the product has the asked determinant sign, for every depth', () => {
    for (const L of [1, 2, 3, 4, 5])
      for (const detSign of ['positive', 'negative'] as const)
        for (let seed = 1; seed <= 5; seed++) {
          const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'balanced', scale: 0.1, detSign });
          const Ls = model.layers(model.init(new Rng(seed)));
          for (let j = 1; j < L; j++) expect(frobeniusNorm(subtract(gramCols(Ls[`W${j + 1}`]), gramRows(Ls[`W${j}`])))).toBeLessThan(1e-14);
          expect(Math.sign(determinant(Ls.W))).toBe(detSign === 'positive' ? 1 : -1);
        }
    // Gaussian (unbalanced) starts honour the sign too
    for (let seed = 1; seed <= 5; seed++) {
      const m = deepLinearNet({ rows: 2, cols: 2, depth: 3, width: 2, init: 'gaussian', scale: 0.1, detSign: 'negative' });
      expect(determinant(m.layers(m.init(new Rng(seed))).W)).toBeLessThan(0);
    }
    expect(() => deepLinearNet({ rows: 2, cols: 2, depth: 2, width: 3, init: 'balanced', scale: 1, detSign: 'any' }).init(new Rng(1))).toThrow(/width = min/);
  });

  it('determinant by elimination agrees with the 2×2 formula and a permutation example', () => {
    expect(determinant({ rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) })).toBe(-2);
    expect(determinant({ rows: 3, cols: 3, data: Float64Array.from([0, 1, 0, 1, 0, 0, 0, 0, 2]) })).toBeCloseTo(-2, 15);
  });
});

describe('spectral summaries', () => {
  it('2×2 singular values in closed form agree with the SVD (property), and keep a tiny σ₂ accurate', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), (a) => {
        const s = singularValues2x2(a);
        const F = a.reduce((t, x) => t + x * x, 0);
        expect(s[0] ** 2 + s[1] ** 2).toBeCloseTo(F, 8);
        expect(s[0] * s[1]).toBeCloseTo(Math.abs(a[0] * a[3] - a[1] * a[2]), 8);
        expect(s[0]).toBeGreaterThanOrEqual(s[1]);
      }),
      fcRuns(200),
    );
    const s = singularValues(mat(2, 2, [1e8, 1, 1, 1e-8 + 1e-8]));
    expect(s[1]).toBeCloseTo(Math.abs(1e8 * 2e-8 - 1) / s[0], 20);
  });

  it('effective rank and Schatten norms on known spectra', () => {
    expect(effectiveRankOf([3, 0])).toBe(1);
    expect(effectiveRankOf([2, 2, 2])).toBeCloseTo(3, 14);
    expect(schattenOf([3, 4], 2)).toBeCloseTo(5, 14);
    expect(schattenOf([3, 4], 1)).toBeCloseTo(7, 14);
    expect(schattenOf([1, 1], 0.5)).toBeCloseTo(4, 14);
    expect(() => schattenOf([1], 0)).toThrow(/p > 0/);
  });
});

const C3_SEARCH = `
trials: 2
space: { L: { grid: [3] }, alpha: { grid: [0.1] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: L, init: balanced, scale: alpha, det_sign: positive }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 10000, rtol: 1e-9, atol: 1e-13, max_steps: 200000, stop_loss: 1e-2 }
metrics:
  w11min: { block: path-extreme, layer: W, of: 'abs(e11)', when: 'loss < 0.5' }
  w11max: { block: path-extreme, layer: W, of: 'abs(e11)', extreme: max }
  steps_seen: { block: path-extreme, layer: W, of: '1', output: count }
  early: { block: path-extreme, layer: W, of: 'loss', until: 'loss < 0.4', output: count }
  never: { block: path-extreme, layer: W, of: 'loss', when: 'loss < 0', default: -1 }
  steps: { block: steps }
  laststep: { block: path-extreme, layer: W, of: 'step', extreme: max }
  w11: { block: layer-entry, layer: W, col: 0 }
  lossT: { block: loss }
property: 'w11min >= 0'`;

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
    const r = loadClaimText('bad.yaml', claimText(C3_SEARCH.replace("of: 'abs(e11)', extreme: max", "of: 'abs(w11x)', extreme: max")), 't');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')).toMatch(/search\.metrics\.w11max\.of.*w11x/);
  });
});

describe('trajectory plots', () => {
  it('trace each series value along its path, mark imprecise points, and evaluate the overlays', async () => {
    const text = claimText(
      C3_SEARCH,
      `trajectory:\n  layer: W\n  x: loss\n  y: 'abs(e11)'\n  series: { var: L, values: [2, 3] }\n  fixed: { alpha: 0.1 }\n  x_log: true\n  y_log: true\n  until: 'loss < 0.05'\n  curves:\n    - { name: bound, y: '1 / sqrt(2 * loss) - 2' }\n`,
    );
    const r = loadClaimText('t.yaml', text, 't');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const t = await runTrajectory(r.claim.search!, r.claim.trajectory!, inlineRunner());
    expect(t.series.map((s) => s.value)).toEqual([2, 3]);
    for (const s of t.series) {
      expect(s.points.length).toBeGreaterThan(20);
      expect(s.points[0].precise).toBe(true);
      expect(s.points.at(-1)!.precise).toBe(false);
      expect(s.points.at(-1)!.x).toBeLessThan(1e-2 * 1.0001);
    }
    expect(t.curves[0].points.every((p) => Math.abs(p.y - (1 / Math.sqrt(2 * p.x) - 2)) < 1e-12)).toBe(true);
  });

  it('trace several expressions along one run against the step (a staircase of singular values)', async () => {
    const text = claimText(C3_SEARCH, `trajectory:\n  layer: W\n  x: step\n  y: [s1, s2]\n  fixed: { alpha: 0.1, L: 2 }\n`);
    const r = loadClaimText('t.yaml', text, 't');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const t = await runTrajectory(r.claim.search!, r.claim.trajectory!, inlineRunner());
    expect(t.series.map((s) => s.label)).toEqual(['s1', 's2']);
    const [a, b] = t.series;
    expect(a.points.length).toBe(b.points.length);
    expect(a.points[0].x).toBe(0);
    // the steps are counted: strictly increasing integers, shared by both expressions
    a.points.forEach((p, i) => {
      expect(Number.isInteger(p.x)).toBe(true);
      if (i) expect(p.x).toBeGreaterThan(a.points[i - 1].x);
      expect(b.points[i].x).toBe(p.x);
      expect(p.y).toBeGreaterThanOrEqual(b.points[i].y);
    });
  });

  it('need a series for one y and no series for several', () => {
    for (const [t, re] of [
      [`trajectory:\n  layer: W\n  x: step\n  y: s1\n  fixed: { alpha: 0.1, L: 2 }\n`, /trajectory\.series: one y expression needs a series/],
      [`trajectory:\n  layer: W\n  x: step\n  y: [s1, bogus]\n  series: { var: L, values: [2] }\n  fixed: { alpha: 0.1 }\n`, /trajectory\.y\[1\]: unknown name "bogus"[\s\S]*trajectory\.series: several y expressions/],
    ] as const) {
      const r = loadClaimText('t.yaml', claimText(C3_SEARCH, t), 't');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(re);
    }
  });

  it('reject curves over a compound x and series variables outside the space', () => {
    const text = claimText(C3_SEARCH, `trajectory:\n  layer: W\n  x: '2 * loss'\n  y: 'abs(e11)'\n  series: { var: depth, values: [2] }\n  curves:\n    - { name: c, y: 'loss' }\n`);
    const r = loadClaimText('t.yaml', text, 't');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const msg = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
      expect(msg).toMatch(/trajectory\.series\.var.*"depth" is not a variable/);
      expect(msg).toMatch(/trajectory\.x.*single path symbol/);
    }
  });
});

describe('the authors’ scale (--full)', () => {
  it('merges the full section into the search, and validates it', () => {
    const s = spec(`${C3_SEARCH}\nfull:\n  trials: 40\n  space: { alpha: { grid: [0.3] } }`);
    expect(searchAtScale(s, false)).toBe(s);
    const f = searchAtScale(s, true);
    expect(f.trials).toBe(40);
    expect(f.space.alpha).toEqual({ grid: [0.3] });
    expect(f.space.L).toEqual(s.space.L);
    const bad = loadClaimText('bad.yaml', claimText(`${C3_SEARCH}\nfull:\n  space: { beta: { grid: [1] } }`), 't');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0].message).toMatch(/"beta" is not one/);
  });
});

describe('matrix-completion data', () => {
  it('rejects entries outside the matrix and entries observed twice, per trial', () => {
    const out = runTrial(spec(C3_SEARCH.replace('[2, 2, 0]]', '[3, 2, 0]]')), { L: 3, alpha: 0.1, seed: 1 });
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/outside the 2×2 matrix/);
    const twice = runTrial(spec(C3_SEARCH.replace('[2, 2, 0]]', '[2, 1, 0]]')), { L: 3, alpha: 0.1, seed: 1 });
    expect(twice.message).toMatch(/observed twice/);
  });
});

describe('CP factorization and tensor completion', () => {
  it('has gradients that match central finite differences (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (dims, R, seed) => {
        const rng = new Rng(seed);
        const model = cpFactorization({ dims, rank: R, scale: 0.9 });
        const size = dims.reduce((a, b) => a * b, 1);
        const data = completionData(rng.fork('d'), randomLowRankTensor(rng.fork('t'), dims, 1), Math.max(1, Math.ceil(size / 2)));
        const obj = objective(model, LOSSES.square, data.X, data.y, 'sum');
        const theta = model.init(rng.fork('init'));
        expectGradientMatchesFD(obj, theta, 1e-6);
      }),
      fcRuns(60),
    );
  });

  it('builds T = Σ_r a_r ⊗ b_r ⊗ c_r, normalizes random targets, and observes distinct entries', () => {
    const m = cpFactorization({ dims: [2, 3], rank: 1, scale: 1 });
    const theta = Float64Array.from([1, 2, 3, 4, 5]); // a = (1, 2), b = (3, 4, 5)
    expect(Array.from(m.layers(theta).T.data)).toEqual([3, 4, 5, 6, 8, 10]);
    expect(m.layers(theta).components.data[0]).toBeCloseTo(Math.sqrt(5) * Math.sqrt(50), 12);
    const t = randomLowRankTensor(new Rng(3), [3, 3, 3], 2);
    expect(Math.hypot(...t)).toBeCloseTo(1, 14);
    const d = completionData(new Rng(4), t, 10);
    const seen = new Set<number>();
    for (let k = 0; k < 10; k++) {
      const at = d.X.data.subarray(k * 27, (k + 1) * 27).findIndex((x) => x === 1);
      seen.add(at);
      expect(d.y[k]).toBe(t[at]);
    }
    expect(seen.size).toBe(10);
    expect(() => completionData(new Rng(4), t, 28)).toThrow(/cannot observe/);
  });

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
