import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../src/core/expr.js';
import { robustness } from '../../src/core/robustness.js';
import { fcRuns } from '../checks.js';

const VALUES = [0, -0, 1, -1, 2.5, 1 + 2 ** -52, 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324];
const OPS = ['<', '<=', '>', '>=', '==', '!='];

const comparison = fc
  .tuple(fc.constantFrom('a', 'b', 'c', '1', '0'), fc.constantFrom(...OPS), fc.constantFrom('a', 'b', 'c', '1', '2 * a'))
  .map(([x, op, y]) => `${x} ${op} ${y}`);
const formula: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([x, op, y]) => `(${x}) ${op} (${y})`),
    tie('f').map((x) => `not (${x})`),
    fc.tuple(tie('f'), tie('f'), tie('f')).map(([c, x, y]) => `(${c}) ? (${x}) : (${y})`),
    fc.constantFrom('a < b <= c', 'a'),
  ),
})).f;

describe('robustness of a property', () => {
  it('is ≥ 0 exactly when the expression holds, whenever it is not NaN (ties, infinities, signed zeros, subnormals)', () => {
    fc.assert(
      fc.property(formula, fc.constantFrom(...VALUES), fc.constantFrom(...VALUES), fc.constantFrom(...VALUES), (src, a, b, c) => {
        const e = compileExpr(src);
        const scope = { a, b, c };
        const rho = robustness(e)(scope);
        if (!Number.isNaN(rho)) expect(rho >= 0, `${src} at a=${a} b=${b} c=${c}: ρ=${rho}`).toBe(e.value(scope) !== 0);
      }),
      fcRuns(3000),
    );
  });

  it('is NaN when any value the expression computes is not finite: never a pass, never a fail (no three-valued logic)', () => {
    const e = compileExpr('a <= b');
    expect(robustness(e)({ a: NaN, b: 1 })).toBeNaN();
    expect(robustness(e)({ a: Infinity, b: 1 })).toBeNaN();
    // true or NaN, false and NaN: NaN, whichever side holds
    expect(robustness(compileExpr('a <= 1 or b <= 1'))({ a: 0, b: NaN })).toBeNaN();
    expect(robustness(compileExpr('a <= 1 and b <= 1'))({ a: 2, b: NaN })).toBeNaN();
    expect(robustness(compileExpr('a <= 1 and b <= 1'))({ a: 0, b: NaN })).toBeNaN();
    // an infinite intermediate with a finite result
    expect(robustness(compileExpr('min(1 / a, 5) <= 5'))({ a: 0 })).toBeNaN();
  });

  it('a single comparison gives the relative slack of the reports; and is the min, or the max, not the negation', () => {
    const r = (src: string, s: Record<string, number>) => robustness(compileExpr(src))(s);
    expect(r('a <= b', { a: 1, b: 3 })).toBe(0.5);
    expect(r('a >= b', { a: 1, b: 3 })).toBe(-0.5);
    expect(r('a == b', { a: 1, b: 3 })).toBe(-0.5);
    expect(r('a <= b and b <= 4', { a: 1, b: 3 })).toBe(1 / 7);
    expect(r('a >= b or b <= 4', { a: 1, b: 3 })).toBe(1 / 7);
    expect(r('not (a <= b)', { a: 1, b: 3 })).toBe(-0.5);
    // a tie fails a strict comparison by the least amount, and not of it holds
    expect(r('a < b', { a: 2, b: 2 })).toBe(-Number.MIN_VALUE);
    expect(r('not (a < b)', { a: 2, b: 2 })).toBeGreaterThan(0);
    expect(r('not (a <= b)', { a: 2, b: 2 })).toBeLessThan(0);
  });
});
