// Rounding detectors of path-extreme (src/blocks/metrics/paths.ts, src/blocks/path.ts): decisions below
// rounding error, a determinant that changes sign inside its resolution band, and the watch report.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathExtreme } from '../../src/blocks/metrics/paths.js';
import { FLOAT64_UNIT, PATH_SYMBOLS, pathSymbols, precisePathSymbols, roundingPerturbations } from '../../src/blocks/path.js';
import type { MetricProduct, SimState } from '../../src/blocks/types.js';
import { ddVecFrom } from '../../src/numeric/dd-model.js';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import type { Dataset } from '../../src/numeric/data.js';
import type { Objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

// depth 1: θ is W itself (2×2, row-major), so a path is a list of matrices
const model = deepLinearNet({ rows: 2, cols: 2, depth: 1, width: 2, init: 'gaussian', scale: 1, detSign: 'any' });
const lossOf = (t: Float64Array) => 1 / (1 + Math.abs(t[0]));
const objectiveStub = { nParams: 4, value: lossOf, valueAndGrad: () => 0 } as unknown as Objective;

function watch(params: Record<string, unknown>, path: number[][], stepErrors?: number[]): { value: number; metric: MetricProduct } {
  const p = pathExtreme.params.parse({ layer: 'W', ...params });
  const metric = pathExtreme.create(p, { num: Number, int: Number, rng: new Rng(1), scope: {} });
  const observe = metric.watch!({ objective: objectiveStub, model, data: {} as Dataset });
  path.forEach((w, k) => observe(Float64Array.from(w), undefined, stepErrors?.[k]));
  return { value: metric({} as SimState), metric };
}

/** W = [[a, 1], [1, b]] with det W = ab − 1 */
const withDet = (det: number, a = 2) => [a, 1, 1, (det + 1) / a];

describe('det W changing sign inside its resolution band (reported; a failure after it must survive both re-runs: test/search/precision.test.ts)', () => {
  it('a determinant that decays into float64’s rounding band and leaves it with the other sign is reported with the step it entered the band', () => {
    const path = [1e-3, 1e-9, 1e-13, 1e-15, 1e-17, -1e-16, -1e-3, -0.5].map((d) => withDet(d));
    const { metric } = watch({ of: 'det' }, path);
    expect(metric.watchReport!().signFlip?.why).toMatch(/changed sign inside its resolution band/);
  });

  it('a genuine crossing that jumps over the band is not', () => {
    const path = [0.3, 0.1, 1e-3, -1e-3, -0.1].map((d) => withDet(d));
    const { metric } = watch({ of: 'det' }, path);
    expect(metric.watchReport!().signFlip).toBeUndefined();
  });

  it('a determinant that decays into the band and stays (a rank-deficient limit) is not', () => {
    const path = [1e-3, 1e-9, 1e-15, 1e-17, 1e-18, -1e-18].map((d) => withDet(d));
    const { metric } = watch({ of: 'det' }, path);
    expect(metric.watchReport!().signFlip).toBeUndefined();
  });

  it('the step’s own error widens the band: a flip from 10⁻¹⁰ is unresolved when the step moved θ by 10⁻⁸', () => {
    const path = [1e-3, 1e-6, 1e-10, -1e-10, -1e-3].map((d) => withDet(d));
    const resolved = watch({ of: 'det' }, path, [0, 1e-14, 1e-14, 1e-14, 1e-14]).metric.watchReport!();
    const unresolved = watch({ of: 'det' }, path, [0, 1e-8, 1e-8, 1e-8, 1e-8]).metric.watchReport!();
    expect(resolved.signFlip).toBeUndefined();
    expect(unresolved.signFlip?.why).toMatch(/step's own error/);
  });

  it('only a value taken after the flip is reported: a min reached before it stands', () => {
    const path = [withDet(1e-3), withDet(1e-15), withDet(-1e-16), withDet(-0.5, 100)];
    const { value, metric } = watch({ of: 'e11' }, path);
    expect(value).toBe(2);
    expect(metric.watchReport!().signFlip).toBeUndefined();
    const after = watch({ of: '-e11' }, path);
    expect(after.metric.watchReport!().signFlip).toBeDefined();
  });
});

describe('decisions below rounding error', () => {
  it('an until that compares det with a threshold inside float64’s rounding band is imprecise; one far above it is not, even at a step right at the threshold', () => {
    const path = [0.5, 1e-6, 1e-12, 1e-15, 1e-20].map((d) => withDet(d));
    expect(watch({ of: 'e11', until: 'det <= 1e-20 * fro^2' }, path).metric.watchReport!().imprecise?.why).toMatch(/below the rounding error/);
    expect(watch({ of: 'e11', until: 'det <= 1e-8 * fro^2' }, path).metric.watchReport!().imprecise).toBeUndefined();
    // det = 1e-12·‖W‖² to within 10⁻¹⁵ relative: a knife edge, but det itself is resolved
    const fro2 = 4 + 1 + 1 + 0.25;
    const edge = [0.5, 1e-12 * fro2, 1e-13].map((d) => withDet(d));
    expect(watch({ of: 'e11', until: 'det <= 1e-12 * fro^2' }, edge).metric.watchReport!().imprecise).toBeUndefined();
  });

  it('perturbations move det by 100u·‖W‖^n, the lower singular values by 100u·s1, and the loss by (100u)²·max(1, ‖W‖²)', () => {
    const sym = { det: 1e-20, fro: 2, s1: 2, s2: 0, loss: 0 };
    const { fillVariants, unresolved } = roundingPerturbations(sym, FLOAT64_UNIT);
    const up: Record<string, number> = {},
      down: Record<string, number> = {};
    fillVariants(Object.keys(sym), up, down);
    expect([...unresolved].sort()).toEqual(['det', 'loss', 's2']);
    expect(roundingPerturbations({ ...sym, det: 1e-12, s2: 1e-6, loss: 0.1 }, FLOAT64_UNIT).unresolved.size).toBe(0);
    expect(up.det - sym.det).toBeCloseTo(100 * FLOAT64_UNIT * 4, 30);
    expect(down.s2).toBe(0);
    expect(up.s2).toBeCloseTo(100 * FLOAT64_UNIT * 2, 30);
    expect(up.loss).toBeCloseTo((100 * FLOAT64_UNIT) ** 2 * 4, 40);
  });

  it('fillVariants writes, for the names asked, the symbols shifted by their rounding bands (bit for bit), and nothing else', () => {
    /** The two variants of every symbol: det ± 100u·fro^n (n×n), s_i ± 100u·s1 (i ≥ 2, not below 0), loss ± (100u)²·max(1, fro²) (not below 0). */
    const shifted = (sym: Record<string, number>) => {
      const k = 100 * FLOAT64_UNIT,
        n = [1, 2, 3, 4].filter((i) => Number.isFinite(sym[`s${i}`])).length;
      const band: Record<string, number> = { loss: k * k * Math.max(1, sym.fro * sym.fro) };
      if (Number.isFinite(sym.det)) band.det = k * sym.fro ** n;
      for (let i = 2; i <= n; i++) band[`s${i}`] = k * sym.s1;
      const up = { ...sym },
        down = { ...sym };
      for (const [name, d] of Object.entries(band)) {
        up[name] = sym[name] + d;
        down[name] = name === 'det' ? sym[name] - d : Math.max(0, sym[name] - d);
      }
      return [up, down];
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 16, maxLength: 16 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.subarray(PATH_SYMBOLS),
        (rows, cols, entries, loss, names) => {
          const data = Float64Array.from(entries.slice(0, rows * cols));
          const sym = pathSymbols({ rows, cols, data }, loss, 3);
          const [up, down] = shifted(sym);
          const upScope: Record<string, number> = { k: 1 },
            downScope: Record<string, number> = { k: 1 };
          roundingPerturbations(sym, FLOAT64_UNIT).fillVariants([...names, 'k'], upScope, downScope);
          const pick = (v: Record<string, number>) => Object.fromEntries([...names, 'k'].filter((n) => n in v).map((n) => [n, v[n]]));
          expect(upScope).toStrictEqual({ k: 1, ...pick(up) });
          expect(downScope).toStrictEqual({ k: 1, ...pick(down) });
        },
      ),
      fcRuns(200),
    );
  });

  it('names entry (i, j) of a layer e_ij and its singular values s1 ≥ s2 ≥ …, every name a path symbol', () => {
    for (const [rows, cols] of [
      [9, 9],
      [3, 7],
      [10, 2],
    ]) {
      const data = Float64Array.from({ length: rows * cols }, (_, k) => k + 0.5);
      const sym = pathSymbols({ rows, cols, data }, 0.25, 3);
      for (let i = 1; i <= Math.min(rows, 9); i++) for (let j = 1; j <= Math.min(cols, 9); j++) expect(sym[`e${i}${j}`]).toBe(data[(i - 1) * cols + j - 1]);
      const sv = Array.from({ length: 9 }, (_, i) => sym[`s${i + 1}`]).filter((x) => x !== undefined);
      expect(sv.length).toBe(Math.min(rows, cols));
      expect(sym.spec).toBe(sv[0]);
      expect(Object.keys(sym).filter((n) => !PATH_SYMBOLS.includes(n))).toEqual([]);
      expect(Object.keys(sym).length).toBe(7 + sv.length + Math.min(rows, 9) * Math.min(cols, 9));
    }
    expect(new Set(PATH_SYMBOLS).size).toBe(PATH_SYMBOLS.length);
  });

  it('path symbols formed in double-double keep det and the smallest singular value of a nearly singular layer', () => {
    const e = 2 ** -60;
    const m = { rows: 2, cols: 2, ...ddVecFrom([1, 1, 1, 1]) };
    m.lo[3] = e; // W = [[1, 1], [1, 1 + 2⁻⁶⁰]]: det = 2⁻⁶⁰, not representable in float64
    const sym = precisePathSymbols(m, 0.1, 3);
    expect(sym.det).toBe(e);
    expect(sym.s2).toBeCloseTo(e / sym.s1, 30);
  });
});

describe('the watch report', () => {
  it('says how many steps were watched before until held, where it stopped, and whether watched_to_loss was reached', () => {
    const path = [0.5, 0.2, 1e-3, 1e-9, 1e-11].map((d, k) => withDet(d, 1 + k));
    const { metric } = watch({ of: 'e11', until: 'det <= 1e-6 * fro^2', watched_to_loss: 0.1 }, path);
    const w = metric.watchReport!();
    expect([w.steps, w.watched, w.stoppedAt?.step]).toEqual([5, 3, 3]);
    expect(w.stoppedAt!.loss).toBeCloseTo(lossOf(Float64Array.from(path[3])), 12);
    expect(w.imprecise?.why).toMatch(/watched_to_loss/);
  });
});
