// Data sets (src/numeric/data.ts): statistics, exact-Gram data with a prescribed Gram matrix, and
// two-cluster mixtures. (Completion data: tensor.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutsideDomainError } from '../../src/core/errors.js';
import { dataStats, exactGram, gaussianMixture } from '../../src/numeric/data.js';
import { fromRows, gramRows } from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

describe('dataStats', () => {
  it('data statistics: κ and R of a known data set', () => {
    const s = dataStats(
      fromRows([
        [2, 0],
        [1, 3],
      ]),
    );
    expect(s.Rmin).toBe(2);
    expect(s.pmax).toBe(2);
    expect(s.kappa).toBe(4 / (2 * 2));
    expect(s.Rratio).toBeCloseTo(Math.sqrt(10) / 2, 15);
  });
});

describe('exact-Gram data', () => {
  it('has exactly the requested κ, norms and Gram matrix (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.constantFrom('anti-aligned', 'aligned', 'random'),
        fc.constantFrom(2, 5, 50),
        fc.constantFrom(1, 1.5),
        (n, pattern, kappa, R) => {
          const D = exactGram(new Rng(n), { n, d: n + 3, kappa, pattern: pattern as 'random', Rratio: R, nPositive: Math.floor(n / 2) });
          expect(D.stats.kappa).toBeCloseTo(kappa, 9);
          expect(D.stats.Rmin).toBeCloseTo(1, 12);
          expect(D.stats.Rratio).toBeCloseTo(R, 12);
          if (pattern === 'anti-aligned') {
            const G = gramRows(D.X);
            for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.sign(G.data[i * n + j])).toBe(-D.y[i] * D.y[j]);
          }
        },
      ),
      fcRuns(60),
    );
  });

  it('is out of the domain when the anti-aligned Gram matrix is not positive definite (κ < (n−1)/n)', () => {
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.5, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).toThrow(OutsideDomainError);
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.95, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).not.toThrow();
  });
});

describe('two-cluster mixture data', () => {
  it('lowers κ as the cluster mean grows, and puts each class on its side of μ', () => {
    const k = [0, 8, 30].map((mu) => gaussianMixture(new Rng(4), 20, 4000, mu, 10).stats.kappa);
    expect(k[0]).toBeGreaterThan(k[1]);
    expect(k[1]).toBeGreaterThan(k[2]);
    const D = gaussianMixture(new Rng(4), 6, 50, 100, 3);
    const mean = (i: number) => D.X.data.subarray(i * 50, (i + 1) * 50).reduce((s, x) => s + x, 0);
    expect(Math.sign(mean(0))).toBe(-Math.sign(mean(5)));
  });
});
