// path-extreme evaluates its expressions on arrays of slots and computes the rounding shifts only of the names
// they read (src/blocks/metrics/paths.ts): against the metric as it was (fixtures/path-extreme-before.ts, scope
// objects and roundingPerturbations at every step), on random paths with ties, NaN, ±∞ and −0, step errors,
// double-double points, names of constants in the trial, unknown names, and two metrics sharing a step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathExtreme } from '../../src/blocks/metrics/paths.js';
import type { PathLog, SimState } from '../../src/blocks/types.js';
import type { Dataset } from '../../src/numeric/data.js';
import type { PrecisePoint } from '../../src/numeric/dd-model.js';
import { deepLinearNet } from '../../src/numeric/deeplinear.js';
import type { Objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { pathExtreme as pathExtremeBefore } from './fixtures/path-extreme-before.js';

const shapes = [
  [2, 2],
  [3, 3],
  [2, 3],
] as const;
const models = shapes.map(([rows, cols]) => deepLinearNet({ rows, cols, depth: 1, width: Math.max(rows, cols), init: 'gaussian', scale: 1, detSign: 'any' }));

interface Watch {
  of: string;
  when?: string;
  until?: string;
  extreme: 'min' | 'max';
  output: 'value' | 'count';
  default?: number;
  watched_to_loss?: number;
}

/** One step of a path: θ (= W, row-major), the step's error estimate, and the double-double low parts of a precise point (none: a float64 run). */
interface Step {
  theta: number[];
  stepError?: number;
  lo?: number[];
}

const outcome = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/** Both metrics of a trial on one path (in turn at every step, as a trial's observers), and what each reports. */
function run(def: typeof pathExtreme | typeof pathExtremeBefore, shape: number, watches: Watch[], trial: Record<string, number>, path: Step[]) {
  const model = models[shape],
    P = model.nParams;
  const lossOf = (t: ArrayLike<number>) => 1 / (1 + Math.abs(t[0])) - (t[P - 1] === 0 ? 0 : 1e-17 / t[P - 1]);
  // a new objective per run: the step symbols shared between metrics are cached per objective
  const objective = { nParams: P, value: lossOf, valueAndGrad: () => 0 } as unknown as Objective;
  const metrics = watches.map((w) => def.create(def.params.parse({ layer: 'W', ...w }), { num: Number, int: Number, rng: new Rng(1), scope: trial }));
  const logs: PathLog[] = watches.map(() => []);
  const observers = metrics.map((m, i) => m.watch!({ objective, model, data: {} as Dataset, log: logs[i] }));
  const [rows, cols] = shapes[shape];
  let thrown: { step: number; error: string } | undefined;
  path.forEach((s, k) => {
    if (thrown) return;
    const theta = Float64Array.from({ length: P }, (_, i) => s.theta[i % s.theta.length]);
    const point: PrecisePoint | undefined = s.lo && {
      theta: { hi: theta, lo: new Float64Array(P) },
      loss: { hi: lossOf(theta), lo: s.lo[0] * 1e-18 },
      layers: () => ({ W: { rows, cols, hi: theta.slice(), lo: Float64Array.from(theta, (_, i) => s.lo![i % s.lo!.length] * 1e-17 * theta[i]) } }),
      unit: 2 ** -104,
    };
    for (const observe of observers) {
      const r = outcome(() => observe(theta, point, s.stepError));
      if ('error' in r) return void (thrown = { step: k, error: r.error! });
    }
  });
  return {
    thrown,
    metrics: metrics.map((m, i) => ({
      value: outcome(() => m({} as SimState)),
      error: outcome(() => m.roundingError!()),
      report: m.watchReport!(),
      log: logs[i],
    })),
  };
}

const entry = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, NaN, Infinity, -Infinity, 1e-160, -1e-300, 1e200) },
);
/** W = [[a, 1], [1, b]] with det W = ab − 1 near and inside its rounding band */
const nearSingular = fc
  .tuple(fc.constantFrom(0.5, 1e-3, 1e-9, 1e-14, 1e-16, 1e-18, -1e-17, -1e-15, -1e-3, 0, -0), fc.constantFrom(0.5, 2, 3, 1500, -4000))
  .map(([d, a]) => [a, 1, 1, (d + 1) / a]);
const step: fc.Arbitrary<Step> = fc.record(
  {
    theta: fc.oneof(fc.array(entry, { minLength: 9, maxLength: 9 }), nearSingular),
    stepError: fc.option(fc.constantFrom(1e-20, 1e-12, 1e-6, 0.1, NaN), { nil: undefined }),
    lo: fc.option(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }), { nil: undefined }),
  },
  { requiredKeys: ['theta'] },
);
// a run is float64 or double-double throughout; steps repeat (ties of the extreme)
const path = fc.tuple(fc.array(step, { minLength: 1, maxLength: 10 }), fc.boolean(), fc.array(fc.nat(9), { maxLength: 4 })).map(([steps, precise, repeats]) => {
  const out = steps.map((s) => ({ ...s, lo: precise ? (s.lo ?? [0]) : undefined }));
  for (const r of repeats) out.splice(r % (out.length + 1), 0, out[r % out.length]);
  return out;
});

const expression = fc.constantFrom(
  'det / fro^2',
  'abs(e11) * sqrt(2*loss)',
  's2 / s1 / sqrt(2*loss)',
  'max(s2, erank - 1) / sqrt(2*loss)',
  'e11 + a * e21 - e',
  'loss',
  'fro - nuc',
  'step * b',
  '-det',
  's3',
  'e33 - pi',
  'zz + 1',
);
const condition = fc.constantFrom(
  'abs(det) > 1e-12 * fro^2',
  'loss < 0.6',
  'det > 0',
  's2 > 1e-12 * s1',
  'e12 > b',
  'step > 1',
  'loss >= b and det <= 0 or s1 == 1',
  's3 < 1e-14 * s1',
  'zz < 1',
);
const watch: fc.Arbitrary<Watch> = fc.record(
  {
    of: expression,
    when: fc.option(condition, { nil: undefined }),
    until: fc.option(fc.oneof(condition, fc.constantFrom('loss < log(2)', 'det <= 1e-15 * fro^2', 'abs(det) < 1e-20')), { nil: undefined }),
    extreme: fc.constantFrom<'min' | 'max'>('min', 'max'),
    output: fc.constantFrom<'value' | 'count'>('value', 'count'),
    default: fc.option(fc.constant(-99), { nil: undefined }),
    watched_to_loss: fc.option(fc.constant(0.55), { nil: undefined }),
  },
  { requiredKeys: ['of', 'extreme', 'output'] },
);
const trial = fc.record(
  { a: fc.double({ min: -2, max: 2 }), b: fc.constantFrom(0.25, -0, NaN), loss: fc.constant(7), e: fc.constant(2), pi: fc.constant(3), zz: fc.constant(-1) },
  { requiredKeys: ['a', 'b'] },
);

describe('path-extreme on slots', () => {
  it('reports what the metric with scope objects reported: values, errors, watch reports, logs and thrown errors, bit for bit', () => {
    const seen = { imprecise: 0, stopped: 0, signFlip: 0, thrown: 0, roundingError: 0, ties: 0, precise: 0 };
    fc.assert(
      fc.property(fc.nat(2), fc.array(watch, { minLength: 1, maxLength: 2 }), trial, path, (shape, watches, t, steps) => {
        const got = run(pathExtreme, shape, watches, t, steps),
          want = run(pathExtremeBefore, shape, watches, t, steps);
        expect(got).toEqual(want);
        for (const m of want.metrics) {
          if (m.report.imprecise) seen.imprecise++;
          if (m.report.stoppedAt) seen.stopped++;
          if (m.report.signFlip) seen.signFlip++;
          if ((m.error.value as number) > 0) seen.roundingError++;
          const values = m.log.filter((_, i) => i % 3 === 2 && m.log[i - 1] & 1);
          if (new Set(values).size < values.length) seen.ties++;
        }
        if (want.thrown) seen.thrown++;
        if (steps[0].lo) seen.precise++;
      }),
      fcRuns(1500),
    );
    // every case the comparison is about did occur
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(10);
  });
});
