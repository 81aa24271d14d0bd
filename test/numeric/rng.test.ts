// The seeded random source (src/numeric/rng.ts): the same stream for a seed on every machine, and
// standard normals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

describe('random source', () => {
  it('gives the same stream for the same seed on every machine (golden values)', () => {
    const r = new Rng(42);
    const u = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
    expect(u).toEqual(GOLDEN_42);
    expect(new Rng(42).uniform()).toBe(new Rng(42).uniform());
    expect(new Rng(1).uniform()).not.toBe(new Rng(2).uniform());
  });

  it('draws standard normals', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('fillNormal gives scale·normal() draw for draw, the Box–Muller spare and the stream after it included (property)', () => {
    const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Object.is(x, -0) ? '-0' : String(x)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.array(fc.record({ len: fc.integer({ min: 0, max: 9 }), scale: fc.constantFrom(1, 1e-6, -2.5, 0), single: fc.boolean() }), { maxLength: 6 }),
        (seed, calls) => {
          const a = new Rng(seed),
            b = new Rng(seed);
          for (const { len, scale, single } of calls) {
            // a single normal() between fills leaves a spare (or takes one)
            if (single) expect(Object.is(a.normal(), b.normal())).toBe(true);
            const filled = a.fillNormal(new Float64Array(len), scale);
            const drawn = Float64Array.from({ length: len }, () => scale * b.normal());
            expect(bits(filled)).toEqual(bits(drawn));
          }
          expect(a.drawn).toBe(b.drawn);
          expect([a.normal(), a.nextUint32(), a.fork('x').uniform()]).toEqual([b.normal(), b.nextUint32(), b.fork('x').uniform()]);
        },
      ),
      fcRuns(300),
    );
    // a long fill of odd length
    const long = new Rng(3).fillNormal(new Float64Array(100_001));
    const r = new Rng(3);
    expect(long.every((x) => Object.is(x, r.normal()))).toBe(true);
  });
});
// Pinned: change only when the generator is deliberately changed (that changes every seed's trials).
const GOLDEN_42 = [2837322924, 544945897, 479756282];
