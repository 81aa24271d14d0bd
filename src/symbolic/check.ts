// Symbolic steps: identities, inequalities under assumptions, and conservation laws along a flow.
// Each case of a case split is reduced by the CAS and cross-checked in float64 at ≥ 200 seeded
// random points of its region (an inequality then by a guided search for its least margin over the
// box, guided-box.ts); a failing point is re-evaluated in 64-digit BigNumber arithmetic.
import type { MathNode } from 'mathjs';
import { parse } from '../core/mathjs.js';
import { evaluate, parseExpr, parseFnHead, type Scope } from '../core/expr.js';
import { LIMITS } from '../claims/limits.js';
import type { SymbolicStep } from '../claims/schema.js';
import { Rng } from '../numeric/rng.js';
import { differentiate, directionalDerivativeBig, evaluateBig, EXACT_ENGINE, inexactNumeral, reducesToZero, type ZeroTest } from './cas.js';
import { GUIDED_BOX_DEFAULTS, searchLeastMargin, type MarginPoint } from './guided-box.js';

export type StepVerdict = 'verified' | 'refuted' | 'numeric-only' | 'cas-fault' | 'error';

export interface PointReport {
  point: Scope;
  lhs: number;
  rhs: number;
  /** the same difference in 64-digit arithmetic */
  bigDifference?: string;
}

export interface CaseResult {
  name: string;
  conditions: string[];
  /** what was handed to the CAS, after the case's definitions were substituted */
  expression: string;
  cas: ZeroTest & { certificate?: 'checked' | 'not-nonnegative' };
  /** `failures` counts the random points and the guided evaluations that fail */
  numeric: { points: number; attempts: number; failures: number; maxError: number; tolerance: string; worst?: PointReport; guided?: GuidedBoxReport };
  verdict: StepVerdict;
  message: string;
  /** the first sample point where a side was NaN or ±∞: the case is not checked (verdict `error`), whatever the CAS said */
  nonFinite?: NonFinitePoint;
}

/** An inequality's guided phase: evaluations after the random points, and the least margin slack/(1+|lhs|+|rhs|) it found. */
export interface GuidedBoxReport {
  evaluations: number;
  /** outside the conditions, or a side not finite there */
  rejected: number;
  failures: number;
  least?: MarginPoint;
}

export interface CheckOptions {
  /** margin evaluations of an inequality's guided phase per case (0 turns it off) */
  guidedEvaluations?: number;
}

/** A sample point where a side of a step is not a finite number: a step is checked only where both sides are. */
export interface NonFinitePoint {
  point: Scope;
  /** which number was not finite: a side, or (conserved) the quantity's difference quotient */
  side: 'lhs' | 'rhs';
  value: number;
}

export interface StepResult {
  id: string;
  kind: SymbolicStep['kind'];
  statement?: string;
  verdict: StepVerdict;
  cases: CaseResult[];
  message: string;
  seed: number;
  /** the claim this step belongs to, when this claim names it in `uses` */
  sharedFrom?: string;
}

type Node = MathNode & { type: string };

function substitute(node: MathNode, symbols: Record<string, MathNode>, fns: Record<string, { args: string[]; body: MathNode }>): MathNode {
  return node.transform((n: MathNode) => {
    const nd = n as Node;
    if (nd.type === 'FunctionNode') {
      const f = nd as unknown as { fn: { name: string }; args: MathNode[] };
      const def = fns[f.fn.name];
      if (def) {
        if (def.args.length !== f.args.length) throw new Error(`${f.fn.name} takes ${def.args.length} argument(s), called with ${f.args.length}`);
        const argMap: Record<string, MathNode> = {};
        def.args.forEach((a, i) => (argMap[a] = parse(`(${substitute(f.args[i], symbols, fns).toString()})`)));
        return parse(`(${substitute(def.body, argMap, {}).toString()})`);
      }
    }
    if (nd.type === 'SymbolNode') {
      const name = (nd as unknown as { name: string }).name;
      if (symbols[name]) return symbols[name];
    }
    return n;
  });
}

/** Expand `where` definitions (which may refer to one another) and a case's function definitions. */
function expander(step: SymbolicStep, define: Record<string, string>) {
  const fns: Record<string, { args: string[]; body: MathNode }> = {};
  for (const [head, body] of Object.entries(define)) {
    const h = parseFnHead(head)!;
    fns[h.name] = { args: h.args, body: parse(body) };
  }
  const fnNames = Object.keys(fns);
  const where: Record<string, MathNode> = {};
  for (const [k, v] of Object.entries(step.where)) where[k] = parse(`(${v})`);
  return (source: string): MathNode => {
    let node = parseExpr(source, fnNames).node;
    // definitions that call each other can grow an expression exponentially: stop at 5× the validated length
    const max = 5 * LIMITS.stepChars.value;
    for (let i = 0; i < 20; i++) {
      const next = substitute(node, where, fns);
      const text = next.toString();
      if (text === node.toString()) return node;
      if (text.length > max)
        throw new Error(`"${truncate(source, 60)}" grows past ${max} characters as its definitions are substituted (${LIMITS.stepChars.env} sets the limit)`);
      node = next;
    }
    throw new Error(`definitions in "where" refer to each other in a cycle`);
  };
}

function sampler(step: SymbolicStep, conditions: MathNode[], rng: Rng, want: number) {
  const vars = Object.entries(step.variables);
  const maxAttempts = want * 1000;
  const points: Scope[] = [];
  let attempts = 0;
  while (points.length < want && attempts < maxAttempts) {
    attempts++;
    const p: Scope = {};
    for (const [k, [lo, hi]] of vars) p[k] = rng.uniformIn(lo, hi);
    if (conditions.every((c) => evaluate(c, p) !== 0)) points.push(p);
  }
  return { points, attempts };
}

/** Is e built only from non-negative pieces (squares, even powers, abs, sqrt, exp, positive constants, assumed-non-negative symbols)? */
export function syntacticallyNonnegative(node: MathNode, nonneg: Set<string>): boolean {
  const n = node as Node;
  switch (n.type) {
    case 'ConstantNode':
      return (n as unknown as { value: number }).value >= 0;
    case 'SymbolNode':
      return nonneg.has((n as unknown as { name: string }).name) || ['pi', 'e'].includes((n as unknown as { name: string }).name);
    case 'ParenthesisNode':
      return syntacticallyNonnegative((n as unknown as { content: MathNode }).content, nonneg);
    case 'FunctionNode': {
      const f = n as unknown as { fn: { name: string }; args: MathNode[] };
      return ['abs', 'sqrt', 'exp', 'cosh'].includes(f.fn.name);
    }
    case 'OperatorNode': {
      const op = n as unknown as { fn: string; args: MathNode[] };
      if (op.fn === 'pow') {
        const ex = op.args[1] as Node;
        if (ex.type === 'ConstantNode' && Number.isInteger((ex as unknown as { value: number }).value) && (ex as unknown as { value: number }).value % 2 === 0)
          return true;
        return syntacticallyNonnegative(op.args[0], nonneg);
      }
      if (['add', 'multiply', 'divide'].includes(op.fn)) return op.args.every((a) => syntacticallyNonnegative(a, nonneg));
      return false;
    }
    default:
      return false;
  }
}

function nonnegativeSymbols(assume: string[]): Set<string> {
  const out = new Set<string>();
  for (const a of assume) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(>=|>)\s*(0|[0-9.]+)\s*$/.exec(a) ?? /^\s*(?:0|[0-9.]+)\s*(<=|<)\s*([A-Za-z][A-Za-z0-9_]*)\s*$/.exec(a);
    if (m) out.add(/^[A-Za-z]/.test(m[1]) ? m[1] : m[2]);
  }
  return out;
}

const TOL = 1e-9;

/** Why a step's check never ran to the end: its worker died, it passed its deadline, or its worker's heap limit. */
export type NotCheckedReason =
  { kind: 'worker-failed'; error: string } | { kind: 'timeout'; ms: number; env: string } | { kind: 'memory'; mb: number; env: string };

/** A step as the pool hands it back: checked (whatever its verdict), or not checked and why; only `result` goes into the report. */
export type StepOutcome = { status: 'checked'; result: StepResult } | { status: 'not-checked'; reason: NotCheckedReason; result: StepResult };

export function describeNotChecked(r: NotCheckedReason): string {
  switch (r.kind) {
    case 'worker-failed':
      return `its worker failed (${r.error})`;
    case 'timeout':
      return `the step exceeded the symbolic-step time limit of ${r.ms / 1000} s (set ${r.env} to raise it)`;
    case 'memory':
      return `the step exceeded the worker heap limit of ${r.mb} MB (set ${r.env} to raise it)`;
  }
}

/** A step whose check never ran to the end: its result is an error, never a verdict on the mathematics. */
export function stepNotChecked(step: SymbolicStep, seed: number, reason: NotCheckedReason): StepOutcome {
  const result: StepResult = {
    id: step.id,
    kind: step.kind,
    statement: step.statement,
    verdict: 'error',
    cases: [],
    message: `not checked${reason.kind === 'worker-failed' ? '' : ` (${reason.kind})`}: ${describeNotChecked(reason)}`,
    seed,
    ...(step.sharedFrom ? { sharedFrom: step.sharedFrom } : {}),
  };
  return { status: 'not-checked', reason, result };
}

export function checkStep(step: SymbolicStep, seed: number, options: CheckOptions = {}): StepResult {
  const cases = step.cases ?? [{ name: 'all', when: [], define: {} }];
  const results: CaseResult[] = [];
  const rng = new Rng(seed);
  for (const c of cases) {
    try {
      results.push(checkCase(step, c, rng.fork(c.name), options.guidedEvaluations ?? GUIDED_BOX_DEFAULTS.budget));
    } catch (e) {
      results.push({
        name: c.name,
        conditions: [...step.assume, ...c.when],
        expression: '',
        cas: { result: 'failed', engine: 'none', error: (e as Error).message },
        numeric: { points: 0, attempts: 0, failures: 0, maxError: NaN, tolerance: '' },
        verdict: 'error',
        message: `could not check: ${(e as Error).message}`,
      });
    }
  }
  const order: StepVerdict[] = ['refuted', 'cas-fault', 'error', 'numeric-only', 'verified'];
  const verdict = order.find((v) => results.some((r) => r.verdict === v)) ?? 'error';
  const message =
    verdict === 'verified'
      ? `verified on ${results.length} case(s): CAS and ${results.reduce((s, r) => s + r.numeric.points, 0)} numeric points agree`
      : results
          .filter((r) => r.verdict === verdict)
          .map((r) => `${r.name}: ${r.message}`)
          .join('; ');
  return {
    id: step.id,
    kind: step.kind,
    statement: step.statement,
    verdict,
    cases: results,
    message,
    seed,
    ...(step.sharedFrom ? { sharedFrom: step.sharedFrom } : {}),
  };
}

function checkCase(step: SymbolicStep, c: { name: string; when: string[]; define: Record<string, string> }, rng: Rng, guidedBudget: number): CaseResult {
  const expand = expander(step, c.define);
  const conditionSources = [...step.assume, ...c.when];
  const conditions = conditionSources.map((s) => expand(s));
  const { points, attempts } = sampler(step, conditions, rng, step.points);
  if (points.length < step.points) {
    throw new Error(
      `only ${points.length} of ${step.points} random points satisfied the conditions ${conditionSources.join(', ')} in ${attempts} attempts; widen the variables' ranges`,
    );
  }

  // lhs − rhs (identity), rhs − lhs ≥ 0 (inequality), or d/dt Q − expected (conserved).
  let diff: MathNode;
  let numericPair: (p: Scope) => { lhs: number; rhs: number; scale: number };
  let bigDiff: (p: Scope) => string;
  if (step.kind === 'conserved') {
    const Q = expand(step.quantity!);
    const expected = expand(step.derivative);
    const flow = Object.fromEntries(Object.entries(step.flow!).map(([k, v]) => [k, expand(v)]));
    const terms = Object.entries(flow).map(([k, F]) => `(${differentiate(Q.toString(), k).toString()}) * (${F.toString()})`);
    diff = parse(`${terms.join(' + ')} - (${expected.toString()})`);
    // Independent of the CAS's derivative: a Richardson-extrapolated central difference of Q along the flow.
    numericPair = (p) => {
      const dir: Scope = {};
      let fnorm = 0;
      for (const [k, F] of Object.entries(flow)) {
        dir[k] = evaluate(F, p);
        fnorm = Math.max(fnorm, Math.abs(dir[k]));
      }
      const at = (h: number) => {
        const q: Scope = { ...p };
        for (const k of Object.keys(dir)) q[k] = p[k] + h * dir[k];
        return evaluate(Q, q);
      };
      const central = (h: number) => (at(h) - at(-h)) / (2 * h);
      const h = 1e-3 / Math.max(1, fnorm);
      const dQ = (4 * central(h / 2) - central(h)) / 3;
      return { lhs: dQ, rhs: evaluate(expected, p), scale: 1e-3 * (1 + fnorm * (1 + Math.abs(evaluate(Q, p)))) };
    };
    bigDiff = (p) => {
      const dir: Scope = {};
      for (const [k, F] of Object.entries(flow)) dir[k] = evaluate(F, p);
      return String(Number(directionalDerivativeBig(Q, p, dir)) - evaluate(expected, p));
    };
  } else {
    const L = expand(step.lhs!),
      R = expand(step.rhs!);
    const rhsFirst = step.kind === 'inequality' && step.relation!.startsWith('<');
    diff = rhsFirst ? parse(`(${R.toString()}) - (${L.toString()})`) : parse(`(${L.toString()}) - (${R.toString()})`);
    numericPair = (p) => {
      const l = evaluate(L, p),
        r = evaluate(R, p);
      return { lhs: l, rhs: r, scale: 1 + Math.abs(l) + Math.abs(r) };
    };
    bigDiff = (p) => evaluateBig(diff, p);
  }

  // The numbers. A side that is NaN or ±∞ at a sample point leaves the case not checked: no
  // agreement or error can be measured there (sqrt(-x) ≤ 0 would otherwise "agree" everywhere).
  for (const p of points) {
    const { lhs, rhs } = numericPair(p);
    const bad = !Number.isFinite(lhs) ? ({ side: 'lhs', value: lhs } as const) : !Number.isFinite(rhs) ? ({ side: 'rhs', value: rhs } as const) : undefined;
    if (!bad) continue;
    const nonFinite: NonFinitePoint = { point: p, ...bad };
    return {
      name: c.name,
      conditions: conditionSources,
      expression: diff.toString(),
      cas: { result: 'failed', engine: 'none', error: 'not run: a side is not finite at a sample point' },
      numeric: { points: points.length, attempts, failures: 0, maxError: NaN, tolerance: '', worst: { point: p, lhs, rhs } },
      verdict: 'error',
      message: `not checked (non-finite): ${describeNonFinite(nonFinite)}`,
      nonFinite,
    };
  }
  let failures = 0,
    maxError = 0;
  let worst: PointReport | undefined;
  let worstErr = -Infinity;
  const strict = step.relation === '<' || step.relation === '>';
  /** an inequality's margin slack/scale at p (negative: violated), counted as a failure if it fails */
  const inequalityMargin = (p: Scope, lhs: number, rhs: number, scale: number): number => {
    const slack = step.relation!.startsWith('<') ? rhs - lhs : lhs - rhs;
    const err = -slack / scale; // > 0 means violated
    const violated = strict ? slack <= 0 : err > TOL;
    if (violated) failures++;
    if (err > worstErr) ((worstErr = err), (worst = { point: p, lhs, rhs }));
    maxError = Math.max(maxError, Math.max(0, err));
    return -err;
  };
  const randomMargins: MarginPoint[] = [];
  for (const p of points) {
    const { lhs, rhs, scale } = numericPair(p);
    if (step.kind === 'inequality') {
      randomMargins.push({ point: p, margin: inequalityMargin(p, lhs, rhs, scale) });
    } else {
      const err = Math.abs(lhs - rhs) / scale;
      const tol = step.kind === 'conserved' ? 1e-6 : TOL;
      if (!(err <= tol)) failures++;
      if (!(err <= worstErr)) ((worstErr = err), (worst = { point: p, lhs, rhs }));
      maxError = Math.max(maxError, Number.isNaN(err) ? Infinity : err);
    }
  }
  let guided: GuidedBoxReport | undefined;
  if (step.kind === 'inequality' && guidedBudget > 0) {
    const randomFailures = failures;
    const search = searchLeastMargin({
      box: step.variables,
      evaluated: randomMargins,
      rng: rng.fork('guided'),
      budget: guidedBudget,
      margin: (p) => {
        if (!conditions.every((c) => evaluate(c, p) !== 0)) return undefined;
        const { lhs, rhs, scale } = numericPair(p);
        // the random points already decide a case with a non-finite side; here such a point is only rejected
        if (!Number.isFinite(lhs) || !Number.isFinite(rhs)) return undefined;
        return inequalityMargin(p, lhs, rhs, scale);
      },
    });
    guided = { evaluations: search.evaluations, rejected: search.rejected, failures: failures - randomFailures, least: search.least };
  }
  // A float64 failure must survive 64-digit arithmetic to count (for a flow: a 64-digit difference quotient, not the CAS's derivative).
  if (failures && worst) {
    try {
      worst.bigDifference = bigDiff(worst.point);
      const b = Number(worst.bigDifference);
      const { scale } = numericPair(worst.point);
      // a 64-digit NaN or ∞ says nothing: it never clears the float64 failure
      const fails64 = step.kind === 'inequality' ? (strict ? b <= 0 : b < -TOL * scale) : Math.abs(b) > (step.kind === 'conserved' ? 1e-6 : TOL) * scale;
      const stillFails = !Number.isFinite(b) || !Number.isFinite(scale) || fails64;
      if (!stillFails) failures = 0;
    } catch {
      /* keep the float64 verdict */
    }
  }
  const tolerance =
    step.kind === 'conserved'
      ? '1e-6 relative (Richardson central difference along the flow)'
      : step.kind === 'inequality'
        ? `slack ≥ −${TOL}·(1+|lhs|+|rhs|)`
        : `|lhs − rhs| ≤ ${TOL}·(1+|lhs|+|rhs|)`;
  const numeric = { points: points.length, attempts, failures, maxError, tolerance, worst: failures ? worst : undefined, ...(guided ? { guided } : {}) };

  // The CAS.
  let cas: CaseResult['cas'];
  const inexact = inexactNumeral([
    ...[step.lhs, step.rhs, step.quantity, step.derivative, step.certificate].filter((v): v is string => v !== undefined),
    ...Object.values(step.flow ?? {}),
    ...Object.values(step.where),
    ...conditionSources,
    ...Object.values(c.define),
  ]);
  if (inexact !== undefined) {
    const read = Number(inexact);
    cas = {
      result: 'failed',
      engine: 'none',
      error: `not asked: the numeral ${inexact} is not a float64 number (it is read as ${read}), and the engines see the expression as read, not as written`,
    };
  } else if (step.kind === 'inequality') {
    if (step.certificate) {
      const cert = expand(step.certificate);
      const z = reducesToZero(`(${diff.toString()}) - (${cert.toString()})`);
      const nonneg = syntacticallyNonnegative(cert, nonnegativeSymbols(step.assume));
      cas = { ...z, certificate: nonneg ? 'checked' : 'not-nonnegative' };
      if (!nonneg) cas = { ...cas, result: 'nonzero' };
    } else {
      cas = { result: 'nonzero', engine: 'none', normalForm: 'no certificate given: the CAS cannot decide an inequality by itself' };
    }
  } else {
    cas = reducesToZero(diff.toString(), { refutedByNumbers: failures > 0 });
  }

  const expression = diff.toString();
  const evaluated = guided ? `${points.length} random points + ${guided.evaluations} guided evaluations` : `${points.length} points`;
  const leastMargin = guided?.least ? `; least margin ${guided.least.margin.toExponential(2)} at ${pointText(guided.least.point)}` : '';
  const casSaysTrue = cas.result === 'zero';
  // decisive only where the points fill a region: no variable pinned to one value, no equation among the conditions
  const exactlyFalse =
    step.kind !== 'inequality' &&
    cas.engine === EXACT_ENGINE &&
    cas.result === 'nonzero' &&
    Object.values(step.variables).every(([lo, hi]) => lo < hi) &&
    !conditionSources.some((cond) => /==|(?<![<>!])=(?!=)/.test(cond));
  let verdict: StepVerdict, message: string;
  if (failures) {
    verdict = casSaysTrue ? 'cas-fault' : 'refuted';
    const w = worst!;
    const failed = guided
      ? `${failures - guided.failures} of ${points.length} random points and ${guided.failures} of ${guided.evaluations} guided evaluations fail`
      : `${failures} of ${evaluated} fail`;
    message = `${casSaysTrue ? `the CAS (${cas.engine}) reduced it to 0, but ` : ''}${failed}; worst at ${pointText(w.point)}: lhs=${w.lhs.toPrecision(8)}, rhs=${w.rhs.toPrecision(8)}`;
  } else if (exactlyFalse) {
    // a rational function that is not 0 as a polynomial is not 0 on any set with interior, so the identity is false
    // wherever the points were drawn; float64 just cannot see it there
    verdict = 'refuted';
    message = `the exact polynomial normal form of the difference is ${truncate(cas.normalForm ?? '', 120)}, not 0: the identity is false, though at ${evaluated} float64 cannot tell the sides apart (max error ${maxError.toExponential(2)})`;
  } else if (casSaysTrue) {
    verdict = 'verified';
    message = `${cas.engine} reduces it to 0${cas.certificate ? ' with a non-negative certificate' : ''}; ${evaluated} agree (max error ${maxError.toExponential(2)}${leastMargin})`;
  } else {
    verdict = 'numeric-only';
    message = `the CAS did not reduce it (${cas.error ?? `normal form ${truncate(cas.normalForm ?? '', 120)}`}); ${evaluated} agree (max error ${maxError.toExponential(2)}${leastMargin})`;
  }
  return { name: c.name, conditions: conditionSources, expression, cas, numeric, verdict, message };
}

/** "lhs = NaN at x=-1.50000, y=2.00000 (a step is checked only where both sides are finite numbers)" */
export function describeNonFinite(n: NonFinitePoint): string {
  return `${n.side} = ${n.value} at ${pointText(n.point)} (a step is checked only where both sides are finite numbers: narrow the variables' ranges or add assumptions)`;
}

function pointText(p: Scope): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v.toPrecision(6)}`)
    .join(', ');
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
