// Expressions in claim files are data: parsed by mathjs into an AST, checked against an
// explicit whitelist of node types, functions and symbols, and evaluated by our own walker.
// Nothing in a claim file ever reaches eval, new Function or mathjs's evaluate.
import type { MathNode } from 'mathjs';
import { parse } from './mathjs.js';

/** A name table with no prototype: a name is in it only if it was put there (never `toString`, `valueOf`, …). */
export function nameTable<V>(entries: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}

export const ALLOWED_FUNCTIONS = nameTable<(...a: number[]) => number>({
  abs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  atan: Math.atan,
  atan2: Math.atan2,
  sinh: Math.sinh,
  asinh: Math.asinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  min: (...a) => Math.min(...a),
  max: (...a) => Math.max(...a),
  sign: Math.sign,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
});

export const CONSTANTS = nameTable<number>({ pi: Math.PI, e: Math.E, Infinity: Infinity });

const BINARY = nameTable<(a: number, b: number) => number>({
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
});
const UNARY = nameTable<(a: number) => number>({
  unaryMinus: (a) => -a,
  unaryPlus: (a) => a,
  not: (a) => (a === 0 ? 1 : 0),
});

export class ExprError extends Error {}

export interface Expr {
  source: string;
  node: MathNode;
  symbols: Set<string>;
  functions: Set<string>;
}

/** Parse and whitelist-check an expression. `extraFunctions` are names a caller defines itself (e.g. phi in a case split). */
export function parseExpr(source: string, extraFunctions: Iterable<string> = []): Expr {
  if (typeof source !== 'string') throw new ExprError(`expected an expression string, found ${typeof source}`);
  if (source.length > 2000) throw new ExprError('expression longer than 2000 characters');
  // mathjs reads "#" as a comment: "m <= 2 # and d > 3" would look like a condition yet be ignored
  if (source.includes('#')) throw new ExprError(`"#" is not allowed in an expression (mathjs would read the rest as a comment): "${source}"`);
  let node: MathNode;
  try {
    node = parse(source);
  } catch (e) {
    throw new ExprError(`cannot parse "${source}": ${(e as Error).message}`);
  }
  const extra = new Set(extraFunctions);
  const symbols = new Set<string>();
  const functions = new Set<string>();
  let depth = 0;
  const visit = (n: MathNode, d: number): void => {
    depth = Math.max(depth, d);
    if (d > 200) throw new ExprError('expression nested too deeply');
    switch (n.type) {
      case 'ConstantNode': {
        const v = (n as unknown as { value: unknown }).value;
        if (typeof v !== 'number') throw new ExprError(`only numeric constants are allowed, found ${JSON.stringify(v)}`);
        return;
      }
      case 'SymbolNode': {
        const name = (n as unknown as { name: string }).name;
        checkName(name);
        if (!Object.hasOwn(CONSTANTS, name)) symbols.add(name);
        return;
      }
      case 'ParenthesisNode':
        return visit((n as unknown as { content: MathNode }).content, d + 1);
      case 'OperatorNode': {
        const op = n as unknown as { fn: string; args: MathNode[] };
        const known = Object.hasOwn(op.args.length === 1 ? UNARY : BINARY, op.fn);
        if (!known) throw new ExprError(`operator "${op.fn}" is not allowed`);
        for (const a of op.args) visit(a, d + 1);
        return;
      }
      case 'RelationalNode': {
        const r = n as unknown as { conditionals: string[]; params: MathNode[] };
        for (const c of r.conditionals) if (!Object.hasOwn(BINARY, c)) throw new ExprError(`comparison "${c}" is not allowed`);
        for (const p of r.params) visit(p, d + 1);
        return;
      }
      case 'ConditionalNode': {
        const c = n as unknown as { condition: MathNode; trueExpr: MathNode; falseExpr: MathNode };
        visit(c.condition, d + 1);
        visit(c.trueExpr, d + 1);
        visit(c.falseExpr, d + 1);
        return;
      }
      case 'FunctionNode': {
        const f = n as unknown as { fn: MathNode; args: MathNode[] };
        if (f.fn.type !== 'SymbolNode') throw new ExprError('only named functions can be called');
        const name = (f.fn as unknown as { name: string }).name;
        checkName(name);
        if (!Object.hasOwn(ALLOWED_FUNCTIONS, name) && !extra.has(name)) {
          throw new ExprError(`unknown function "${name}"; allowed: ${[...Object.keys(ALLOWED_FUNCTIONS), ...extra].join(', ')}`);
        }
        functions.add(name);
        for (const a of f.args) visit(a, d + 1);
        return;
      }
      default:
        throw new ExprError(`${n.type} is not allowed in claim expressions`);
    }
  };
  visit(node, 0);
  return { source, node, symbols, functions };
}

// Every name a JavaScript object or function inherits (toString, valueOf, isPrototypeOf, call, …) is refused
// as well, so that no lookup of a claim's name can ever reach a prototype.
const FORBIDDEN = new Set([
  'constructor',
  '__proto__',
  'prototype',
  'process',
  'import',
  'require',
  'eval',
  'Function',
  'globalThis',
  'this',
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype).filter((n) => n !== 'length' && n !== 'name'),
]);
function checkName(name: string): void {
  if (FORBIDDEN.has(name) || name.startsWith('__')) throw new ExprError(`the name "${name}" is reserved`);
}

export type Scope = Record<string, number>;

/** Evaluate a whitelisted AST in float64. Unknown symbols are an error naming them. */
export function evaluate(e: Expr | MathNode, scope: Scope): number {
  return ('node' in e ? compiled(e) : compiledNode(e))(scope);
}

type Evaluator = (scope: Scope) => number;

/** A sub-expression took a non-finite value (NaN, ±Infinity) where every value must be finite. */
export class NonFiniteError extends Error {
  constructor(
    readonly at: string,
    readonly value: number,
  ) {
    super(`${at} = ${value}`);
  }
}

/** An expression parsed and compiled once: its AST and a float64 evaluator (a tree of closures over the whitelisted operations, never eval). */
export interface CompiledExpr extends Expr {
  value: Evaluator;
}

const EVALUATORS = new WeakMap<Expr, Evaluator>();
function compiled(e: Expr): Evaluator {
  let f = EVALUATORS.get(e);
  if (!f) EVALUATORS.set(e, (f = compileNode(e.node, false)));
  return f;
}

const NODE_EVALUATORS = new WeakMap<MathNode, Evaluator>();
function compiledNode(n: MathNode): Evaluator {
  let f = NODE_EVALUATORS.get(n);
  if (!f) NODE_EVALUATORS.set(n, (f = compileNode(n, false)));
  return f;
}

const FINITE_EVALUATORS = new WeakMap<MathNode, Evaluator>();
/**
 * Evaluate with every sub-expression required to be finite: the value of each symbol, constant, operation and
 * function call (both sides of `and`/`or`; of `c ? x : y` the condition and the chosen branch), or NonFiniteError
 * naming the first one that is not.
 */
export function evaluateFinite(e: Expr | MathNode, scope: Scope): number {
  const n = 'node' in e ? e.node : e;
  let f = FINITE_EVALUATORS.get(n);
  if (!f) FINITE_EVALUATORS.set(n, (f = compileNode(n, true)));
  return f(scope);
}

/** The first non-finite sub-expression of `e` in `scope` (as evaluateFinite finds it), or undefined when every value is finite. */
export function nonFiniteIn(e: Expr | MathNode, scope: Scope): NonFiniteError | undefined {
  try {
    evaluateFinite(e, scope);
    return undefined;
  } catch (err) {
    if (err instanceof NonFiniteError) return err;
    throw err;
  }
}

const COMPILED = new Map<string, CompiledExpr>();
/** Parse, check and compile `source` once per process (memoized by its text; expressions with extra functions are not memoized). */
export function compileExpr(source: string, extraFunctions: Iterable<string> = []): CompiledExpr {
  const extra = [...extraFunctions];
  const key = extra.length ? undefined : source;
  const known = key === undefined ? undefined : COMPILED.get(key);
  if (known) return known;
  const e = parseExpr(source, extra);
  const c: CompiledExpr = { ...e, value: compiled(e) };
  if (key !== undefined) {
    if (COMPILED.size >= 10000) COMPILED.clear();
    COMPILED.set(key, c);
  }
  return c;
}

const unknownSymbol = (name: string, scope: Scope) => new ExprError(`unknown symbol "${name}"; known: ${Object.keys(scope).sort().join(', ')}`);

/** In finite mode, a node's evaluator that throws NonFiniteError when its value is not finite. */
function finiteChecked(n: MathNode, f: Evaluator): Evaluator {
  return (scope) => {
    const v = f(scope);
    if (Number.isFinite(v)) return v;
    throw new NonFiniteError(n.toString(), v);
  };
}

/**
 * The expression as a function of an array of values: symbol `names[i]` reads values[i] (a constant's name too, where
 * listed), any other symbol its constant; a symbol that is neither is an error. The same float64 operations in the
 * same order as `value` on a scope holding those values.
 */
export function compileOnSlots(e: Expr, names: readonly string[]): (values: ArrayLike<number>) => number {
  return compileNode(e.node, false, new Map(names.map((name, i) => [name, i]))) as unknown as (values: ArrayLike<number>) => number;
}

// Each node becomes a closure doing the same float64 operations in the same order as a direct walk.
// With `slots`, a symbol reads its slot of an array of values instead of a scope's entry.
function compileNode(n: MathNode, finite: boolean, slots?: Map<string, number>): Evaluator {
  const sub = (m: MathNode) => compileNode(m, finite, slots);
  const checked = (f: Evaluator) => (finite ? finiteChecked(n, f) : f);
  switch (n.type) {
    case 'ConstantNode': {
      const v = (n as unknown as { value: number }).value;
      return checked(() => v);
    }
    case 'SymbolNode': {
      const name = (n as unknown as { name: string }).name;
      const hasConstant = Object.hasOwn(CONSTANTS, name);
      const c = CONSTANTS[name];
      if (slots) {
        const i = slots.get(name);
        if (i !== undefined) return (values) => (values as unknown as ArrayLike<number>)[i];
        if (hasConstant) return () => c;
        return () => {
          throw new ExprError(`unknown symbol "${name}"; known: ${[...slots.keys()].sort().join(', ')}`);
        };
      }
      return checked((scope) => {
        if (Object.hasOwn(scope, name)) return scope[name];
        if (hasConstant) return c;
        throw unknownSymbol(name, scope);
      });
    }
    case 'ParenthesisNode':
      return sub((n as unknown as { content: MathNode }).content);
    case 'OperatorNode': {
      const op = n as unknown as { fn: string; args: MathNode[] };
      if (op.args.length === 1) {
        const f = Object.hasOwn(UNARY, op.fn) ? UNARY[op.fn] : undefined,
          a = sub(op.args[0]);
        if (!f)
          return () => {
            throw new ExprError(`operator "${op.fn}" is not allowed`);
          };
        if (!finite && op.fn === 'unaryMinus') return (scope) => -a(scope);
        return checked((scope) => f(a(scope)));
      }
      const a = sub(op.args[0]),
        b = sub(op.args[1]);
      if (finite && (op.fn === 'and' || op.fn === 'or')) {
        const f = BINARY[op.fn];
        return (scope) => f(a(scope), b(scope));
      }
      if (op.fn === 'and') return (scope) => (a(scope) !== 0 && b(scope) !== 0 ? 1 : 0);
      if (op.fn === 'or') return (scope) => (a(scope) !== 0 || b(scope) !== 0 ? 1 : 0);
      const direct = finite ? undefined : directBinary(op.fn, a, b);
      if (direct) return direct;
      const f = Object.hasOwn(BINARY, op.fn) ? BINARY[op.fn] : undefined;
      if (!f)
        return () => {
          throw new ExprError(`operator "${op.fn}" is not allowed`);
        };
      return checked((scope) => f(a(scope), b(scope)));
    }
    case 'RelationalNode': {
      const r = n as unknown as { conditionals: string[]; params: MathNode[] };
      const params = r.params.map(sub),
        cond = r.conditionals.map((c) => (Object.hasOwn(BINARY, c) ? BINARY[c] : () => NaN));
      return (scope) => {
        const vals = params.map((p) => p(scope));
        for (let i = 0; i < cond.length; i++) if (!cond[i](vals[i], vals[i + 1])) return 0;
        return 1;
      };
    }
    case 'ConditionalNode': {
      const c = n as unknown as { condition: MathNode; trueExpr: MathNode; falseExpr: MathNode };
      const cond = sub(c.condition),
        t = sub(c.trueExpr),
        f = sub(c.falseExpr);
      return (scope) => (cond(scope) !== 0 ? t(scope) : f(scope));
    }
    case 'FunctionNode': {
      const f = n as unknown as { fn: { name: string }; args: MathNode[] };
      const fn = Object.hasOwn(ALLOWED_FUNCTIONS, f.fn.name) ? ALLOWED_FUNCTIONS[f.fn.name] : undefined;
      const args = f.args.map(sub);
      if (!fn)
        return () => {
          throw new ExprError(`function "${f.fn.name}" has no numeric definition here`);
        };
      if (args.length === 1) {
        const [a] = args;
        return checked((scope) => fn(a(scope)));
      }
      if (args.length === 2) {
        const [a, b] = args;
        return checked((scope) => fn(a(scope), b(scope)));
      }
      return checked((scope) => fn(...args.map((a) => a(scope))));
    }
    default:
      return () => {
        throw new ExprError(`${n.type} is not allowed`);
      };
  }
}

/** BINARY's arithmetic and comparisons as closures of their own (the same operation on a's value and then b's, without the call through the table). */
function directBinary(fn: string, a: Evaluator, b: Evaluator): Evaluator | undefined {
  switch (fn) {
    case 'add':
      return (scope) => a(scope) + b(scope);
    case 'subtract':
      return (scope) => a(scope) - b(scope);
    case 'multiply':
      return (scope) => a(scope) * b(scope);
    case 'divide':
      return (scope) => a(scope) / b(scope);
    case 'smaller':
      return (scope) => (a(scope) < b(scope) ? 1 : 0);
    case 'smallerEq':
      return (scope) => (a(scope) <= b(scope) ? 1 : 0);
    case 'larger':
      return (scope) => (a(scope) > b(scope) ? 1 : 0);
    case 'largerEq':
      return (scope) => (a(scope) >= b(scope) ? 1 : 0);
    default:
      return undefined;
  }
}

/**
 * For a comparison `a <= b` (or <, >=, >, ==): the two sides, so a report can show both numbers.
 * For a conjunction of comparisons: the first false conjunct, or, when all hold, the tightest one.
 */
export function comparisonSides(e: Expr, scope: Scope): { op: string; lhs: number; rhs: number; conjunct?: string } | undefined {
  const strip = (n: MathNode): MathNode => (n.type === 'ParenthesisNode' ? strip((n as unknown as { content: MathNode }).content) : n);
  const conjuncts: MathNode[] = [];
  const collect = (n: MathNode): void => {
    const m = strip(n);
    const op = m as unknown as { fn?: string; args?: MathNode[] };
    if (m.type === 'OperatorNode' && op.fn === 'and') op.args!.forEach(collect);
    else conjuncts.push(m);
  };
  collect(e.node);
  const sides = conjuncts.map((n) => {
    const op = n as unknown as { fn: string; op: string; args: MathNode[] };
    if (n.type !== 'OperatorNode' || !['smaller', 'smallerEq', 'larger', 'largerEq', 'equal'].includes(op.fn) || op.args.length !== 2) return undefined;
    const lhs = evaluate(op.args[0], scope),
      rhs = evaluate(op.args[1], scope);
    const slack = (op.op.startsWith('<') ? rhs - lhs : op.op.startsWith('>') ? lhs - rhs : -Math.abs(lhs - rhs)) / (Math.abs(lhs) + Math.abs(rhs) || 1);
    return { op: op.op, lhs, rhs, holds: evaluate(n, scope) !== 0, slack, conjunct: n.toString() };
  });
  if (sides.some((x) => x === undefined)) return undefined;
  const all = sides as NonNullable<(typeof sides)[number]>[];
  const pick = all.find((x) => !x.holds) ?? all.reduce((a, b) => (b.slack < a.slack ? b : a));
  return { op: pick.op, lhs: pick.lhs, rhs: pick.rhs, conjunct: all.length > 1 ? pick.conjunct : undefined };
}

/** The head "name(arg, …)" of a definition in a case split. */
export function parseFnHead(head: string): { name: string; args: string[] } | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*\(\s*([A-Za-z][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_]*)*)\s*\)\s*$/.exec(head);
  if (!m) return undefined;
  return { name: m[1], args: m[2].split(',').map((a) => a.trim()) };
}
