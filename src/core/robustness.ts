// The robustness of a claim's property or hypothesis: a signed margin ρ with ρ ≥ 0 exactly when the
// expression holds, so that a search can minimize it (as S-TaLiRo and PropEr's targeted testing do).
//   a <= b, a < b:  (b − a) / (|a| + |b|, or 1 when both are 0) — the relative slack the reports show;
//                   a strict comparison that ties gives −Number.MIN_VALUE (fails, by the least amount)
//   a == b:         −|a − b| / scale          a != b: |a − b| / scale (−MIN_VALUE when equal)
//   and → min, or → max, not → negation, c ? x : y → the chosen branch, a chain a < b <= c → min
//   any other value v is a truth value: 1 when v ≠ 0, −1 when v = 0
// ρ is NaN when any value the expression computes is not finite (NaN or ±Infinity): every symbol, constant,
// operation and call, both sides of and/or, the condition and the chosen branch of c ? x : y. Such a trial
// has no verdict (never a pass, never a fail): one rule, with no three-valued logic that could hide a NaN.
import type { MathNode } from 'mathjs';
import { evaluateFinite, nameTable, NonFiniteError, type Expr, type Scope } from './expr.js';

export type Robustness = (scope: Scope) => number;

const TIE = -Number.MIN_VALUE;

// Math.min and Math.max are NaN when either side is.
const conjunction = (a: number, b: number): number => Math.min(a, b);
const disjunction = (a: number, b: number): number => Math.max(a, b);
const negate = (r: number): number => (r === 0 ? TIE : -r);

/** The margin of one comparison between a and b, in the relative units of the reports. */
export function comparisonMargin(op: string, a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const compare = COMPARE[op];
  if (!compare) throw new Error(`not a comparison: ${op}`);
  const holds = compare(a, b);
  const scale = Math.abs(a) + Math.abs(b) || 1;
  let m =
    op === 'smaller' || op === 'smallerEq'
      ? (b - a) / scale
      : op === 'larger' || op === 'largerEq'
        ? (a - b) / scale
        : op === 'equal'
          ? -Math.abs(a - b) / scale
          : Math.abs(a - b) / scale;
  // infinities: the sign comes from the comparison itself
  if (Number.isNaN(m)) m = holds ? (a === b ? 0 : 1) : -1;
  return m === 0 && !holds ? TIE : m;
}

const COMPARE = nameTable<(a: number, b: number) => boolean>({
  smaller: (a, b) => a < b,
  smallerEq: (a, b) => a <= b,
  larger: (a, b) => a > b,
  largerEq: (a, b) => a >= b,
  equal: (a, b) => a === b,
  unequal: (a, b) => a !== b,
});

/** The fields of a mathjs node that the robustness semantics (and the early-decision check) read. */
export type ExprNode = {
  type: string;
  fn?: string;
  name?: string;
  args?: MathNode[];
  content?: MathNode;
  conditionals?: string[];
  params?: MathNode[];
  condition?: MathNode;
  trueExpr?: MathNode;
  falseExpr?: MathNode;
};

function compile(n: MathNode): Robustness {
  const node = n as unknown as ExprNode;
  if (node.type === 'ParenthesisNode') return compile(node.content!);
  if (node.type === 'OperatorNode' && node.args!.length === 2) {
    const op = node.fn!,
      [x, y] = node.args!;
    if (Object.hasOwn(COMPARE, op)) return (s) => comparisonMargin(op, evaluateFinite(x, s), evaluateFinite(y, s));
    if (op === 'and' || op === 'or') {
      const a = compile(x),
        b = compile(y);
      return op === 'and' ? (s) => conjunction(a(s), b(s)) : (s) => disjunction(a(s), b(s));
    }
  }
  if (node.type === 'OperatorNode' && node.fn === 'not' && node.args!.length === 1) {
    const a = compile(node.args![0]);
    return (s) => negate(a(s));
  }
  if (node.type === 'RelationalNode') {
    const conds = node.conditionals!,
      params = node.params!;
    return (s) => {
      const v = params.map((p) => evaluateFinite(p, s));
      let r = Infinity;
      for (let i = 0; i < conds.length; i++) r = conjunction(r, comparisonMargin(conds[i], v[i], v[i + 1]));
      return r;
    };
  }
  if (node.type === 'ConditionalNode') {
    const t = compile(node.trueExpr!),
      f = compile(node.falseExpr!),
      c = node.condition!;
    return (s) => (evaluateFinite(c, s) !== 0 ? t(s) : f(s));
  }
  return (s) => (evaluateFinite(n, s) !== 0 ? 1 : -1);
}

const CACHE = new WeakMap<Expr, Robustness>();
/** ρ of an expression (compiled once per parsed expression): NaN when any value it computes is not finite. */
export function robustness(e: Expr): Robustness {
  let r = CACHE.get(e);
  if (!r) {
    const rho = compile(e.node);
    r = (s) => {
      try {
        return rho(s);
      } catch (err) {
        if (err instanceof NonFiniteError) return NaN;
        throw err;
      }
    };
    CACHE.set(e, r);
  }
  return r;
}

/** The top-level conjuncts of an expression (`a and (b and c)` → a, b, c); one part for anything else. */
export function conjunctNodes(n: MathNode): MathNode[] {
  const node = n as unknown as { type: string; fn?: string; args?: MathNode[]; content?: MathNode };
  if (node.type === 'ParenthesisNode') return conjunctNodes(node.content!);
  if (node.type === 'OperatorNode' && node.fn === 'and' && node.args!.length === 2) return [...conjunctNodes(node.args![0]), ...conjunctNodes(node.args![1])];
  return [n];
}

/** ρ of each top-level conjunct (the property's ρ is their minimum); a guide can weigh them separately, so a conjunct that never moves cannot hide one that does. */
export function conjunctRobustness(e: Expr): Robustness[] {
  return conjunctNodes(e.node).map((node) => robustness({ ...e, node } as Expr));
}
