// compileOnSlots (an expression over an array of values) and the evaluator's direct arithmetic closures
// (src/core/expr.ts): against a plain walk of the AST with the whitelisted operations, bit for bit, on random
// expressions and values with NaN, ±∞ and −0; and evaluateFinite agrees wherever every value is finite.
import fc from 'fast-check';
import type { MathNode } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { compileExpr, compileOnSlots, evaluateFinite, nonFiniteIn, type Scope } from '../../src/core/expr.js';
import { fcRuns } from '../checks.js';

const OPS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  mod: (a, b) => a % b,
  smaller: (a, b) => (a < b ? 1 : 0),
  smallerEq: (a, b) => (a <= b ? 1 : 0),
  larger: (a, b) => (a > b ? 1 : 0),
  largerEq: (a, b) => (a >= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
  unequal: (a, b) => (a !== b ? 1 : 0),
  and: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  or: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};
const FUNCTIONS: Record<string, (...a: number[]) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  log: Math.log,
  max: Math.max,
  min: Math.min,
  atan2: Math.atan2,
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, Infinity };

/** The value of a node by a direct walk (scope first, then the constants). */
function walk(n: MathNode, scope: Scope): number {
  const node = n as unknown as { type: string; value: number; name: string; fn: string | { name: string }; args: MathNode[]; content: MathNode };
  switch (node.type) {
    case 'ConstantNode':
      return node.value;
    case 'SymbolNode':
      return Object.hasOwn(scope, node.name) ? scope[node.name] : CONSTANTS[node.name];
    case 'ParenthesisNode':
      return walk(node.content, scope);
    case 'OperatorNode': {
      const args = node.args.map((a) => walk(a, scope));
      if (args.length === 1) return node.fn === 'unaryMinus' ? -args[0] : node.fn === 'not' ? (args[0] === 0 ? 1 : 0) : args[0];
      return OPS[node.fn as string](args[0], args[1]);
    }
    case 'FunctionNode':
      return FUNCTIONS[(node.fn as { name: string }).name](...node.args.map((a) => walk(a, scope)));
    default:
      throw new Error(node.type);
  }
}

const NAMES = ['x', 'y', 'z', 'pi'];
const leaf = fc.oneof(fc.constantFrom('x', 'y', 'z', 'pi', 'e', 'Infinity'), fc.constantFrom('0', '2', '0.5', '1e-300', '1e300'));
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '^', '%', '<', '<=', '>', '>=', '==', '!=', 'and', 'or'), tie('expr'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('-', '+', 'not '), tie('expr')).map(([op, a]) => `${op}(${a})`),
    fc.tuple(fc.constantFrom('abs', 'sqrt', 'log'), tie('expr')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(fc.constantFrom('max', 'min', 'atan2'), tie('expr'), tie('expr')).map(([f, a, b]) => `${f}(${a}, ${b})`),
    fc.tuple(fc.constantFrom('max', 'min'), tie('expr'), tie('expr'), tie('expr')).map(([f, a, b, c]) => `${f}(${a}, ${b}, ${c})`),
  ),
}));
const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1));

describe('expressions on slots and the direct arithmetic closures', () => {
  it('give the value of a direct walk, bit for bit, with a scope, with slots, and (when finite) evaluateFinite', () => {
    let finite = 0;
    fc.assert(
      fc.property(expr, fc.tuple(value, value, value, value), fc.boolean(), (source, values, piInScope) => {
        const e = compileExpr(source);
        const scope: Scope = { x: values[0], y: values[1], z: values[2], ...(piInScope ? { pi: values[3] } : {}) };
        const names = piInScope ? NAMES : NAMES.slice(0, 3);
        const want = walk(e.node, scope);
        expect(Object.is(e.value(scope), want)).toBe(true);
        expect(Object.is(compileOnSlots(e, names)(Float64Array.from(names, (n) => scope[n])), want)).toBe(true);
        expect(Object.is(compileOnSlots(e, [...names].reverse())(Float64Array.from([...names].reverse(), (n) => scope[n])), want)).toBe(true);
        if (!nonFiniteIn(e, scope)) {
          finite++;
          expect(Object.is(evaluateFinite(e, scope), want)).toBe(true);
        }
      }),
      fcRuns(3000),
    );
    expect(finite).toBeGreaterThan(100);
  });

  it('names a symbol that is neither a slot nor a constant', () => {
    expect(() => compileOnSlots(compileExpr('x + w'), ['x'])([1])).toThrow('unknown symbol "w"; known: x');
    expect(compileOnSlots(compileExpr('pi + x'), ['x'])([1])).toBe(Math.PI + 1);
  });
});
