// The trials of a search, in the order they run: a covering design over the declared variables
// (every value of every variable in some trial; every combination or every pair where they fit),
// then distinct random trials drawn by fast-check (replayable by run seed and path), then the
// guided phase (search.ts) that minimizes the property's robustness. No trial runs twice.
// A frequency claim estimates a probability under the sampling distribution, so it gets distinct
// random trials only.
import type { Domain, SearchSpec } from '../claims/schema.js';
import { Rng } from '../numeric/rng.js';
import { coveringDesign, type CoveringStrength } from './covering.js';
import { pointKey, varKey } from './guided.js';
import { domainSize, domainValue, sampleSpace, SEED_MAX, type TrialValues } from './space.js';

export type TrialPhase = 'cover' | 'random' | 'guided';

export interface PlannedTrial {
  values: TrialValues;
  phase: TrialPhase;
  /** random phase: the fast-check path of this point (its index in the run seed's sequence) */
  path?: string;
}

export interface TrialPlan {
  trials: PlannedTrial[];
  /** what the covering design promises over the declared variables, and the levels it covers */
  coverage?: { strength: CoveringStrength; levels: Record<string, number[]> };
}

/** Share of a search's trials that the covering design may take; the rest are random. */
const COVER_SHARE = 0.75;

/** Trial seeds of the covering points: a stream of its own, derived from the run seed. */
function coverSeeds(runSeed: number): () => number {
  const rng = new Rng((runSeed ^ 0x636f7665) >>> 0);
  return () => rng.nextUint32() % (SEED_MAX + 1);
}

/** How many values of the domain differ as a trial's key writes them (a grid may repeat one; 0 and −0 are one); more than `atLeast` unless counted. */
function distinctValues(d: Domain, atLeast: number): number {
  const size = domainSize(d);
  if (size > 4 * atLeast + 64) return size;
  return new Set(Array.from({ length: size }, (_, i) => String(domainValue(d, i)))).size;
}

/** The covering points, then distinct random points, N in all (fewer only if the space has fewer distinct points within the draws allowed). */
export function planTrials(spec: Pick<SearchSpec, 'space' | 'frequency'>, runSeed: number, N: number): TrialPlan {
  const trials: PlannedTrial[] = [];
  const seen = new Set<string>();
  let coverage: TrialPlan['coverage'];
  const vars = Object.keys(spec.space);
  if (!spec.frequency && vars.length && N >= 1) {
    // every combination whenever it fits in the whole budget; else a design within its covering share
    const whole = coveringDesign(spec.space, { maxTrials: N });
    const design = whole.strength === 'all-combinations' ? whole : coveringDesign(spec.space, { maxTrials: Math.max(1, Math.floor(N * COVER_SHARE)) });
    const seedOf = coverSeeds(runSeed);
    for (const p of design.points) {
      const values = { ...p, seed: seedOf() };
      seen.add(pointKey(values));
      trials.push({ values, phase: 'cover' });
    }
    coverage = { strength: design.strength, levels: design.levels };
  }
  // Random points: declared values not run yet first, then (a small space used up) new seeds at
  // values already run. A frequency claim takes the draws as they come (its interval assumes them).
  // fast-check's sequence for this run seed is fixed, so a longer draw extends a shorter one.
  const seenValues = new Set(trials.map((t) => varKey(t.values)));
  const take = (points: TrialValues[], fresh: boolean) => {
    for (let j = 0; j < points.length && trials.length < N; j++) {
      const k = pointKey(points[j]);
      if (seen.has(k) || (fresh && seenValues.has(varKey(points[j])))) continue;
      seen.add(k);
      seenValues.add(varKey(points[j]));
      trials.push({ values: points[j], phase: 'random', path: String(j) });
    }
  };
  const limit = 64 * Math.max(N, 16);
  // every declared point run: no draw can give fresh values, so seeds are taken from the shortest draw that
  // fills N (the same trials as from the longest: a longer draw extends a shorter one, taken in order)
  const declaredPoints = vars.reduce((p, v) => p * distinctValues(spec.space[v], N), 1);
  let points: TrialValues[] = [];
  for (let draw = Math.max(16, 2 * N); trials.length < N; draw *= 2) {
    points = sampleSpace(spec.space, runSeed, Math.min(draw, limit));
    const usedUp = !spec.frequency && seenValues.size >= declaredPoints;
    take(points, !spec.frequency && !usedUp);
    if (draw >= limit) break;
  }
  if (!spec.frequency) take(points, false);
  return { trials, coverage };
}

export interface VariableCoverage {
  /** distinct values of the variable among the judged trials */
  run: number;
  /** values in its domain */
  of: number;
  /** the values run, when the domain is small enough to list (≤ 16 values) */
  values?: number[];
  /** the domain's values never run, when it is small enough to list */
  missed?: number[];
}

/** Which values of each declared variable the judged trials ran. */
export function variableCoverage(space: Record<string, Domain>, judged: TrialValues[]): Record<string, VariableCoverage> {
  const out: Record<string, VariableCoverage> = Object.create(null);
  for (const [name, d] of Object.entries(space)) {
    const run = new Set<number>();
    for (const v of judged) run.add(v[name]);
    const of = domainSize(d);
    const c: VariableCoverage = { run: run.size, of };
    if (of <= 16) {
      const all = Array.from({ length: of }, (_, i) => domainValue(d, i));
      c.values = all.filter((x) => run.has(x));
      c.missed = all.filter((x) => !run.has(x));
    }
    out[name] = c;
  }
  return out;
}

/**
 * The 95 % upper confidence bound on the chance that a trial drawn as this search draws them is a
 * counterexample, after n in-regime trials with none: 1 − 0.05^{1/n} (the exact one-sided
 * Clopper–Pearson bound with zero failures; ≈ 3/n, the "rule of three").
 */
export function failureRateBound(n: number, confidence = 0.95): number {
  return n > 0 ? 1 - Math.pow(1 - confidence, 1 / n) : 1;
}
