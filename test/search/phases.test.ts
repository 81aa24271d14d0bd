// The trials a search runs: a covering design first (every value of every small domain), then
// distinct random trials that replay from the run seed and their fast-check path; the evidence
// numbers a "holds" rests on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../src/claims/schema.js';
import { pointKey } from '../../src/search/guided.js';
import { failureRateBound, planTrials, variableCoverage } from '../../src/search/phases.js';
import { valuesAtPath } from '../../src/search/search.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch, vacuityReason } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';
import { fcRuns, searchFixture } from '../helpers.js';

const grid = (...v: number[]): Domain => ({ grid: v }) as Domain;

describe('planTrials', () => {
  it('runs every grid value even when random draws with 9 trials would miss one (Vardi & Shamir Thm 3: γ ∈ {1, 2, 5})', () => {
    const space = { gamma: grid(1, 2, 5), c: grid(0.25, 0.5) };
    for (const seed of [1, 2, 3, 2026]) {
      const p = planTrials({ space }, seed, 9);
      expect(p.trials).toHaveLength(9);
      expect(new Set(p.trials.map((t) => t.values.gamma))).toEqual(new Set([1, 2, 5]));
      expect(new Set(p.trials.map((t) => t.values.c))).toEqual(new Set([0.25, 0.5]));
      expect(p.coverage?.strength).toBe('all-combinations');
      expect(p.trials.slice(0, 6).every((t) => t.phase === 'cover')).toBe(true);
    }
  });

  it('never plans the same trial twice, and every random trial replays from its path', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 60 }), (seed, N) => {
        const spec = searchFixture(`trials: ${N}\nspace: { a: { grid: [1, 2] }, b: { int: [0, 3] } }\nmetrics: {}\nproperty: 'a > 0'`);
        const p = planTrials(spec, seed, N);
        expect(p.trials).toHaveLength(N);
        expect(new Set(p.trials.map((t) => pointKey(t.values))).size).toBe(N);
        for (const t of p.trials.filter((q) => q.phase === 'random')) expect(valuesAtPath(spec, seed, t.path!)).toEqual(t.values);
      }),
      fcRuns(40),
    );
  });

  it('gives a frequency claim distinct random trials only (its interval is about the sampling distribution)', () => {
    const p = planTrials({ space: { a: grid(1, 2, 3) }, frequency: { at_least: '0.5', confidence: 0.99 } }, 7, 30);
    expect(p.coverage).toBeUndefined();
    expect(p.trials.every((t) => t.phase === 'random')).toBe(true);
    expect(new Set(p.trials.map((t) => pointKey(t.values))).size).toBe(30);
  });

  it('spreads a large domain over its levels, both ends included', () => {
    const p = planTrials({ space: { n: { int: [0, 1e12] } as Domain } }, 3, 40);
    const ns = p.trials.filter((t) => t.phase === 'cover').map((t) => t.values.n);
    expect(ns).toContain(0);
    expect(ns).toContain(1e12);
  });
});

describe('evidence', () => {
  it('the failure-rate bound is the exact one-sided 95% bound with no failure: (1 − b)^n = 0.05', () => {
    for (const n of [1, 6, 50, 1000]) expect(Math.pow(1 - failureRateBound(n), n)).toBeCloseTo(0.05, 12);
    expect(failureRateBound(0)).toBe(1);
    expect(failureRateBound(100)).toBeLessThan(0.03);
  });

  it('lists which values of a small domain ran and which did not', () => {
    const c = variableCoverage({ g: grid(1, 2, 5), n: { int: [0, 1000] } as Domain }, [
      { g: 1, n: 3, seed: 0 },
      { g: 2, n: 3, seed: 1 },
    ]);
    expect(c.g).toEqual({ run: 2, of: 3, values: [1, 2], missed: [5] });
    expect(c.n).toEqual({ run: 1, of: 1001 });
  });

  it('a search that holds reports its phases, coverage and tightest trial; the tightest ρ is the least margin of any passing trial', async () => {
    const spec = searchFixture(`trials: 12
space: { a: { grid: [1, 2, 3] }, b: { range: [0, 1], step: 0.25 } }
model: { block: two-layer, d: 2, width: 2, w_scale: 1 }
metrics: {}
property: 'a + b <= 5'`);
    const r = await runSearch(spec, { claimId: 't', runner: inlineRunner() });
    expect(r.verdict).toBe('holds');
    const e = r.evidence;
    expect(e.phases.cover + e.phases.random + e.phases.guided).toBe(r.trialsRun);
    expect(e.phases.guided).toBe(8); // max(⌈12/4⌉, one batch of 8)
    expect(e.coverage.a.missed).toEqual([]);
    expect(e.coverage.b.missed).toEqual([]);
    // the closest point of the grid to failing is a = 3, b = 1: ρ = (5 − 4)/(4 + 5)
    expect(e.tightness!.rho).toBeCloseTo(1 / 9, 12);
    expect(e.tightness!.values).toMatchObject({ a: 3, b: 1 });
    expect(e.tightness!.replay).toMatch(/^npx claimcheck replay t --values a=3,b=1,seed=\d+$/);
    expect(e.failureRateBound).toBeCloseTo(failureRateBound(e.randomInRegime), 15);
  });

  it('the guided phase finds a failure the covering design and a few random trials miss', async () => {
    // fails only at (17, 22) of a 30 × 30 grid: 1 point in 900, off the covering design's diagonal
    const spec = searchFixture(`trials: 8
guided: { trials: 200 }
space: { a: { int: [0, 29] }, b: { int: [0, 29] } }
model: { block: two-layer, d: 2, width: 2, w_scale: 1 }
metrics: {}
property: 'abs(a - 17) + abs(b - 22) >= 0.5'`);
    const r = await runSearch({ ...spec, guided: { trials: 0, strategy: 'hill-climb' } }, { claimId: 't', runner: inlineRunner(), seed: 5 });
    expect(r.verdict).toBe('holds');
    const g = await runSearch(spec, { claimId: 't', runner: inlineRunner(), seed: 5 });
    expect(g.verdict).toBe('refuted');
    expect(g.witness!.phase).toBe('guided');
    expect(g.witness!.values).toMatchObject({ a: 17, b: 22 });
  });

  it('flags a property that cannot fail in the space (vacuity check), and not one that comes close', () => {
    const trial = (lhs: number, rhs: number, op = '<='): TrialResult => ({
      status: 'pass',
      values: {},
      quantities: {},
      hypotheses: {},
      property: { holds: true, op, lhs, rhs, robustness: (rhs - lhs) / (Math.abs(lhs) + Math.abs(rhs) || 1) },
      ms: 0,
    });
    expect(vacuityReason([trial(1, 2), trial(1, 2), trial(1, 2)])).toMatch(/same values in all 3 passing trials/);
    expect(vacuityReason([trial(0.1, 2), trial(0.2, 2), trial(0.01, 3)])).toMatch(/never came within a factor of 3/);
    expect(vacuityReason([trial(1.5, 2), trial(0.2, 2), trial(0.01, 3)])).toBeUndefined();
    // a sign property (one side 0 throughout) has margin 1 whenever it holds: only a constant one is flagged
    expect(vacuityReason([trial(-3, 0), trial(-1, 0), trial(-7, 0)])).toBeUndefined();
    expect(vacuityReason([trial(1, 2), trial(1, 2)])).toBeUndefined();
    // a quantity compared with itself (srank >= srank), or two sides that scale together (srank <= 2·srank)
    expect(vacuityReason([trial(1, 1), trial(2, 2), trial(3, 3)])).toMatch(/compares a quantity with itself/);
    expect(vacuityReason([trial(1, 2), trial(2, 4), trial(3, 6)])).toMatch(/scale together/);
    // a property without sides (not / or) whose margin never moves
    const sideless = (rho: number): TrialResult => ({
      status: 'pass',
      values: {},
      quantities: {},
      hypotheses: {},
      property: { holds: true, robustness: rho },
      ms: 0,
    });
    expect(vacuityReason([sideless(1), sideless(1), sideless(1)])).toMatch(/never came closer to failing/);
    expect(vacuityReason([sideless(1), sideless(0.2), sideless(1)])).toBeUndefined();
  });
});
