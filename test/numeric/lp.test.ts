// The LP solver's memo (src/numeric/lp.ts): an LP text solved before gets the solution HiGHS gives it.
import fc from 'fast-check';
import * as highsModule from 'highs';
import { describe, expect, it } from 'vitest';
import { highs, type LpSolution } from '../../src/numeric/lp.js';
import { fcRuns } from '../checks.js';

const fresh = await (highsModule as unknown as { default: () => Promise<{ solve(lp: string): LpSolution }> }).default();

/** max c·x s.t. a_i·x ≤ b_i, 0 ≤ x ≤ 10: random small LPs, some infeasible (b_i < 0 with a_i ≥ 0). */
const lps = fc
  .record({
    c: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 4 }),
    rows: fc.array(fc.record({ a: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }), b: fc.integer({ min: -3, max: 20 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
  })
  .map(({ c, rows }) => {
    const sum = (w: number[]) => w.map((v, k) => `${v >= 0 ? '+' : '-'} ${Math.abs(v)} x${k}`).join(' ');
    return [
      'Maximize',
      ` obj: ${sum(c)}`,
      'Subject To',
      ...rows.map((r, i) => ` r${i}: ${sum(r.a.slice(0, c.length))} <= ${r.b}`),
      'Bounds',
      ...c.map((_, k) => ` 0 <= x${k} <= 10`),
      'End',
    ].join('\n');
  });

describe('LP solver', () => {
  it('solves an LP text again from its memo, with the answer of a fresh HiGHS (property: feasible and infeasible LPs)', () => {
    fc.assert(
      fc.property(lps, (lp) => {
        const first = highs.solve(lp);
        expect(highs.solve(lp)).toBe(first);
        expect(first).toEqual(fresh.solve(lp));
      }),
      fcRuns(100),
    );
  });
});
