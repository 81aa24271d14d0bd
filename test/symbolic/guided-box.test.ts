// The guided phase of an inequality step: after the random points, a pattern search for the least
// margin over the box finds a failure region that the random points miss.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { Rng } from '../../src/numeric/rng.js';
import { checkStep } from '../../src/symbolic/check.js';
import { floatBelow, searchLeastMargin } from '../../src/symbolic/guided-box.js';
import { CLAIMS_DIR, fcRuns } from '../helpers.js';

const step = (s: object) => symbolicStepSchema.parse(s);
// False only where a Gaussian bump rises above x·y + 0.05: about 1.2 % of the unit square, inside
// x ∈ [0.768, 0.876], y ∈ [0.038, 0.175], least slack −0.023 near (0.823, 0.123) (a 2000² grid).
const bump = {
  id: 'bump',
  kind: 'inequality',
  lhs: 'x*y + 0.05',
  rhs: '0.195 * exp(-((x - 0.83)^2 + (y - 0.17)^2) / 0.02)',
  relation: '>=',
  variables: { x: [0, 1], y: [0, 1] },
};
// a seed whose 200 random points all miss the failure region
const SEED = 11;

describe('the guided phase of an inequality step', () => {
  it('refutes an inequality whose failure region (1 % of the box) the random points miss', () => {
    const randomOnly = checkStep(step(bump), SEED, { guidedEvaluations: 0 });
    expect(randomOnly.verdict).toBe('numeric-only');
    expect(randomOnly.cases[0].numeric.failures).toBe(0);
    expect(randomOnly.cases[0].numeric.guided).toBeUndefined();

    const r = checkStep(step(bump), SEED);
    expect(r.verdict).toBe('refuted');
    const n = r.cases[0].numeric;
    expect(n.points).toBe(200);
    expect(n.guided!.evaluations).toBeGreaterThan(0);
    expect(n.guided!.evaluations).toBeLessThanOrEqual(300);
    expect(n.guided!.failures).toBe(n.failures);
    // the least margin is the reported worst point, inside the failure region, confirmed in 64 digits
    expect(n.guided!.least!.margin).toBeLessThan(-0.01);
    expect(n.worst!.point).toEqual(n.guided!.least!.point);
    expect(n.worst!.point.x).toBeGreaterThan(0.768);
    expect(n.worst!.point.x).toBeLessThan(0.876);
    expect(n.worst!.point.y).toBeGreaterThan(0.038);
    expect(n.worst!.point.y).toBeLessThan(0.175);
    expect(Number(n.worst!.bigDifference)).toBeLessThan(-0.01);
    expect(r.message).toMatch(new RegExp(`: 0 of 200 random points and ${n.failures} of ${n.guided!.evaluations} guided evaluations fail;`));
  });

  it('searches only where the conditions hold (x < 0.75 excludes the failure region)', () => {
    const r = checkStep(step({ ...bump, assume: ['x < 0.75'] }), SEED);
    expect(r.verdict).toBe('numeric-only');
    const g = r.cases[0].numeric.guided!;
    expect(g.evaluations).toBeGreaterThan(0);
    expect(g.least!.point.x).toBeLessThan(0.75);
    expect(r.message).toMatch(/200 random points \+ \d+ guided evaluations agree .*least margin/);
  });

  it('keeps guided points in [lo, hi) as the random points are: "1 > x" on x ∈ [0, 1] is not refuted at x = 1', () => {
    const r = checkStep(step({ id: 'below_one', kind: 'inequality', lhs: '1', rhs: 'x', relation: '>', variables: { x: [0, 1] } }), 1);
    const g = r.cases[0].numeric.guided!;
    expect(g.evaluations).toBeGreaterThan(0);
    expect(r.verdict, r.message).toBe('numeric-only');
    expect(g.least!.point.x).toBeLessThan(1);
    expect(g.least!.point.x).toBeGreaterThan(0.999);
  });

  it('gives the same result for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const a = checkStep(step(bump), seed);
        const b = checkStep(step(bump), seed);
        expect(b).toEqual(a);
        expect(a.cases[0].numeric.guided!.least).toBeDefined();
      }),
      fcRuns(10),
    );
  });

  it('keeps every inequality step of claims/ from being refuted, with its guided phase run', () => {
    const { claims } = loadClaims([CLAIMS_DIR]);
    const steps = claims.flatMap((c) => (c.ok ? c.claim.symbolic.filter((s) => s.kind === 'inequality') : []));
    expect(steps.length).toBeGreaterThan(5);
    for (const s of steps) {
      const r = checkStep(s, 1);
      expect(['verified', 'numeric-only'], `${s.id}: ${r.message}`).toContain(r.verdict);
      for (const c of r.cases) expect(c.numeric.guided!.evaluations, s.id).toBeGreaterThan(0);
    }
  });
});

describe('searchLeastMargin', () => {
  it('finds a minimum in a corner of the box and rejects points outside the conditions', () => {
    // margin (x−2)² + (y+2)² − 0.01 over [−1, 1]²: least at the corner (1, −1) where it is 1.99;
    // points with x > 0.9 are rejected, so the least allowed is at (0.9, −1): 2.21 − 0.01
    const margin = (p: Record<string, number>) => (p.x > 0.9 ? undefined : (p.x - 2) ** 2 + (p.y + 2) ** 2 - 0.01);
    const rng = new Rng(7);
    const evaluated = Array.from({ length: 20 }, () => {
      const point = { x: rng.uniformIn(-1, 0.9), y: rng.uniformIn(-1, 1) };
      return { point, margin: margin(point)! };
    });
    const r = searchLeastMargin({ box: { x: [-1, 1], y: [-1, 1] }, margin, evaluated, rng: rng.fork('guided'), budget: 300 });
    expect(r.evaluations).toBeLessThanOrEqual(300);
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.least!.point.x).toBeCloseTo(0.9, 6);
    expect(r.least!.point.y).toBe(-1);
    expect(r.least!.margin).toBeCloseTo(1.21 + 1 - 0.01, 6);
  });

  it('floatBelow is the next float64 down', () => {
    expect(floatBelow(1)).toBe(1 - 2 ** -53);
    expect(floatBelow(0)).toBe(-Number.MIN_VALUE);
    expect(floatBelow(-1)).toBe(-1 - 2 ** -52);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (x) => {
        const b = floatBelow(x);
        expect(b).toBeLessThan(x);
        expect([b, x]).toContain((b + x) / 2);
      }),
      fcRuns(200),
    );
  });
});
