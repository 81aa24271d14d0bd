// Trajectory plots (src/search/trajectory.ts, and the trajectory section of a claim file): each
// series traced along its path, several expressions against the step, overlays, validation.
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runTrajectory } from '../../src/search/trajectory.js';
import { C3_SEARCH, claimText } from '../helpers.js';

describe('trajectory plots', () => {
  it('trace each series value along its path, mark imprecise points, and evaluate the overlays', async () => {
    const text = claimText({
      search: C3_SEARCH,
      after: `trajectory:\n  layer: W\n  x: loss\n  y: 'abs(e11)'\n  series: { var: L, values: [2, 3] }\n  fixed: { alpha: 0.1 }\n  x_log: true\n  y_log: true\n  until: 'loss < 0.05'\n  curves:\n    - { name: bound, y: '1 / sqrt(2 * loss) - 2' }\n`,
    });
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
    const text = claimText({ search: C3_SEARCH, after: `trajectory:\n  layer: W\n  x: step\n  y: [s1, s2]\n  fixed: { alpha: 0.1, L: 2 }\n` });
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
      [
        `trajectory:\n  layer: W\n  x: step\n  y: [s1, bogus]\n  series: { var: L, values: [2] }\n  fixed: { alpha: 0.1 }\n`,
        /trajectory\.y\[1\]: unknown name "bogus"[\s\S]*trajectory\.series: several y expressions/,
      ],
    ] as const) {
      const r = loadClaimText('t.yaml', claimText({ search: C3_SEARCH, after: t }), 't');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(re);
    }
  });

  it('reject curves over a compound x and series variables outside the space', () => {
    const text = claimText({
      search: C3_SEARCH,
      after: `trajectory:\n  layer: W\n  x: '2 * loss'\n  y: 'abs(e11)'\n  series: { var: depth, values: [2] }\n  curves:\n    - { name: c, y: 'loss' }\n`,
    });
    const r = loadClaimText('t.yaml', text, 't');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const msg = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
      expect(msg).toMatch(/trajectory\.series\.var.*"depth" is not a variable/);
      expect(msg).toMatch(/trajectory\.x.*single path symbol/);
    }
  });
});
