// One trial: build the declared blocks for one point of the space, simulate in float64, record the
// metrics, then judge the hypotheses and the property. Runs in a worker thread; never throws.
import { BLOCKS, DATA_STAT_NAMES } from '../blocks/index.js';
import type { BlockContext, BlockKind, DynamicsProduct, LossProduct, MetricProduct, SimState } from '../blocks/types.js';
import { comparisonSides, evaluate, parseExpr, type Scope } from '../core/expr.js';
import type { BlockRef, SearchSpec } from '../claims/schema.js';
import type { Dataset } from '../numeric/data.js';
import { DivergedError, type Observer, type TrajectoryPoint } from '../numeric/dynamics.js';
import type { Objective } from '../numeric/objective.js';
import { pathSymbols } from '../blocks/path.js';
import { OutsideDomainError } from '../core/errors.js';
import type { Model } from '../numeric/models.js';
import { objective } from '../numeric/objective.js';
import { Rng } from '../numeric/rng.js';
import type { TrialValues } from './space.js';

export type TrialStatus = 'pass' | 'fail' | 'out-of-regime' | 'diverged' | 'timeout' | 'error';

export interface TrialResult {
  status: TrialStatus;
  values: TrialValues;
  /** data statistics, metrics and `let` values */
  quantities: Scope;
  hypotheses: Record<string, boolean>;
  property?: { holds: boolean; op?: string; lhs?: number; rhs?: number; conjunct?: string };
  message?: string;
  trajectory?: TrajectoryPoint[];
  trace?: TracePoint[];
  ms: number;
}

export interface TraceRequest {
  layer: string;
  x: string;
  /** one expression, or several traced along the same run (e.g. the singular values s1, s2, …) */
  y: string | string[];
  /** points from the first step where this holds on are marked imprecise */
  until?: string;
}

export interface TracePoint {
  x: number;
  y: number;
  /** false once `until` has held (e.g. det W below float64 precision) */
  precise: boolean;
  /** which y expression, when several are traced */
  i?: number;
}

export interface TrialOptions {
  /** re-run with each block's stricter settings (the genuine/potential re-check) */
  refine?: boolean;
  keepTrajectory?: boolean;
  /** record (x, y) of path expressions of one layer along the dynamics (trajectory plots) */
  trace?: TraceRequest;
}

function context(scope: Scope, rng: Rng, data?: Dataset): BlockContext {
  const num = (v: number | string): number => {
    const x = typeof v === 'number' ? v : evaluate(parseExpr(v), scope);
    if (!Number.isFinite(x)) throw new Error(`parameter "${v}" evaluates to ${x}`);
    return x;
  };
  return {
    num,
    int: (v) => {
      const x = num(v);
      if (!Number.isInteger(x)) throw new Error(`parameter "${v}" must be an integer, got ${x}`);
      return x;
    },
    rng,
    scope,
    data,
  };
}

function build<K extends BlockKind>(kind: K, ref: BlockRef, scope: Scope, rng: Rng, refine: boolean, data?: Dataset) {
  const def = BLOCKS[kind].get(ref.block)!;
  const { block: _b, ...raw } = ref;
  let params = def.params.parse(raw);
  if (refine && def.refine) params = def.refine(params);
  return def.create(params, context(scope, rng.fork(`${kind}:${ref.block}`), data));
}

/** κ is ∞ for a single point or exactly orthogonal data: a value, not a divergence. */
const MAY_BE_INFINITE = new Set(['kappa', 'Rratio']);

/** Thinned (x, y) along the path, for plots: a point whenever x or a y moved by 2% (relative), at most 2000 points per y, and always the last one; 7 significant digits. */
function tracer(req: TraceRequest, out: TracePoint[]) {
  const ys = (Array.isArray(req.y) ? req.y : [req.y]).map((e) => parseExpr(e));
  const multi = Array.isArray(req.y);
  const x = parseExpr(req.x), until = req.until ? parseExpr(req.until) : undefined;
  let precise = true, step = -1, kept: { x: number; y: number[]; precise: boolean } | undefined, latest: typeof kept;
  const moved = (a: number, b: number) => Math.abs(a - b) > 0.02 * Math.max(Math.abs(a), Math.abs(b));
  const round = (v: number) => Number(v.toPrecision(7));
  const push = (p: NonNullable<typeof kept>) => p.y.forEach((y, i) => out.push({ x: p.x, y, precise: p.precise, ...(multi ? { i } : {}) }));
  return {
    watch: ({ objective, model }: { objective: Objective; model: Model }): Observer => (theta) => {
      step++;
      const m = model.layers(theta)[req.layer];
      if (!m) throw new Error(`trace: model "${model.name}" has no layer "${req.layer}"`);
      const scope = pathSymbols(m, objective.value(theta), step);
      if (precise && until && evaluate(until, scope) !== 0) precise = false;
      latest = { x: round(evaluate(x, scope)), y: ys.map((e) => round(evaluate(e, scope))), precise };
      const changed = !kept || latest.precise !== kept.precise || moved(latest.x, kept.x) || latest.y.some((v, i) => moved(v, kept!.y[i]));
      if (changed && (!kept || latest.precise !== kept.precise || out.length < 2000 * ys.length)) push((kept = latest));
    },
    finish: () => {
      if (latest && latest !== kept) push(latest);
    },
  };
}

/** Build the blocks for one point, simulate, and record data statistics and metrics into `scope` and `quantities` (names get `suffix`). */
function simulate(spec: SearchSpec, values: TrialValues, scope: Scope, quantities: Scope, refine: boolean, suffix = '', trace?: { req: TraceRequest; out: TracePoint[] }): SimState {
  const local: Scope = { ...values };
  const rng = new Rng(values.seed);
  let data: Dataset | undefined;
  if (spec.data) {
    data = build('data', spec.data, local, rng, refine) as Dataset;
    for (const k of DATA_STAT_NAMES) local[k] = scope[k + suffix] = quantities[k + suffix] = data.stats[k];
    for (const k of ['n', 'd'] as const) {
      if (k in local) continue;
      local[k] = data.stats[k];
      if (!suffix) scope[k] = data.stats[k];
    }
  }
  let model: Model | undefined;
  if (spec.model) model = build('model', spec.model, local, rng, refine, data) as Model;
  if (!model) throw new Error('a search needs a model block');
  const theta0 = model.init(rng.fork('init'));
  const state: SimState = { model, data, theta0, theta: theta0 };
  if (spec.loss && data) {
    const l = build('loss', spec.loss, local, rng, refine) as LossProduct;
    state.objective = objective(model, l.loss, data.X, data.y, l.reduction);
  }
  // Metrics that watch the path are built before the dynamics; the others after it, so that the
  // random streams of existing claims (restarts, test points) stay as they were.
  const watching = new Map<string, MetricProduct>();
  for (const [name, ref] of Object.entries(spec.metrics)) if (BLOCKS.metric.get(ref.block)!.watchesPath) watching.set(name, build('metric', ref, local, rng, refine) as MetricProduct);
  if (spec.dynamics && state.objective && data) {
    const run = build('dynamics', spec.dynamics, local, rng, refine) as DynamicsProduct;
    const problem = { objective: state.objective, model, data };
    const watchers = [...watching.values()].map((f) => f.watch!(problem));
    const tr = trace && tracer(trace.req, trace.out);
    if (tr) watchers.push(tr.watch(problem));
    state.sim = run(problem, theta0, watchers.length ? (theta) => watchers.forEach((w) => w(theta)) : undefined);
    tr?.finish();
    state.theta = state.sim.theta;
    const m = model;
    state.restart = (k, scale) => {
      const t0 = m.init(rng.fork(`restart-${k}`));
      for (let i = 0; i < t0.length; i++) if (m.trainable[i]) t0[i] *= scale;
      return run(problem, t0).theta;
    };
  }
  for (const [name, ref] of Object.entries(spec.metrics)) {
    const f = watching.get(name) ?? (build('metric', ref, local, rng, refine) as MetricProduct);
    local[name] = scope[name + suffix] = quantities[name + suffix] = f(state);
  }
  return state;
}

export function runTrial(spec: SearchSpec, values: TrialValues, o: TrialOptions = {}): TrialResult {
  const t0 = performance.now();
  const scope: Scope = { ...values };
  const quantities: Scope = {};
  const hypotheses: Record<string, boolean> = {};
  const trace = o.trace ? { req: o.trace, out: [] as TracePoint[] } : undefined;
  const base = (status: TrialStatus, message?: string): TrialResult => ({ status, values, quantities, hypotheses, message, ms: performance.now() - t0, ...(trace ? { trace: trace.out } : {}) });
  try {
    const refine = !!o.refine;
    const state = simulate(spec, values, scope, quantities, refine, '', trace);
    // Variants: the same trial (same seed) with some variables changed; their metrics are named metric_variant.
    for (const [variant, overrides] of Object.entries(spec.variants)) {
      const changed: TrialValues = { ...values };
      for (const [k, src] of Object.entries(overrides)) changed[k] = typeof src === 'number' ? src : evaluate(parseExpr(src), values);
      simulate(spec, changed, scope, quantities, refine, `_${variant}`);
    }
    for (const [name, src] of Object.entries(spec.let)) scope[name] = quantities[name] = evaluate(parseExpr(src), scope);
    const traj = o.keepTrajectory ? state.sim?.trajectory : undefined;
    // A non-finite simulation output is a divergence; a non-finite derived value only matters inside the hypotheses.
    const nonFinite = (names: string[]) => names.filter((k) => Number.isNaN(quantities[k]) || (!Number.isFinite(quantities[k]) && !MAY_BE_INFINITE.has(k)));
    const badMetrics = nonFinite(Object.keys(spec.metrics));
    if (badMetrics.length) return { ...base('diverged', `non-finite ${badMetrics.map((k) => `${k} = ${quantities[k]}`).join(', ')}`), trajectory: traj };
    let inRegime = true;
    for (const [name, src] of Object.entries(spec.hypotheses)) {
      const v = evaluate(parseExpr(src), scope);
      hypotheses[name] = v !== 0 && !Number.isNaN(v);
      inRegime &&= hypotheses[name];
    }
    const badLets = nonFinite(Object.keys(spec.let));
    if (inRegime && badLets.length) return { ...base('diverged', `non-finite ${badLets.map((k) => `${k} = ${quantities[k]}`).join(', ')}`), trajectory: traj };
    if (!inRegime) return { ...base('out-of-regime', `outside ${Object.entries(hypotheses).filter(([, b]) => !b).map(([k]) => k).join(', ')}`), trajectory: traj };
    const prop = parseExpr(spec.property);
    const v = evaluate(prop, scope);
    const sides = comparisonSides(prop, scope);
    if (Number.isNaN(v) || (sides && (Number.isNaN(sides.lhs) || Number.isNaN(sides.rhs)))) {
      return { ...base('diverged', 'the property evaluates to NaN'), trajectory: traj };
    }
    const holds = v !== 0;
    return { ...base(holds ? 'pass' : 'fail'), property: { holds, ...(sides ?? {}) }, trajectory: traj };
  } catch (e) {
    if (e instanceof DivergedError) return base('diverged', e.message);
    if (e instanceof OutsideDomainError) {
      hypotheses['block-domain'] = false;
      return base('out-of-regime', e.message);
    }
    return base('error', (e as Error).message);
  }
}
