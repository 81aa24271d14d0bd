// Early decision (search.early_decision): a trial may stop its dynamics at the first step where its
// hypotheses or its property are decided for good. That is sound only for comparisons of running path
// extremes with a constant: a running min only falls and a running max (or a count) only rises, so
// `min < c` once true stays true and `min > c` once false stays false. This module checks statically
// that a claim's property and hypotheses are built from such comparisons (and constants) with
// and/or/not and a constant `c ? x : y`, and compiles them to a three-valued (Kleene) decision.
import type { MathNode } from 'mathjs';
import { comparisonMargin, type ExprNode } from '../core/robustness.js';
import { evaluateFinite, NonFiniteError, type Scope } from '../core/expr.js';
import { buildPlan, type BlockPlan, type Path, type PlanIssue, type SearchPlan } from './plan.js';
import { searchAtScale, type SearchSpec } from './schema.js';

/** How a running metric can move along the path: `down` never rises (a running min), `up` never falls (a running max, a count). */
export type Direction = 'down' | 'up';

/** A running metric's value so far and the bound on its rounding error. */
export interface RunningValue {
  value: number;
  error: number;
}

type Tri = boolean | undefined;
/** The formula's truth if it is decided for good (undefined: open); throws NonFiniteError when a constant is not finite. */
type Decide = (constants: Scope, running: (name: string) => RunningValue | undefined) => Tri;

const ORDER = new Set(['smaller', 'smallerEq', 'larger', 'largerEq']);
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  smaller: (a, b) => a < b,
  smallerEq: (a, b) => a <= b,
  larger: (a, b) => a > b,
  largerEq: (a, b) => a >= b,
};
const OP_TEXT: Record<string, string> = { smaller: '<', smallerEq: '<=', larger: '>', largerEq: '>=', equal: '==', unequal: '!=' };

/** How a metric block's value moves along the path, or why it is not a running extreme. */
export function runningDirection(block: BlockPlan): Direction | string {
  const p = block.params;
  if (block.def.name === 'active-set-changes') return 'up';
  if (block.def.name !== 'path-extreme') return `metric block "${block.def.name}" is computed once, at the end of the run`;
  if (p.output === 'count') return 'up';
  if (p.default !== undefined) return `its "default" stands in before the first counted step, and the running ${p.extreme} can then move either way from it`;
  return p.extreme === 'max' ? 'up' : 'down';
}

type Node = ExprNode;

const symbolsOf = (n: MathNode): string[] =>
  n
    .filter((x) => x.type === 'SymbolNode')
    .map((x) => (x as unknown as { name: string }).name);

/** What the compiled formulas of one plan read. */
interface Names {
  /** metrics that are running extremes, with their direction */
  running: Map<string, Direction>;
  /** names a trial computes from its run (metrics, variants, lets over them), and why each cannot be read early */
  dynamic: Map<string, string>;
}

function namesOf(plan: SearchPlan): Names {
  const running = new Map<string, Direction>();
  const dynamic = new Map<string, string>();
  for (const { name, block } of plan.metrics) {
    const d = runningDirection(block);
    if (d === 'down' || d === 'up') running.set(name, d);
    else dynamic.set(name, d);
  }
  for (const n of plan.names) if (n.origin === 'variant') dynamic.set(n.name, 'a variant is computed after the run');
  for (const { name, expr } of plan.lets) {
    const uses = [...expr.symbols].find((s) => running.has(s) || dynamic.has(s));
    if (uses) dynamic.set(name, `the let uses "${uses}"; early_decision reads lets of constants only`);
  }
  return { running, dynamic };
}

/** Compile one boolean formula, or report why it cannot be decided early (the first reason found). */
function compileFormula(root: MathNode, names: Names, refuse: (why: string) => void): Decide | undefined {
  const text = (n: MathNode) => n.toString();
  const isConstant = (n: MathNode) => symbolsOf(n).every((s) => !names.running.has(s) && !names.dynamic.has(s));
  const bareRunning = (n: MathNode): string | undefined => {
    let x = n as unknown as Node;
    while (x.type === 'ParenthesisNode') x = x.content as unknown as Node;
    return x.type === 'SymbolNode' && names.running.has(x.name!) ? x.name : undefined;
  };
  const explainSide = (n: MathNode): string => {
    const syms = symbolsOf(n);
    const dyn = syms.find((s) => names.dynamic.has(s));
    if (dyn) return `"${dyn}" cannot be read before the run ends: ${names.dynamic.get(dyn)}`;
    const run = syms.find((s) => names.running.has(s))!;
    return `"${run}" appears inside "${text(n)}": compare the running extreme itself with a constant`;
  };
  /** one comparison a op b */
  const atom = (op: string, a: MathNode, b: MathNode): Decide | undefined => {
    const ca = isConstant(a),
      cb = isConstant(b);
    if (ca && cb)
      return (k) => {
        const m = comparisonMargin(op, evaluateFinite(a, k), evaluateFinite(b, k));
        return m >= 0;
      };
    const ra = bareRunning(a),
      rb = bareRunning(b);
    if (!ORDER.has(op) && (ra || rb)) return void refuse(`"${text(a)} ${OP_TEXT[op] ?? op} ${text(b)}": an equality of a running extreme is never decided for good`);
    if (ra && rb) return void refuse(`"${text(a)} ${OP_TEXT[op]} ${text(b)}" compares two running extremes: the other side must be a constant`);
    if (!((ra && cb) || (rb && ca))) return void refuse(explainSide(ra || ca ? b : a));
    const metric = (ra ?? rb)!,
      other = ra ? b : a,
      left = !!ra;
    const compare = COMPARE[op];
    // does the comparison, read as `metric OP c`, become true as the metric moves its way?
    const rising = names.running.get(metric) === 'up';
    const metricLess = left === (op === 'smaller' || op === 'smallerEq');
    const towardTrue = rising !== metricLess;
    return (k, running) => {
      const c = evaluateFinite(other, k);
      const r = running(metric);
      if (!r || !Number.isFinite(r.value)) return undefined;
      const at = (v: number) => (left ? compare(v, c) : compare(c, v));
      const now = at(r.value);
      if (now !== towardTrue) return undefined;
      // decided beyond the value's rounding error (twice it), so the verdict's rounding re-check cannot flip it
      const e = 2 * r.error;
      return e > 0 && (at(r.value + e) !== now || at(r.value - e) !== now) ? undefined : now;
    };
  };
  const walk = (n: MathNode): Decide | undefined => {
    const x = n as unknown as Node;
    if (x.type === 'ParenthesisNode') return walk(x.content!);
    if (x.type === 'OperatorNode' && x.args!.length === 2 && (x.fn === 'and' || x.fn === 'or')) {
      const a = walk(x.args![0]),
        b = a && walk(x.args![1]);
      if (!a || !b) return undefined;
      return x.fn === 'and'
        ? (k, r) => {
            const u = a(k, r),
              v = b(k, r);
            return u === false || v === false ? false : u === true && v === true ? true : undefined;
          }
        : (k, r) => {
            const u = a(k, r),
              v = b(k, r);
            return u === true || v === true ? true : u === false && v === false ? false : undefined;
          };
    }
    if (x.type === 'OperatorNode' && x.fn === 'not' && x.args!.length === 1) {
      const a = walk(x.args![0]);
      return a && ((k, r) => (a(k, r) === undefined ? undefined : !a(k, r)));
    }
    if (x.type === 'OperatorNode' && x.args!.length === 2 && (ORDER.has(x.fn!) || x.fn === 'equal' || x.fn === 'unequal')) return atom(x.fn!, x.args![0], x.args![1]);
    if (x.type === 'RelationalNode') {
      const parts = x.conditionals!.map((op, i) => atom(op, x.params![i], x.params![i + 1]));
      if (parts.some((p) => !p)) return undefined;
      return (k, r) => {
        const v = parts.map((p) => p!(k, r));
        return v.includes(false) ? false : v.every((t) => t === true) ? true : undefined;
      };
    }
    if (x.type === 'ConditionalNode') {
      if (!isConstant(x.condition!)) return void refuse(`the condition "${text(x.condition!)}" of c ? x : y must be a constant (the branch is chosen before the run)`);
      const t = walk(x.trueExpr!),
        f = t && walk(x.falseExpr!);
      if (!t || !f) return undefined;
      return (k, r) => (evaluateFinite(x.condition!, k) !== 0 ? t(k, r) : f(k, r));
    }
    if (isConstant(n)) return (k) => evaluateFinite(n, k) !== 0;
    return void refuse(`"${text(n)}" is not a comparison of a running extreme with a constant (nor and/or/not of such)`);
  };
  return walk(root);
}

/** A trial's early decision: which running metrics it reads, and what is decided for good given their values so far. */
export interface EarlyDecider {
  /** the running metrics the formulas read */
  reads: string[];
  /** the trial's constants: its values and data statistics, with the lets over them evaluated (NaN where not finite) */
  constants: (scope: Scope) => Scope;
  /** out of regime (a hypothesis false for good) or fail (every hypothesis true and the property false, for good); undefined while open */
  decide: (constants: Scope, running: (name: string) => RunningValue | undefined) => { status: 'fail' | 'out-of-regime'; why: string } | undefined;
}

/** Compile a plan's early decision, calling `issue` for each reason it cannot be; undefined if it cannot. */
export function compileEarlyDecision(plan: SearchPlan, issue: (i: PlanIssue) => void): EarlyDecider | undefined {
  const base: Path = ['search'];
  let ok = true;
  const refuse = (path: Path, message: string) => {
    ok = false;
    issue({ path: [...base, ...path], message: `early_decision: ${message}` });
  };
  if (!plan.stages.dynamics) refuse(['early_decision'], 'the search has no dynamics to stop early');
  if (plan.variants.length) refuse(['variants'], 'a trial with variants re-runs its dynamics after the main run; early decision is not defined for it');
  const names = namesOf(plan);
  for (const { name, block } of plan.metrics) {
    if (block.params.watched_to_loss !== undefined)
      refuse(['metrics', name, 'watched_to_loss'], 'a path stopped early ends above the loss its watch must reach, so the trial would be imprecise');
  }
  const formulas: Array<{ name?: string; decide: Decide; reads: string[] }> = [];
  const add = (name: string | undefined, node: MathNode, path: Path) => {
    const d = compileFormula(node, names, (why) => refuse(path, why));
    if (d) formulas.push({ name, decide: d, reads: symbolsOf(node).filter((x) => names.running.has(x)) });
  };
  for (const h of plan.hypotheses) add(h.name, h.expr.node, ['hypotheses', h.name, 'when']);
  if (plan.property) add(undefined, plan.property.node, ['property']);
  const reads = [...new Set(formulas.flatMap((f) => f.reads))];
  if (ok && !reads.length) refuse(['early_decision'], 'neither the property nor a hypothesis reads a running path extreme (path-extreme, active-set-changes): nothing can be decided before the run ends');
  if (!ok) return undefined;
  const hyps = formulas.filter((f) => f.name !== undefined),
    property = formulas.find((f) => f.name === undefined);
  if (!property) return undefined;
  const lets = plan.lets.filter((l) => !names.dynamic.has(l.name));
  const valuesText = (fs: typeof formulas, running: (name: string) => RunningValue | undefined) =>
    [...new Set(fs.flatMap((f) => f.reads))]
      .map((m) => `${m} = ${running(m)?.value.toPrecision(6)} (a running ${names.running.get(m) === 'down' ? 'min: it can only fall' : 'max or count: it can only rise'})`)
      .join(', ');
  return {
    reads,
    constants: (scope) => {
      const k: Scope = { ...scope };
      for (const { name, expr } of lets) {
        try {
          k[name] = evaluateFinite(expr, k);
        } catch (e) {
          if (!(e instanceof NonFiniteError)) throw e;
          k[name] = NaN;
        }
      }
      return k;
    },
    decide: (k, running) => {
      try {
        let allTrue = true;
        for (const h of hyps) {
          const v = h.decide(k, running);
          if (v === false) return { status: 'out-of-regime', why: `hypothesis ${h.name} is false for good: ${valuesText([h], running)}` };
          allTrue &&= v === true;
        }
        if (allTrue && property.decide(k, running) === false) return { status: 'fail', why: `the property is false for good: ${valuesText([property], running)}` };
        return undefined;
      } catch (e) {
        // a constant that is not finite: the trial diverges at its end whatever the path does
        if (e instanceof NonFiniteError) return undefined;
        throw e;
      }
    },
  };
}

/**
 * Validation: a search with early_decision: true whose property or hypotheses are not monotone that way is invalid (both scales),
 * and so is one beside a histogram, which plots each judged trial's metric as the end of its run gives it.
 */
export function checkEarlyDecision(
  s: SearchSpec,
  ctx: { addIssue: (i: { code: 'custom'; path: Path; message: string }) => void },
  histogram?: { metric: string },
): void {
  if (s.early_decision !== true) return;
  if (histogram)
    ctx.addIssue({
      code: 'custom',
      path: ['histogram'],
      message: `a histogram plots "${histogram.metric}" of every judged trial as the end of its run gives it, but search.early_decision stops failing and out-of-regime trials at the step where they are decided, with their metrics read there: drop early_decision (or the histogram)`,
    });
  const seen = new Set<string>();
  for (const full of s.full ? [false, true] : [false]) {
    let plan: SearchPlan;
    try {
      plan = buildPlan(searchAtScale(s, full), () => {});
    } catch {
      return; // the plan's own errors are reported by the search's validation
    }
    compileEarlyDecision(plan, (i) => {
      const key = JSON.stringify([i.path, i.message]);
      if (seen.has(key)) return;
      seen.add(key);
      ctx.addIssue({ code: 'custom', path: i.path, message: i.message + (full ? ' (at the full scale, run --full)' : '') });
    });
  }
}

/** How a trial uses its early decision: `stop` its dynamics at the decision, or `observe` it and run the path to its end. */
export type EarlyMode = 'stop' | 'observe';

/** The internal mark of a search whose early decision observes without stopping (`--no-early`, boundary cells, ablation). */
const WHOLE_RUN = 'whole-run';

/** The early-decision mode of a search: undefined when it does not opt in. */
export function earlyModeOf(s: SearchSpec): EarlyMode | undefined {
  const e: unknown = s.early_decision;
  return e === true ? 'stop' : e === WHOLE_RUN ? 'observe' : undefined;
}

/** Whether the search was made by withoutEarlyDecision: its printed commands carry `--no-early`. */
export const runsWholePath = (s: SearchSpec): boolean => earlyModeOf(s) === 'observe';

/**
 * The search as `--no-early` runs it: every path to its end, with the decider still watching each step, so
 * that a trial's status is still its first decision's (fail or out of regime at step k); only the cost and
 * the quantities reported (those at the end of the run) differ from the early run.
 */
export function withoutEarlyDecision(s: SearchSpec): SearchSpec {
  if (s.early_decision !== true) return s;
  return { ...s, early_decision: WHOLE_RUN as unknown as boolean };
}

/**
 * What a trial stopped early did not compute, in words (the witness card, `replay`): its status was
 * decided at step k (a violation on the finite part of the path is a violation, whatever the rest of the
 * path does), and the rest of its path was never run.
 */
export function earlyStopNote(stop: { step: number; reason: string; notComputed?: string[] }): string {
  const what = stop.reason.startsWith('out-of-regime') ? 'a hypothesis was' : 'the property was';
  const skipped = stop.notComputed?.length ? `; not computed (the formulas do not read them): ${stop.notComputed.join(', ')}` : '';
  return `the status was decided at step ${stop.step} (${what} false for good there) and the path after it was not computed; the quantities are their values at step ${stop.step}${skipped}; --no-early shows the rest of the path (same status)`;
}

/** The command that re-runs a replay command's trial over its whole path (early decision off). */
export const wholePathCommand = (replay: string): string => (replay.includes(' --no-early') ? replay : `${replay} --no-early`);
