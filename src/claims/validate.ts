// Validation beyond the schema's shapes: every name an expression uses is defined where it is used
// (through the compiled search plan, which the trial runner executes), and the sections that refer
// to the search (boundary, trajectory, histogram) name what it defines.
import { z } from 'zod';
import { PATH_SYMBOLS } from '../blocks/path.js';
import { parseFnHead } from '../core/expr.js';
import { checkEarlyDecision } from './early-decision.js';
import { LIMITS, overLimit } from './limits.js';
import { buildPlan, checkedExpr, type Path, type PlanIssue } from './plan.js';
import { shapeGrids, type ShapeGrid } from './shapes.js';
import { claimShape, searchAtScale, type BoundarySpec, type Claim, type SearchSpec, type SymbolicStep, type TrajectorySpec } from './schema.js';

type Ctx = z.RefinementCtx;

function checkExpr(source: string, known: Set<string>, path: Path, ctx: Ctx, extraFns: string[] = []): void {
  checkedExpr(source, known, path, (i) => ctx.addIssue({ code: 'custom', path: i.path, message: i.message }), extraFns);
}

/** The search as written, then at the authors' scale (`full`): a problem only the full scale has is reported at the full field that causes it. */
function checkSearch(s: SearchSpec, ctx: Ctx, grids: readonly ShapeGrid[] = []): void {
  const seen = new Set<string>();
  const add = (i: PlanIssue) => {
    const key = JSON.stringify([i.path, i.message]);
    if (seen.has(key)) return;
    seen.add(key);
    ctx.addIssue({ code: 'custom', path: i.path, message: i.message, ...(i.atKey ? { params: { atKey: true } } : {}) });
  };
  buildPlan(s, add, false, grids);
  const full = s.full;
  if (!full) return;
  const atFull = (path: Path): Path => {
    const [, field, name] = path;
    if (field === 'space' && typeof name === 'string' && Object.hasOwn(full.space, name)) return ['search', 'full', ...path.slice(1)];
    if (field === 'metrics' && typeof name === 'string' && name in (full.metrics ?? {})) return ['search', 'full', ...path.slice(1)];
    if ((field === 'trials' || field === 'min_in_regime' || field === 'timeout_s') && full[field] !== undefined) return ['search', 'full', field];
    return path;
  };
  buildPlan(searchAtScale(s, true), (i) => {
    if (seen.has(JSON.stringify([i.path, i.message]))) return;
    add({ ...i, path: atFull(i.path), message: `${i.message} (at the full scale, run --full)` });
  });
}

/**
 * A metric read at a snapshot (`at: step1` or `decade`, step ⌈T/10⌉ of the T steps taken) beside a
 * `stop_loss`: the snapshots are planned for the dynamics' `steps` (1, ⌈steps/10⌉, a ratio-1.5 grid,
 * steps), so a run stopped early at T < steps has, in general, none at ⌈T/10⌉ (nor at step 1 when it
 * stops at step 0). No claim needs the pair; it is refused here rather than failing every such trial.
 */
function checkSnapshotsBesideStop(s: SearchSpec, ctx: Ctx): void {
  const stop = s.dynamics?.stop_loss;
  if (stop === undefined) return;
  const visit = (v: unknown, path: Path): void => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'at' && (x === 'decade' || x === 'step1'))
        ctx.addIssue({
          code: 'custom',
          path: [...path, k],
          message: `at: ${x} reads θ at a snapshot step of the run (${x === 'decade' ? '⌈T/10⌉ of the T steps taken' : 'step 1'}), but the dynamics stop early at stop_loss (${stop}) and plan their snapshots for \`steps\`, so a run that stops early has no snapshot there; read the metric at final or initial, or drop stop_loss`,
        });
      else visit(x, [...path, k]);
    }
  };
  for (const [name, m] of Object.entries(s.metrics)) visit(m, ['search', 'metrics', name]);
  for (const [name, m] of Object.entries(s.full?.metrics ?? {})) visit(m, ['search', 'full', 'metrics', name]);
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
  if (c.search) checkSearch(c.search, ctx, shapeGrids(c.boundary, c.trajectory));
  if (c.search) checkSnapshotsBesideStop(c.search, ctx);
  if (c.search) checkEarlyDecision(c.search, ctx, c.histogram);
}

/** The claim schema with every cross-field check: what the loader validates a claim file against. */
export const claimSchema = claimShape.superRefine(checkClaim);

/** Characters of each `where` name once its definition (and theirs, recursively) is substituted; Infinity on a cycle. */
function expandedLengths(where: Record<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  const visiting = new Set<string>();
  const len = (k: string): number => {
    if (out.has(k)) return out.get(k)!;
    if (visiting.has(k)) return Infinity;
    visiting.add(k);
    const n = substitutedLength(where[k], where, len);
    visiting.delete(k);
    out.set(k, n);
    return n;
  };
  for (const k of Object.keys(where)) len(k);
  return out;
}

function substitutedLength(source: string, where: Record<string, string>, len: (k: string) => number): number {
  let n = source.length;
  for (const m of source.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (Object.hasOwn(where, m[0])) n += len(m[0]) + 2 - m[0].length;
  return n;
}

/** A step's sizes: its variables, and each expression's length with the `where` definitions substituted (what the CAS is handed). */
function checkStepSize(s: SymbolicStep, base: Path, ctx: Ctx): void {
  const nVars = Object.keys(s.variables).length;
  if (nVars > LIMITS.stepVariables.value) ctx.addIssue({ code: 'custom', path: [...base, 'variables'], message: `${nVars} variables: ${overLimit('stepVariables', nVars)}` });
  const lengths = expandedLengths(s.where);
  const len = (k: string) => lengths.get(k) ?? Infinity;
  const fields: Array<[Path, string]> = [];
  for (const f of ['lhs', 'rhs', 'quantity', 'derivative', 'certificate'] as const) if (s[f] !== undefined) fields.push([[f], s[f]!]);
  for (const [k, v] of Object.entries(s.flow ?? {})) fields.push([['flow', k], v]);
  s.assume.forEach((a, i) => fields.push([['assume', i], a]));
  for (const [at, source] of fields) {
    const n = substitutedLength(source, s.where, len);
    if (!(n <= LIMITS.stepChars.value)) ctx.addIssue({ code: 'custom', path: [...base, ...at], message: `${Number.isFinite(n) ? '' : 'its "where" definitions refer to each other in a cycle; '}the expression with its "where" definitions substituted: ${overLimit('stepChars', n)}` });
  }
}

function checkStepExpressions(s: SymbolicStep, base: Path, ctx: Ctx): void {
  checkStepSize(s, base, ctx);
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
  const trials = b.x.values.length * (b.y?.values.length ?? 1) * b.seeds;
  if (trials > LIMITS.boundaryTrials.value)
    ctx.addIssue({ code: 'custom', path: [...base, 'seeds'], message: `${b.x.values.length} × ${b.y?.values.length ?? 1} cells × ${b.seeds} seeds: ${overLimit('boundaryTrials', trials)}` });
  const vars = Object.keys(s.space);
  for (const axis of ['x', 'y'] as const) {
    const ax = b[axis];
    if (ax && !vars.includes(ax.var)) ctx.addIssue({ code: 'custom', path: [...base, axis, 'var'], message: `"${ax.var}" is not a variable of the search space: ${vars.join(', ')}` });
  }
  const missing = vars.filter((v) => v !== b.x.var && v !== b.y?.var && !(v in b.fixed));
  if (missing.length) ctx.addIssue({ code: 'custom', path: [...base, 'fixed'], message: `fix the other variables of the space: missing ${missing.join(', ')}` });
  if (b.error && !(Object.hasOwn(s.metrics, b.error)) && !(Object.hasOwn(s.let, b.error))) ctx.addIssue({ code: 'custom', path: [...base, 'error'], message: `"${b.error}" is not a metric or let of the search` });
  if (!(Object.hasOwn(s.metrics, b.metric)) && !(Object.hasOwn(s.let, b.metric))) ctx.addIssue({ code: 'custom', path: [...base, 'metric'], message: `"${b.metric}" is not a metric or let of the search: ${[...Object.keys(s.metrics), ...Object.keys(s.let)].join(', ')}` });
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
