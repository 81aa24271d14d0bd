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
        const again = highs.solve(lp);
        expect(again).not.toBe(first);
        expect(again).toEqual(first);
        const f = fresh.solve(lp);
        expect(first.Status).toBe(f.Status);
        expect(Object.is(first.ObjectiveValue, f.ObjectiveValue)).toBe(true);
        expect(Object.keys(first.Columns)).toEqual(Object.keys(f.Columns));
        for (const [name, c] of Object.entries(f.Columns)) expect(first.Columns[name], name).toEqual(c.Primal === undefined ? {} : { Primal: c.Primal });
      }),
      fcRuns(100),
    );
  });

  it('gives each caller its own answer, and holds a bounded amount however wide the LPs (hostile finding: HiGHS’s answers kept ~0.5 MB per 2000-column LP)', () => {
    const wide = (k: number) =>
      [
        'Maximize',
        ` obj: ${Array.from({ length: 2000 }, (_, j) => `+ ${(j % 7) + 1} x${j}`).join(' ')}`,
        'Subject To',
        ` r: ${Array.from({ length: 2000 }, (_, j) => `+ 1 x${j}`).join(' ')} <= ${k}`,
        'Bounds',
        ...Array.from({ length: 2000 }, (_, j) => ` 0 <= x${j} <= 1`),
        'End',
      ].join('\n');
    const a = highs.solve(wide(1));
    a.Columns.x0 = { Primal: 123 };
    expect(highs.solve(wide(1)).Columns.x0).not.toEqual({ Primal: 123 });
    for (let k = 2; k < 120; k++) highs.solve(wide(k));
    expect(highs.memoBytes()).toBeLessThanOrEqual(16_000_000);
    expect(highs.memoBytes()).toBeGreaterThan(0);
  });
});
