// Validation beyond the schema's shapes: every name an expression uses is defined where it is used
// (through the compiled search plan, which the trial runner executes), and the sections that refer
// to the search (boundary, trajectory, histogram) name what it defines.
import { z } from 'zod';
import { PATH_SYMBOLS } from '../blocks/path.js';
import { parseFnHead } from '../core/expr.js';
import { buildPlan, checkedExpr, type Path } from './plan.js';
import { claimShape, type BoundarySpec, type Claim, type SearchSpec, type SymbolicStep, type TrajectorySpec } from './schema.js';

type Ctx = z.RefinementCtx;

function checkExpr(source: string, known: Set<string>, path: Path, ctx: Ctx, extraFns: string[] = []): void {
  checkedExpr(source, known, path, (i) => ctx.addIssue({ code: 'custom', path: i.path, message: i.message }), extraFns);
}

function checkSearch(s: SearchSpec, ctx: Ctx): void {
  buildPlan(s, (i) => ctx.addIssue({ code: 'custom', path: i.path, message: i.message }));
}

function checkClaim(c: Claim, ctx: Ctx): void {
  if (c.histogram) {
    if (!c.search) ctx.addIssue({ code: 'custom', path: ['histogram'], message: 'a histogram needs a search (it counts the search’s trials)' });
    else if (!(c.histogram.metric in c.search.metrics) && !(c.histogram.metric in c.search.let)) ctx.addIssue({ code: 'custom', path: ['histogram', 'metric'], message: `"${c.histogram.metric}" is not a metric or let of the search: ${[...Object.keys(c.search.metrics), ...Object.keys(c.search.let)].join(', ')}` });
  }
  if (c.boundary) checkBoundary(c.boundary, c.search, ctx);
  if (c.trajectory) checkTrajectory(c.trajectory, c.search, ctx);
  if (!c.symbolic.length && !c.uses.length && !c.search) ctx.addIssue({ code: 'custom', message: 'a claim needs symbolic steps, a search, or both' });
  c.symbolic.forEach((s, i) => checkStepExpressions(s, ['symbolic', i], ctx));
  if (c.search) checkSearch(c.search, ctx);
}

/** The claim schema with every cross-field check: what the loader validates a claim file against. */
export const claimSchema = claimShape.superRefine(checkClaim);

function checkStepExpressions(s: SymbolicStep, base: Path, ctx: Ctx): void {
  const vars = new Set(Object.keys(s.variables));
  const scope = new Set([...vars, ...Object.keys(s.where)]);
  const fnNames = new Set<string>();
  for (const c of s.cases ?? []) for (const k of Object.keys(c.define)) fnNames.add(parseFnHead(k)?.name ?? k);
  const fns = [...fnNames];
  for (const [k, v] of Object.entries(s.where)) checkExpr(v, new Set([...scope].filter((n) => n !== k)), [...base, 'where', k], ctx, fns);
  for (const f of ['lhs', 'rhs', 'quantity', 'derivative', 'certificate'] as const) {
    const v = s[f];
    if (v !== undefined) checkExpr(v, scope, [...base, f], ctx, fns);
  }
  for (const [k, v] of Object.entries(s.flow ?? {})) {
    if (!vars.has(k)) ctx.addIssue({ code: 'custom', path: [...base, 'flow', k], message: `flow variable "${k}" is not among the step's variables: ${[...vars].join(', ')}` });
    checkExpr(v, scope, [...base, 'flow', k], ctx, fns);
  }
  s.assume.forEach((a, i) => checkExpr(a, scope, [...base, 'assume', i], ctx, fns));
  (s.cases ?? []).forEach((c, ci) => {
    c.when.forEach((w, i) => checkExpr(w, scope, [...base, 'cases', ci, 'when', i], ctx));
    for (const [head, body] of Object.entries(c.define)) {
      const h = parseFnHead(head);
      if (!h) {
        ctx.addIssue({ code: 'custom', path: [...base, 'cases', ci, 'define', head], message: `a definition is written "name(arg, …)", found "${head}"` });
        continue;
      }
      checkExpr(body, new Set([...h.args, ...vars]), [...base, 'cases', ci, 'define', head], ctx);
    }
  });
}


function checkBoundary(b: BoundarySpec, s: SearchSpec | undefined, ctx: Ctx): void {
  const base: Path = ['boundary'];
  if (!s) {
    ctx.addIssue({ code: 'custom', path: base, message: 'a boundary map needs a search (it runs the search’s trial on a grid)' });
    return;
  }
  const vars = Object.keys(s.space);
  for (const axis of ['x', 'y'] as const) {
    const ax = b[axis];
    if (ax && !vars.includes(ax.var)) ctx.addIssue({ code: 'custom', path: [...base, axis, 'var'], message: `"${ax.var}" is not a variable of the search space: ${vars.join(', ')}` });
  }
  const missing = vars.filter((v) => v !== b.x.var && v !== b.y?.var && !(v in b.fixed));
  if (missing.length) ctx.addIssue({ code: 'custom', path: [...base, 'fixed'], message: `fix the other variables of the space: missing ${missing.join(', ')}` });
  if (b.error && !(b.error in s.metrics) && !(b.error in s.let)) ctx.addIssue({ code: 'custom', path: [...base, 'error'], message: `"${b.error}" is not a metric or let of the search` });
  if (!(b.metric in s.metrics) && !(b.metric in s.let)) ctx.addIssue({ code: 'custom', path: [...base, 'metric'], message: `"${b.metric}" is not a metric or let of the search: ${[...Object.keys(s.metrics), ...Object.keys(s.let)].join(', ')}` });
  b.curves.forEach((c, i) => checkExpr(c.y, new Set([b.x.var, ...Object.keys(b.fixed)]), [...base, 'curves', i, 'y'], ctx));
}

function checkTrajectory(t: TrajectorySpec, s: SearchSpec | undefined, ctx: Ctx): void {
  const base: Path = ['trajectory'];
  if (!s?.dynamics) {
    ctx.addIssue({ code: 'custom', path: base, message: 'a trajectory plot needs a search with dynamics (it traces the search’s trial)' });
    return;
  }
  const vars = Object.keys(s.space);
  const multi = Array.isArray(t.y);
  if (multi && t.series) ctx.addIssue({ code: 'custom', path: [...base, 'series'], message: 'several y expressions are traced along one run: drop series (or give one y per series value)' });
  if (!multi && !t.series) ctx.addIssue({ code: 'custom', path: [...base, 'series'], message: 'one y expression needs a series variable (one run per value); or give y as a list of expressions' });
  if (t.series && !vars.includes(t.series.var)) ctx.addIssue({ code: 'custom', path: [...base, 'series', 'var'], message: `"${t.series.var}" is not a variable of the search space: ${vars.join(', ')}` });
  const missing = vars.filter((v) => v !== t.series?.var && !(v in t.fixed));
  if (missing.length) ctx.addIssue({ code: 'custom', path: [...base, 'fixed'], message: `fix the other variables of the space: missing ${missing.join(', ')}` });
  const symbols = new Set(PATH_SYMBOLS);
  for (const k of ['x', 'until'] as const) if (t[k] !== undefined) checkExpr(t[k]!, symbols, [...base, k], ctx);
  (Array.isArray(t.y) ? t.y : [t.y]).forEach((y, i) => checkExpr(y, symbols, multi ? [...base, 'y', i] : [...base, 'y'], ctx));
  if (t.curves.length) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(t.x.trim())) ctx.addIssue({ code: 'custom', path: [...base, 'x'], message: 'overlay curves need x to be a single path symbol (e.g. loss)' });
    t.curves.forEach((c, i) => checkExpr(c.y, new Set([t.x.trim()]), [...base, 'curves', i, 'y'], ctx));
  }
}
