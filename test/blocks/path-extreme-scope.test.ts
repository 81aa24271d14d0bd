// path-extreme copies into its scopes only the names its expressions read (src/blocks/metrics/paths.ts), and
// into the rounding variants only those (roundingPerturbations' fillVariants): against a watch that hands every
// expression the whole scope, { ...trial, ...symbols } and { ...trial, ...variant }, as the metric did before.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathExtreme } from '../../src/blocks/metrics/paths.js';
import { FLOAT64_UNIT, pathSymbols, roundingPerturbations } from '../../src/blocks/path.js';
import type { SimState } from '../../src/blocks/types.js';
import { compileExpr } from '../../src/core/expr.js';
import type { Dataset } from '../../src/numeric/data.js';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import type { Objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

// depth 1: θ is W itself (2×2, row-major)
const model = deepLinearNet({ rows: 2, cols: 2, depth: 1, width: 2, init: 'gaussian', scale: 1, detSign: 'any' });
const lossOf = (t: ArrayLike<number>) => 1 / (1 + Math.abs(t[0]));
const objectiveStub = { nParams: 4, value: lossOf, valueAndGrad: () => 0 } as unknown as Objective;

interface Watch {
  of: string;
  when?: string;
  until?: string;
  extreme: 'min' | 'max';
  output: 'value' | 'count';
}

/** What the metric gives: value, rounding error, where an undecided decision made it imprecise, where the watch stopped. */
function metricWatch(w: Watch, trial: Record<string, number>, path: number[][]) {
  const p = pathExtreme.params.parse({ layer: 'W', ...w, default: -99 });
  const metric = pathExtreme.create(p, { num: Number, int: Number, rng: new Rng(1), scope: trial });
  const observe = metric.watch!({ objective: objectiveStub, model, data: {} as Dataset });
  path.forEach((t) => observe(Float64Array.from(t), undefined, undefined));
  const report = metric.watchReport!();
  return { value: metric({} as SimState), error: metric.roundingError!(), imprecise: report.imprecise?.step, stopped: report.stoppedAt?.step };
}

/** The same watch with every symbol and variant in every scope. */
function fullScopeWatch(w: Watch, trial: Record<string, number>, path: number[][]) {
  const of = compileExpr(w.of),
    when = w.when ? compileExpr(w.when) : undefined,
    until = w.until ? compileExpr(w.until) : undefined;
  let best = w.extreme === 'min' ? Infinity : -Infinity,
    error = 0,
    count = 0,
    stopped: number | undefined,
    imprecise: number | undefined,
    whenUnsure: { step: number; value: number } | undefined;
  const better = (v: number) => (w.extreme === 'min' ? v < best : v > best);
  path.forEach((t, step) => {
    if (stopped !== undefined) return;
    const sym = pathSymbols({ rows: 2, cols: 2, data: Float64Array.from(t) }, lossOf(t), step);
    const rounding = roundingPerturbations(sym, FLOAT64_UNIT);
    const scope = { ...trial, ...sym },
      variants = [{ ...trial }, { ...trial }];
    rounding.fillVariants(Object.keys(sym), variants[0], variants[1]);
    const decide = (e: typeof when) => (e ? e.value(scope) !== 0 : undefined);
    const uncertain = (e: typeof when, nominal: boolean | undefined) =>
      e !== undefined && [...e.symbols].some((x) => rounding.unresolved.has(x)) && variants.some((v) => (e.value(v) !== 0) !== nominal);
    const stop = decide(until);
    if (imprecise === undefined && uncertain(until, stop)) imprecise = step;
    if (!stop && uncertain(when, decide(when)) && (w.output === 'count' || better(of.value(scope)))) whenUnsure = { step, value: of.value(scope) };
    if (stop) return void (stopped = step);
    if (!(decide(when) ?? true)) return;
    count++;
    const v = of.value(scope);
    if (better(v)) {
      best = v;
      error = Math.max(...variants.map((s) => Math.abs(of.value(s) - v)));
    }
  });
  const unsure =
    whenUnsure && (w.output === 'count' || (w.extreme === 'min' ? whenUnsure.value <= best : whenUnsure.value >= best)) ? whenUnsure.step : undefined;
  return {
    value: w.output === 'count' ? count : count === 0 ? -99 : best,
    error: w.output === 'count' ? 0 : error,
    imprecise: imprecise ?? unsure,
    stopped,
  };
}

/** W = [[a, 1], [1, b]] with det W = ab − 1 (exactly where the rounding allows) */
const withDet = (det: number, a: number) => [a, 1, 1, (det + 1) / a];

const step = fc.oneof(
  fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
  // det near or inside float64's band, and a large W_11 (loss below 10⁻³)
  fc
    .tuple(fc.constantFrom(0.5, 1e-3, 1e-9, 1e-14, 1e-16, 1e-18, -1e-17, -1e-15, -1e-3, 0), fc.constantFrom(0.5, 2, 3, 1500, -4000))
    .map(([d, a]) => withDet(d, a)),
);

const watches = fc.record({
  of: fc.constantFrom('s2', 'det', 'e11 + a * e21', 'loss', 'fro - nuc', 'step * b', 'erank', 's1 * e22'),
  when: fc.option(fc.constantFrom('det > 0', 's2 > 1e-12 * s1', 'e12 > b', 'loss > 1e-2', 'step > 1'), { nil: undefined }),
  until: fc.option(fc.constantFrom('loss < 1e-3', 'det <= 1e-15 * fro^2', 'abs(det) < 1e-20', 's2 < 1e-14 * a'), { nil: undefined }),
  extreme: fc.constantFrom<'min' | 'max'>('min', 'max'),
  output: fc.constantFrom<'value' | 'count'>('value', 'count'),
});

describe('path-extreme copies only the names its expressions read', () => {
  it('gives the value, count, rounding error, imprecise step and stop of a watch that sees the whole scope, bit for bit', () => {
    let imprecise = 0,
      stopped = 0,
      unsure = 0;
    fc.assert(
      fc.property(watches, fc.array(step, { minLength: 1, maxLength: 8 }), fc.double({ min: -2, max: 2, noNaN: true }), (w, path, a) => {
        const trial = { a, b: 0.25, loss: 7 };
        const got = metricWatch(w, trial, path),
          want = fullScopeWatch(w, trial, path);
        expect(Object.is(got.value, want.value)).toBe(true);
        expect(Object.is(got.error, want.error)).toBe(true);
        expect([got.imprecise, got.stopped]).toEqual([want.imprecise, want.stopped]);
        if (want.imprecise !== undefined) imprecise++;
        if (want.stopped !== undefined) stopped++;
        if (want.error > 0) unsure++;
      }),
      fcRuns(500),
    );
    // the decisions below rounding error, the stops and the variants' errors did occur
    expect(imprecise).toBeGreaterThan(10);
    expect(stopped).toBeGreaterThan(10);
    expect(unsure).toBeGreaterThan(10);
  });
});
