import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, ExprError, parseExpr } from '../../src/core/expr.js';
import { fcRuns } from '../checks.js';

describe('claim expressions', () => {
  it('refuses "#", which mathjs would read as the start of a comment that silently drops the rest', () => {
    expect(() => parseExpr('m <= 2 # and d > 3')).toThrow(/"#" is not allowed/);
  });

  it('evaluates arithmetic, comparisons, functions and constants in float64', () => {
    expect(evaluate(parseExpr('0.05 / Rmax'), { Rmax: 2 })).toBe(0.025);
    expect(evaluate(parseExpr('m * d / (sqrt(m) + sqrt(d))^2'), { m: 4, d: 9 })).toBeCloseTo(36 / 25, 15);
    expect(evaluate(parseExpr('a <= b and b < 3'), { a: 1, b: 2 })).toBe(1);
    expect(evaluate(parseExpr('a < b < c'), { a: 1, b: 3, c: 2 })).toBe(0);
    expect(evaluate(parseExpr('x > 0 ? x : 0.1 * x'), { x: -2 })).toBeCloseTo(-0.2, 15);
    expect(evaluate(parseExpr('max(1, 2, 3) + abs(-1) + pi - pi'), {})).toBe(4);
  });

  it.each([
    ['constructor', 'reserved'],
    ['__proto__', 'reserved'],
    ['process', 'reserved'],
    ['import("fs")', 'reserved'],
    ['a.constructor', 'AccessorNode'],
    ['x = 3', 'AssignmentNode'],
    ['f(x) = x', 'FunctionAssignmentNode'],
    ['"text"', 'numeric constants'],
    ['{a: 1}', 'ObjectNode'],
    ['[1, 2]', 'ArrayNode'],
    ['evaluate("1+1")', 'unknown function'],
    ['x[1]', 'AccessorNode'],
    ['1; 2', 'BlockNode'],
  ])('rejects %s', (src, why) => {
    expect(() => parseExpr(src)).toThrow(ExprError);
    expect(() => parseExpr(src)).toThrow(why);
  });

  it('names an unknown symbol and lists the known ones', () => {
    expect(() => evaluate(parseExpr('x + y'), { x: 1 })).toThrow(/unknown symbol "y"; known: x/);
  });

  it('agrees with JavaScript arithmetic on random polynomials (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (x, y) => {
        const v = evaluate(parseExpr('3*x^2 - 2*x*y + y^3 / 4 - 1'), { x, y });
        expect(v).toBeCloseTo(3 * x * x - 2 * x * y + (y * y * y) / 4 - 1, 9);
      }),
      fcRuns(200),
    );
  });
});
