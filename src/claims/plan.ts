// The compiled search plan: a search section resolved once — the names in scope in the order a
// trial defines them, every block looked up with its parameters parsed, every expression parsed
// and compiled. The validator checks this plan (each problem an issue at its path) and the trial
// runner executes it, so the scope rules exist once:
//   seed, space → data (then its statistics, and n, d) → model → loss → dynamics → metrics
//   → each variant's metrics and data statistics (named m_variant) → let (in order)
//   → hypotheses, property (everything above).
import { DATA_STAT_NAMES, blockNames, getBlock } from '../blocks/index.js';
import type { BlockDef, BlockKind, NumExpr, RangeOf, StageBlocks, StaticCheck, StaticRange } from '../blocks/types.js';
import { compileExpr, ExprError, type CompiledExpr } from '../core/expr.js';
import { conjunctNodes, conjunctRobustness, robustness, type Robustness } from '../core/robustness.js';
import { LIMITS, fmtCount, overLimit, trialMemoryMb } from './limits.js';
import { widthMismatch, type ShapeGrid, type ShapeProblem, type ShapeView } from './shapes.js';
import { domainSize, domainValue, fieldIssues, guidedTrialCount, hypothesesOf, type BlockRef, type Domain, type HypothesisRole, type SearchSpec } from './schema.js';

export type Path = (string | number)[];
export interface PlanIssue {
  path: Path;
  message: string;
  /** the last path element is a key at fault (an unknown field): located at the key */
  atKey?: boolean;
}

/** Where a name in a trial's scope comes from. */
export type NameOrigin = 'seed' | 'space' | 'data' | 'metric' | 'variant' | 'let';
export interface ScopeName {
  name: string;
  origin: NameOrigin;
}

export interface BlockPlan {
  kind: BlockKind;
  def: BlockDef;
  /** parameters as the block's schema parsed them, and as its stricter re-run uses them */
  params: Record<string, unknown>;
  refined: Record<string, unknown>;
  /** what its `check` learned from the parameters alone (sizes at their worst over the space) */
  checked?: StaticCheck;
}

export type StageKind = 'data' | 'model' | 'loss' | 'dynamics';
export const STAGES: readonly StageKind[] = ['data', 'model', 'loss', 'dynamics'];

export interface SearchPlan {
  spec: SearchSpec;
  /** every name a trial defines, in order of definition */
  names: ScopeName[];
  stages: Partial<Record<StageKind, BlockPlan>>;
  metrics: Array<{ name: string; block: BlockPlan }>;
  variants: Array<{ name: string; overrides: Array<{ name: string; value: number | CompiledExpr }> }>;
  lets: Array<{ name: string; expr: CompiledExpr }>;
  hypotheses: Array<{ name: string; role: HypothesisRole; expr: CompiledExpr; robustness: Robustness }>;
  property: CompiledExpr;
  /** the property's signed margin: ≥ 0 exactly when it holds */
  propertyRobustness: Robustness;
  /** ρ of each top-level conjunct of the property, when it has two or more (the guided phase weighs them separately) */
  propertyParts: Robustness[];
  /** a frequency claim's bound, over the space's variables */
  atLeast?: CompiledExpr;
  /** the worst case over the space, known before any trial runs: numbers allocated (data + model), steps of one run, and the search's work */
  footprint: {
    entries: number;
    steps: number;
    work: number;
    /** the stages whose size validation could not bound (it uses a name only a trial computes, such as a data statistic): accepted, and bounded when the trial builds the block */
    unbounded: StageKind[];
  };
}

export class PlanError extends Error {
  constructor(public readonly issues: PlanIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
}

/** Compile an expression and check that it uses only `known` names; undefined (and an issue) when it cannot. */
export function checkedExpr(source: string, known: ReadonlySet<string>, path: Path, issue: (i: PlanIssue) => void, extraFns: string[] = []): CompiledExpr | undefined {
  try {
    const e = compileExpr(source, extraFns);
    const unknown = [...e.symbols].filter((s) => !known.has(s));
    if (unknown.length) {
      issue({ path, message: `unknown name${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in "${source}"; valid names: ${[...known].sort().join(', ') || '(none)'}` });
    }
    return e;
  } catch (e) {
    issue({ path, message: e instanceof ExprError ? e.message : String(e) });
    return undefined;
  }
}

/**
 * Values of a domain at which validation evaluates size expressions: all of a domain of at most 64
 * values, else 64 evenly spaced ones, its ends included (exact for expressions monotone in the name,
 * a denser look at others). Validation is the early error, not the bound: a size that peaks between
 * probes (`4 + 100000 * (x == 5)`), or that uses a name only a trial computes (a data statistic), is
 * caught when the trial builds the block (src/blocks/limits.ts), as that trial's `error: size`.
 */
const PROBES = 64;
function probeValues(d: Domain): number[] {
  const n = domainSize(d);
  if (!(n >= 1)) return [];
  if (n <= PROBES) return Array.from({ length: n }, (_, i) => domainValue(d, i));
  return [...new Set(Array.from({ length: PROBES }, (_, i) => domainValue(d, Math.round((i * (n - 1)) / (PROBES - 1)))))];
}

/**
 * The range of a number-or-expression over the space, from its values at every combination of
 * probe values of the names it uses (exact for expressions monotone in each name); undefined when
 * it uses a name only a trial computes, or too many combinations. Non-finite values are left out:
 * a trial reports them itself.
 */
function rangeFinder(probes: Map<string, number[]>): RangeOf {
  return (v: NumExpr | undefined) => {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? { lo: v, hi: v } : undefined;
    let e: CompiledExpr;
    try {
      e = compileExpr(v);
    } catch {
      return undefined;
    }
    const names = [...e.symbols];
    if (!names.every((n) => probes.has(n))) return undefined;
    let lists = names.map((n) => probes.get(n)!);
    if (lists.reduce((a, l) => a * l.length, 1) > 4096) lists = lists.map((l) => (l.length > 2 ? [l[0], l[l.length - 1]] : l));
    if (lists.reduce((a, l) => a * l.length, 1) > 4096) return undefined;
    let lo = Infinity,
      hi = -Infinity;
    const at: Record<string, number> = {};
    const visit = (k: number): void => {
      if (k === names.length) {
        const x = e.value(at);
        if (Number.isFinite(x)) ((lo = Math.min(lo, x)), (hi = Math.max(hi, x)));
        return;
      }
      for (const x of lists[k]) ((at[names[k]] = x), visit(k + 1));
    };
    visit(0);
    return lo <= hi ? { lo, hi } : undefined;
  };
}

function planBlock(
  kind: BlockKind,
  ref: BlockRef,
  scope: ReadonlySet<string>,
  path: Path,
  issue: (i: PlanIssue) => void,
  range?: RangeOf,
  stageBlocks: StageBlocks = {},
): BlockPlan | undefined {
  const def = getBlock(kind, ref.block);
  if (!def) {
    issue({ path: [...path, 'block'], message: `unknown ${kind} block "${ref.block}"; valid ${kind} blocks: ${blockNames(kind).join(', ')}` });
    return undefined;
  }
  const { block: _b, ...raw } = ref;
  const r = def.params.safeParse(raw);
  if (!r.success) {
    for (const i of fieldIssues(r.error.issues, raw, def.params)) {
      const message = i.atKey && !i.near ? `${i.message}; parameters of ${kind} block "${def.name}": ${Object.keys(def.params.shape).join(', ')}` : i.message;
      issue({ path: [...path, ...(i.path as Path)], message, ...(i.atKey ? { atKey: true } : {}) });
    }
    return undefined;
  }
  const params = r.data as Record<string, unknown>;
  for (const [field, where] of Object.entries(def.expressions)) {
    const known = where === 'trial' ? scope : 'trialAnd' in where ? new Set([...scope, ...where.trialAnd]) : new Set(where);
    const visit = (v: unknown, at: Path): void => {
      if (typeof v === 'string') checkedExpr(v, known, at, issue);
      else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...at, i]));
    };
    visit(params[field], [...path, field]);
  }
  let checked: StaticCheck | undefined;
  if (def.check && range) {
    checked = def.check(params as never, range, stageBlocks);
    for (const p of checked.problems ?? []) issue({ path: [...path, ...p.field], message: `${kind} block "${def.name}": ${p.message}` });
    for (const key of ['entries', 'steps'] as const) {
      const size = checked[key];
      if (size && !(size.value <= LIMITS[key].value)) issue({ path: [...path, size.field], message: `${kind} block "${def.name}" at its largest over the space: ${overLimit(key, size.value)}` });
    }
  }
  return { kind, def, params, refined: def.refine ? (def.refine(params) as Record<string, unknown>) : params, checked };
}

/** "(N trials + G guided)", times the seeds: the trials a search runs, for the work and result-memory limits. */
export function trialCountWords(N: number, guided: number, seeds = 1): string {
  return `(${fmtCount(N)} trials + ${fmtCount(guided)} guided)${seeds > 1 ? ` × ${seeds} seeds` : ''}`;
}

/** Memory for the results of n trials: a trial keeps its values, quantities and hypotheses, about 48 bytes a name and 400 a trial. */
export function trialResultMb(n: number, names: number): number {
  return (n * (400 + 48 * names)) / 2 ** 20;
}

/** Resolve a search section, reporting every problem to `issue` (the validator); the plan is complete only when none was reported. */
export function buildPlan(s: SearchSpec, issue: (i: PlanIssue) => void, widened = false, grids: readonly ShapeGrid[] = []): SearchPlan {
  const base: Path = ['search'];
  const names: ScopeName[] = [];
  const scope = new Set<string>();
  const define = (name: string, origin: NameOrigin) => {
    if (!scope.has(name)) names.push({ name, origin });
    scope.add(name);
  };
  define('seed', 'seed');
  if (Object.keys(s.space).includes('seed')) issue({ path: [...base, 'space', 'seed'], message: '"seed" is implicit in every search: each trial draws its own seed' });
  for (const v of Object.keys(s.space)) define(v, 'space');
  const spaceVars = new Set(scope);
  const probes = new Map<string, number[]>(Object.entries(s.space).map(([k, d]) => [k, probeValues(d)]));
  const range = rangeFinder(probes);
  const stages: SearchPlan['stages'] = {};
  const stageBlocks: StageBlocks = Object.fromEntries(STAGES.flatMap((k) => (s[k] ? [[k, s[k].block]] : [])));
  for (const stage of STAGES) {
    const ref = s[stage];
    if (!ref) continue;
    stages[stage] = planBlock(stage, ref, scope, [...base, stage], issue, range, stageBlocks);
    if (stage === 'data') {
      // n and d of the data set, where its parameters say them (a space variable keeps its own)
      const shape = stages.data?.checked;
      const ends = (r?: StaticRange) => (r ? [...new Set([r.lo, r.hi])] : undefined);
      for (const [k, r] of [['n', ends(shape?.rows)], ['d', ends(shape?.columns)]] as const) if (r && !probes.has(k)) probes.set(k, r);
      for (const n of [...DATA_STAT_NAMES, 'n', 'd']) define(n, 'data');
    }
  }
  const widths = (view: ShapeView, path?: (p: ShapeProblem) => Path): boolean => {
    if (!stages.data || !stages.model) return false;
    const p = widthMismatch(stages.data, stages.model, s.space, stageBlocks, view);
    if (p) issue({ path: path?.(p) ?? [...base, p.stage, ...(p.field ? [p.field] : [])], message: p.message });
    return p !== undefined;
  };
  // a problem at the space's own points is reported once, not again at each view of them
  const widthsAtSpace = widths({});
  if (s.dynamics && !(s.model && s.data && s.loss)) issue({ path: [...base, 'dynamics'], message: 'dynamics need a data set, a model and a loss' });
  const metrics: SearchPlan['metrics'] = [];
  for (const [name, ref] of Object.entries(s.metrics)) {
    if (scope.has(name)) issue({ path: [...base, 'metrics', name], message: `metric name "${name}" shadows a variable` });
    const block = planBlock('metric', ref, scope, [...base, 'metrics', name], issue, range, stageBlocks);
    if (block) metrics.push({ name, block });
  }
  for (const name of Object.keys(s.metrics)) define(name, 'metric');
  const variants: SearchPlan['variants'] = [];
  for (const [variant, changes] of Object.entries(s.variants)) {
    const overrides: SearchPlan['variants'][number]['overrides'] = [];
    for (const [k, v] of Object.entries(changes)) {
      if (!spaceVars.has(k)) issue({ path: [...base, 'variants', variant, k], message: `a variant changes variables of the space; "${k}" is not one: ${[...spaceVars].join(', ')}` });
      const value = typeof v === 'string' ? checkedExpr(v, spaceVars, [...base, 'variants', variant, k], issue) : v;
      if (value !== undefined) overrides.push({ name: k, value });
    }
    variants.push({ name: variant, overrides });
    if (!widthsAtSpace) widths({ overrides, where: `in variant "${variant}"` }, () => [...base, 'variants', variant]);
    for (const name of Object.keys(s.metrics)) define(`${name}_${variant}`, 'variant');
    if (s.data) for (const n of DATA_STAT_NAMES) define(`${n}_${variant}`, 'variant');
  }
  const lets: SearchPlan['lets'] = [];
  for (const [name, v] of Object.entries(s.let)) {
    const expr = checkedExpr(v, scope, [...base, 'let', name], issue);
    if (scope.has(name)) issue({ path: [...base, 'let', name], message: `"${name}" is already defined` });
    define(name, 'let');
    if (expr) lets.push({ name, expr });
  }
  const hypotheses: SearchPlan['hypotheses'] = [];
  for (const h of hypothesesOf(s)) {
    const at = [...base, 'hypotheses', h.name, 'when'];
    const expr = checkedExpr(h.when, scope, at, issue);
    if (expr) hypotheses.push({ name: h.name, role: h.role, expr, robustness: robustness(expr) });
    for (const k of Object.keys(h.widen ?? {}))
      if (!(Object.hasOwn(s.space, k))) issue({ path: [...base, 'hypotheses', h.name, 'widen', k], message: `widen may change the domains of the space's variables only; "${k}" is not one: ${Object.keys(s.space).join(', ')}` });
    if (h.widen && h.role !== 'premise') issue({ path: [...base, 'hypotheses', h.name, 'widen'], message: 'only a premise is dropped by ablation, so only a premise may widen the space' });
    // the search that ablation runs without this premise gets every check the declared one gets (sizes, block ranges, limits)
    if (h.widen && h.role === 'premise' && !widened && Object.keys(h.widen).every((k) => Object.hasOwn(s.space, k))) {
      const hypothesesLeft = Object.fromEntries(Object.entries(s.hypotheses).filter(([k]) => k !== h.name));
      buildPlan(
        { ...s, hypotheses: hypothesesLeft, space: { ...s.space, ...h.widen } },
        (i) => issue({ path: [...base, 'hypotheses', h.name, 'widen'], message: `the search without ${h.name}, its space widened: ${i.message}` }),
        true,
      );
    }
  }
  if (!widthsAtSpace) for (const g of grids) widths({ values: g.values, where: g.where }, (p) => g.path(p.at, p.blame));
  const property = checkedExpr(s.property, scope, [...base, 'property'], issue);
  const atLeast = s.frequency ? checkedExpr(s.frequency.at_least, new Set(Object.keys(s.space)), [...base, 'frequency', 'at_least'], issue) : undefined;
  for (const [k, m] of Object.entries(s.full?.metrics ?? {}))
    if (!(Object.hasOwn(s.metrics, k))) issue({ path: [...base, 'full', 'metrics', k], message: `full may change the parameters of the search's metrics only; "${k}" is not one: ${Object.keys(s.metrics).join(', ')}` });
    else if ('block' in m) issue({ path: [...base, 'full', 'metrics', k, 'block'], message: 'full may change a metric’s parameters, not its block' });
  for (const k of Object.keys(s.full?.space ?? {})) if (!(Object.hasOwn(s.space, k))) issue({ path: [...base, 'full', 'space', k], message: `full may change the domains of the space's variables only; "${k}" is not one: ${Object.keys(s.space).join(', ')}` });
  const unbounded = STAGES.filter((k) => {
    const c = stages[k]?.checked;
    return c && (k === 'dynamics' ? !c.steps : (k === 'data' || k === 'model') && !c.entries);
  });
  const modelEntries = stages.model?.checked?.entries?.value ?? 0,
    dataEntries = stages.data?.checked?.entries?.value ?? 0;
  const entries = dataEntries + modelEntries;
  const rows = stages.data?.checked?.rows?.hi ?? 1;
  const trialMb = trialMemoryMb(modelEntries, dataEntries, rows, stages.model?.checked?.perRow ?? 0);
  if (stages.model && !(trialMb <= LIMITS.trialMb.value))
    issue({
      path: [...base, 'model', stages.model.checked?.entries?.field ?? 'block'],
      message: `model block "${stages.model.def.name}" at its largest over the space, on ${fmtCount(rows)} data rows: ${overLimit('trialMb', trialMb)}`,
    });
  const steps = stages.dynamics?.checked?.steps?.value ?? 0;
  // the guided phase runs after the file's trials: its trials count too
  const guided = guidedTrialCount(s, s.trials);
  const trialsPath = s.guided?.trials !== undefined && s.guided.trials > s.trials ? [...base, 'guided', 'trials'] : [...base, 'trials'];
  const work = (s.trials + guided) * (1 + variants.length) * Math.max(1, steps) * Math.max(1, entries);
  if (!(work <= LIMITS.work.value))
    issue({
      path: trialsPath,
      message: `${trialCountWords(s.trials, guided)} × ${1 + variants.length} run(s) × ${fmtCount(Math.max(1, steps))} steps × ${fmtCount(Math.max(1, entries))} numbers: ${overLimit('work', work)}`,
    });
  const resultMb = trialResultMb(s.trials + guided, names.length);
  if (!(resultMb <= LIMITS.resultMb.value))
    issue({ path: trialsPath, message: `${trialCountWords(s.trials, guided)}, of ${names.length} names each: ${overLimit('resultMb', resultMb)}` });
  if (s.min_in_regime !== undefined && s.min_in_regime > s.trials) issue({ path: [...base, 'min_in_regime'], message: `min_in_regime (${s.min_in_regime}) exceeds trials (${s.trials})` });
  return {
    spec: s,
    names,
    stages,
    metrics,
    variants,
    lets,
    hypotheses,
    property: property as CompiledExpr,
    propertyRobustness: property ? robustness(property) : () => NaN,
    propertyParts: property && conjunctNodes(property.node).length > 1 ? conjunctRobustness(property) : [],
    atLeast,
    footprint: { entries, steps, work, unbounded },
  };
}

const PLANS = new Map<string, SearchPlan>();
/** The plan of a validated search (memoized by the spec's content: a worker receives a copy of the spec with every trial); throws PlanError on an invalid one. */
export function planSearch(spec: SearchSpec): SearchPlan {
  const key = JSON.stringify(spec);
  const known = PLANS.get(key);
  if (known) return known;
  const issues: PlanIssue[] = [];
  const plan = buildPlan(spec, (i) => issues.push(i));
  if (issues.length) throw new PlanError(issues);
  if (PLANS.size >= 256) PLANS.clear();
  PLANS.set(key, plan);
  return plan;
}
