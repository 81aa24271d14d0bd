// KKT points of (P) constructed by LP (src/numeric/kkt-points.ts): the L1 closed form on orthogonal
// data, infeasible patterns, soundness of every constructed point, and rank ≤ 2 versus rank 3 by κ.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactGram } from '../../src/numeric/data.js';
import { ABOVE, BELOW, KINK, alignedPattern, kktPointForPattern, samplePattern, searchKktPoints, type PatternKind } from '../../src/numeric/kkt-points.js';
import { fromRows, singularValues } from '../../src/numeric/linalg.js';
import { kktResidual } from '../../src/numeric/maxmargin.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const splitA = (m: number, positive: number) => Float64Array.from({ length: m }, (_, j) => (j < positive ? 1 : -1) / Math.sqrt(m));

describe('KKT points of (P) by LP', () => {
  const gamma = 0.3;
  // orthogonal data with norms 1, 2, 1, 3: two positive, two negative points
  const X = fromRows([
    [1, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 3],
  ]);
  const y = Float64Array.from([1, 1, -1, -1]);
  const a = splitA(4, 2);

  it('the aligned pattern on orthogonal data gives L1’s closed form λ_k = 1/(‖x_k‖²(s_y + γ²s_−y))', () => {
    const pt = kktPointForPattern(X, y, a, gamma, { state: alignedPattern(a, y), support: new Uint8Array(4).fill(1) });
    expect(pt).toBeDefined();
    const norms2 = [1, 4, 1, 9];
    // s₊ = s₋ = ½
    for (let k = 0; k < 4; k++) expect(pt!.lambda[k]).toBeCloseTo(1 / (norms2[k] * (0.5 + 0.5 * gamma * gamma)), 9);
    const r = kktResidual(pt!.W, a, X, y, gamma, 1e-6);
    expect(r.residual).toBeLessThan(1e-9);
    expect(r.slackness).toBeLessThan(1e-9);
    const s = singularValues(pt!.W);
    expect(s[1] / s[0]).toBeGreaterThan(0.1);
    expect(s[2] / s[0]).toBeLessThan(1e-12);
  });

  it('a pattern against the forced sign, or a support whose points cannot all reach margin 1, has no KKT point', () => {
    const support = new Uint8Array(4).fill(1);
    const flipped = alignedPattern(a, y);
    flipped[0] = flipped[0] === ABOVE ? BELOW : ABOVE; // ⟨w₀, x₀⟩ = a₀y₀μ₀₀‖x₀‖² > 0 whenever λ₀ > 0
    expect(kktPointForPattern(X, y, a, gamma, { state: flipped, support })).toBeUndefined();
    const kinked = alignedPattern(a, y);
    kinked[0] = KINK;
    expect(kktPointForPattern(X, y, a, gamma, { state: kinked, support })).toBeUndefined();
    // on orthogonal data a point off the support has f(x_k) = 0 < 1
    expect(kktPointForPattern(X, y, a, gamma, { state: alignedPattern(a, y), support: Uint8Array.from([1, 1, 1, 0]) })).toBeUndefined();
  });

  it('every point the LP constructs, for any pattern on random-sign Gram data, passes the independent KKT check', () => {
    const kinds: PatternKind[] = ['flipped', 'kinked', 'random', 'induced'];
    let built = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.constantFrom(1.2, 2, 10), fc.constantFrom(0.1, 0.5), (seed, kappa, g) => {
        const rng = new Rng(seed);
        const d = exactGram(rng.fork('data'), { n: 5, d: 5, kappa, pattern: 'random', Rratio: 1.5, nPositive: 2 });
        const aa = splitA(5, 3);
        for (const kind of kinds) {
          const pt = kktPointForPattern(d.X, d.y, aa, g, samplePattern(kind, d.X, d.y, aa, g, rng));
          if (!pt) continue;
          built++;
          const r = kktResidual(pt.W, aa, d.X, d.y, g, 1e-6);
          expect(r.residual).toBeLessThan(1e-6);
          expect(r.slackness).toBeLessThan(1e-6);
        }
      }),
      fcRuns(12),
    );
    expect(built).toBeGreaterThan(0);
  });

  it('in the regime every constructed KKT point has rank ≤ 2; at κ = 1.5 the search builds one of rank ≥ 3', () => {
    const search = (kappa: number) => {
      const rng = new Rng(7);
      const d = exactGram(rng.fork('data'), { n: 8, d: 8, kappa, pattern: 'anti-aligned', Rratio: 1, nPositive: 4 });
      return { d, r: searchKktPoints(d.X, d.y, splitA(10, 5), gamma, rng.fork('search'), 6, undefined, 3) };
    };
    const inside = search(1000).r;
    expect(inside.feasible).toBeGreaterThan(1);
    expect(inside.unconfirmed).toBe(0);
    expect(inside.maxRank).toBe(2);
    expect(inside.maxSv3).toBeLessThan(1e-12);
    const { d, r: outside } = search(1.5);
    expect(outside.maxRank).toBeGreaterThanOrEqual(3);
    expect(outside.maxSv3).toBeGreaterThan(1e-3);
    const w = kktResidual(outside.witness!.W, splitA(10, 5), d.X, d.y, gamma, 1e-6);
    expect(w.residual).toBeLessThan(1e-6);
    expect(w.slackness).toBeLessThan(1e-6);
  });
});
