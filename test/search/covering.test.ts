// Covering designs (src/search/covering.ts): the coverage each strength promises, no repeated point,
// determinism, the sizes of the pairwise arrays, and domains computed by index, never listed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../src/claims/schema.js';
import { coveringDesign, domainLevels, pairwiseArray, spreadIndices, type CoveringDesign } from '../../src/search/covering.js';
import { domainIndex, domainSize, domainValue } from '../../src/search/space.js';
import { fcRuns } from '../helpers.js';

const key = (p: Record<string, number>) =>
  Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join(',');

/** Throws unless the design covers what its strength promises, over its own levels. */
function expectCoverage(design: CoveringDesign): void {
  const names = Object.keys(design.levels);
  for (const p of design.points) for (const n of names) expect(design.levels[n]).toContain(p[n]);
  if (design.strength === 'all-combinations') {
    expect(design.points).toHaveLength(names.reduce((s, n) => s * design.levels[n].length, 1));
  }
  if (design.strength !== 'each-value')
    for (let u = 0; u < names.length; u++)
      for (let v = u + 1; v < names.length; v++) {
        const seen = new Set(design.points.map((p) => `${p[names[u]]}|${p[names[v]]}`));
        expect(seen.size, `pairs of ${names[u]}, ${names[v]}`).toBe(design.levels[names[u]].length * design.levels[names[v]].length);
      }
  for (const n of names) expect(new Set(design.points.map((p) => p[n])).size, `levels of ${n}`).toBe(design.levels[n].length);
  expect(new Set(design.points.map(key)).size, 'no repeated point').toBe(design.points.length);
}

/** Pairwise array over level counts: every pair of levels of every two columns appears. */
function coversAllPairs(rows: number[][], counts: number[]): boolean {
  for (let u = 0; u < counts.length; u++)
    for (let v = u + 1; v < counts.length; v++) if (new Set(rows.map((r) => r[u] * 1000 + r[v])).size !== counts[u] * counts[v]) return false;
  return rows.every((r) => r.every((x, j) => Number.isInteger(x) && x >= 0 && x < counts[j]));
}

const domainArb: fc.Arbitrary<Domain> = fc.oneof(
  fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 12 }).map((grid) => ({ grid }) as Domain),
  fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 200 })).map(([a, n]) => ({ int: [a, a + n] }) as Domain),
  fc.integer({ min: 0, max: 40 }).map((n) => ({ range: [0, n * 0.25], step: 0.25 }) as Domain),
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })).map(([dec, k]) => ({ log: [1e-3, 1e-3 * 10 ** dec], per_decade: k }) as Domain),
  fc.constant({ int: [0, 1e12] } as Domain),
);
const spaceArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), domainArb, { minKeys: 0, maxKeys: 6 });

describe('levels', () => {
  it('spreads indices evenly, both ends kept, strictly increasing; all of them when the domain is small', () => {
    expect(spreadIndices(5, 8)).toEqual([0, 1, 2, 3, 4]);
    expect(spreadIndices(11, 3)).toEqual([0, 5, 10]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 2, max: 100 }), (n, m) => {
        const s = spreadIndices(n, m);
        expect(s).toHaveLength(Math.min(n, m));
        expect(s[0]).toBe(0);
        expect(s.at(-1)).toBe(n - 1);
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
      }),
      fcRuns(300),
    );
  });

  it('never lists a 10¹²-value int domain: its 64 levels are computed by index, both ends included', () => {
    const d = { int: [0, 1e12] } as Domain;
    const t = performance.now();
    const levels = domainLevels(d);
    expect(levels).toHaveLength(64);
    expect(levels[0]).toBe(0);
    expect(levels.at(-1)).toBe(1e12);
    const design = coveringDesign({ n: d, m: { log: [1e-300, 1e300], per_decade: 10 } as Domain, k: { grid: [1, 2, 3] } as Domain }, { maxTrials: 10_000 });
    expect(design.strength).toBe('pairwise');
    expectCoverage(design);
    expect(design.levels.m[0]).toBe(1e-300);
    expect(design.levels.m.at(-1)).toBe(1e300);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});

describe('coveringDesign', () => {
  it('covers what its strength promises, within maxTrials, with no repeated point and only domain values', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer({ min: 1, max: 600 }), fc.integer({ min: 2, max: 16 }), (space, maxTrials, maxLevels) => {
        const design = coveringDesign(space, { maxTrials, maxLevels });
        expect(design.points.length).toBeLessThanOrEqual(maxTrials);
        expectCoverage(design);
        for (const [n, levels] of Object.entries(design.levels)) {
          const d = space[n];
          for (const v of levels) expect(domainIndex(d, v), `${v} is a value of ${n}`).toBeGreaterThanOrEqual(0);
          expect(levels[0]).toBe(domainValue(d, 0));
          if (maxTrials >= 2) expect([levels[0], levels.at(-1)]).toEqual([domainValue(d, 0), domainValue(d, domainSize(d) - 1)]);
          if (
            domainSize(d) <= Math.min(maxLevels, maxTrials) &&
            new Set(Array.from({ length: domainSize(d) }, (_, i) => domainValue(d, i))).size === domainSize(d)
          )
            expect(levels).toHaveLength(domainSize(d));
        }
        expect(coveringDesign(space, { maxTrials, maxLevels }), 'deterministic').toEqual(design);
        const reversed = Object.fromEntries(Object.entries(space).reverse());
        expect(coveringDesign(reversed, { maxTrials, maxLevels }), 'independent of declaration order').toEqual(design);
      }),
      fcRuns(200),
    );
  });

  it('chooses every combination when it fits, else pairwise, else each value once', () => {
    const three = { grid: [1, 2, 3] } as Domain;
    const space = { a: three, b: three, c: three, d: three, e: three };
    const all = coveringDesign(space, { maxTrials: 243 });
    expect([all.strength, all.points.length]).toEqual(['all-combinations', 243]);
    const pairs = coveringDesign(space, { maxTrials: 242 });
    expect(pairs.strength).toBe('pairwise');
    expectCoverage(pairs);
    const each = coveringDesign(space, { maxTrials: 10 });
    expect([each.strength, each.points.length]).toEqual(['each-value', 3]);
    expectCoverage(each);
    const tiny = coveringDesign({ n: { int: [1, 100] } as Domain, m: three }, { maxTrials: 5 });
    expect([tiny.strength, tiny.points.length, tiny.levels.n]).toEqual(['each-value', 5, [1, 26, 51, 75, 100]]);
    expect(coveringDesign({}, { maxTrials: 1 }).points).toEqual([{}]);
    expect(() => coveringDesign(space, { maxTrials: 0 })).toThrow(RangeError);
    expect(() => coveringDesign(space, { maxTrials: 5, maxLevels: 1 })).toThrow(RangeError);
  });

  it('builds pairwise arrays near the known optima, far below the full factorial', () => {
    // [level counts, full factorial, best known or lower bound, the most this construction may take]
    const shapes: [number[], number, number, number][] = [
      [[3, 3, 3, 3, 3], 243, 11, 15],
      [Array(10).fill(2), 1024, 6, 10],
      [Array(13).fill(3), 1594323, 15, 22],
      [Array(15).fill(4), 4 ** 15, 16, 36],
      [[10, 10, 10, 10], 10_000, 100, 145],
      [[2, 3, 4, 5, 6, 7], 5040, 42, 44],
      [[64, 64, 3], 12_288, 4096, 4096],
    ];
    for (const [counts, , lower, most] of shapes) {
      const rows = pairwiseArray(counts)!;
      expect(coversAllPairs(rows, counts), counts.join('×')).toBe(true);
      expect(rows.length, counts.join('×')).toBeGreaterThanOrEqual(lower);
      expect(rows.length, counts.join('×')).toBeLessThanOrEqual(most);
      expect(new Set(rows.map((r) => r.join(','))).size).toBe(rows.length);
    }
    expect(pairwiseArray([64, 64, 64], 4095), 'stops once it passes the cap').toBeUndefined();
  });

  it('covers every pair for random level counts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 9 }), (counts) => {
        const rows = pairwiseArray(counts)!;
        expect(coversAllPairs(rows, counts)).toBe(true);
        expect(new Set(rows.map((r) => r.join(','))).size).toBe(rows.length);
        expect(pairwiseArray(counts)).toEqual(rows);
      }),
      fcRuns(200),
    );
  });
});
