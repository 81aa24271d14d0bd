// One trial: build the declared blocks for one point of the space, simulate in float64, record the
// metrics, then judge the hypotheses and the property. Runs in a worker thread; never throws.
import { DATA_STAT_NAMES } from '../blocks/index.js';
import { dynamicsProblem } from '../blocks/dynamics/index.js';
import type { BlockContext, DynamicsProduct, LossProduct, MetricProduct, SimState } from '../blocks/types.js';
import { compileExpr, comparisonSides, evaluateFinite, NonFiniteError, nonFiniteIn, type Scope } from '../core/expr.js';
import { planSearch, type BlockPlan, type SearchPlan } from '../claims/plan.js';
import type { SearchSpec } from '../claims/schema.js';
import type { Dataset } from '../numeric/data.js';
import { DivergedError, type Observer, type TrajectoryPoint } from '../numeric/dynamics.js';
import type { Objective } from '../numeric/objective.js';
import { pathSymbols } from '../blocks/path.js';
import { OutsideDomainError } from '../core/errors.js';
import { layerOf, type Model } from '../numeric/models.js';
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
  /** the property's verdict, its robustness ρ (a signed margin, ≥ 0 exactly when it holds: core/robustness.ts) and the sides of its deciding comparison */
  property?: {
    holds: boolean;
    robustness?: number;
    op?: string;
    lhs?: number;
    rhs?: number;
    conjunct?: string;
    /** ρ of each top-level conjunct */ parts?: number[];
  };
  /** set when the trial drew no random number: its seed did not matter, so trials differing only in seed are one computation */
  seedless?: true;
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
  /** the claim the trial belongs to: part of the trial's journal key, never read by the trial */
  claim?: string;
}

function context(scope: Scope, rng: Rng, data?: Dataset): BlockContext {
  const num = (v: number | string): number => {
    const x = typeof v === 'number' ? v : compileExpr(v).value(scope);
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

function build(b: BlockPlan, scope: Scope, rng: Rng, refine: boolean, data?: Dataset) {
  return b.def.create(refine ? b.refined : b.params, context(scope, rng.fork(`${b.kind}:${b.def.name}`), data));
}

/**
 * κ is ∞ for a single point or exactly orthogonal data, Rratio when a point is 0: recorded as they are,
 * and not by themselves a divergence of the simulation. But the one non-finite rule below applies to
 * them as to any value: a trial whose hypotheses, lets, property or frequency bound use an infinite κ
 * is `diverged` (docs/claim-format.md, the data statistics).
 */
const MAY_BE_INFINITE = new Set(['kappa', 'Rratio']);

/** Thinned (x, y) along the path, for plots: a point whenever x or a y moved by 2% (relative), at most 2000 points per y, and always the last one; 7 significant digits. */
function tracer(req: TraceRequest, out: TracePoint[]) {
  const ys = (Array.isArray(req.y) ? req.y : [req.y]).map((e) => compileExpr(e));
  const multi = Array.isArray(req.y);
  const x = compileExpr(req.x),
    until = req.until ? compileExpr(req.until) : undefined;
  let precise = true,
    step = -1,
    kept: { x: number; y: number[]; precise: boolean } | undefined,
    latest: typeof kept;
  const moved = (a: number, b: number) => Math.abs(a - b) > 0.02 * Math.max(Math.abs(a), Math.abs(b));
  const round = (v: number) => Number(v.toPrecision(7));
  const push = (p: NonNullable<typeof kept>) => p.y.forEach((y, i) => out.push({ x: p.x, y, precise: p.precise, ...(multi ? { i } : {}) }));
  return {
    watch:
      ({ objective, model }: { objective: Objective; model: Model }): Observer =>
      (theta) => {
        step++;
        const m = layerOf(model, theta, req.layer);
        const scope = pathSymbols(m, objective.value(theta), step);
        if (precise && until && until.value(scope) !== 0) precise = false;
        latest = { x: round(x.value(scope)), y: ys.map((e) => round(e.value(scope))), precise };
        const changed = !kept || latest.precise !== kept.precise || moved(latest.x, kept.x) || latest.y.some((v, i) => moved(v, kept!.y[i]));
        if (changed && (!kept || latest.precise !== kept.precise || out.length < 2000 * ys.length)) push((kept = latest));
      },
    finish: () => {
      if (latest && latest !== kept) push(latest);
    },
  };
}

/** Build the blocks for one point, simulate, and record data statistics and metrics into `scope` and `quantities` (names get `suffix`). */
function simulate(
  plan: SearchPlan,
  values: TrialValues,
  scope: Scope,
  quantities: Scope,
  refine: boolean,
  suffix = '',
  trace?: { req: TraceRequest; out: TracePoint[] },
  usage: { drawn: boolean } = { drawn: false },
): SimState {
  const local: Scope = { ...values };
  const rng = new Rng(values.seed, usage);
  const { data: dataBlock, model: modelBlock, loss: lossBlock, dynamics: dynamicsBlock } = plan.stages;
  let data: Dataset | undefined;
  if (dataBlock) {
    data = build(dataBlock, local, rng, refine) as Dataset;
    for (const k of DATA_STAT_NAMES) local[k] = scope[k + suffix] = quantities[k + suffix] = data.stats[k];
    for (const k of ['n', 'd'] as const) {
      if (k in local) continue;
      local[k] = data.stats[k];
      if (!suffix) scope[k] = data.stats[k];
    }
  }
  let model: Model | undefined;
  if (modelBlock) model = build(modelBlock, local, rng, refine, data) as Model;
  if (!model) throw new Error('a search needs a model block');
  const theta0 = model.init(rng.fork('init'));
  const state: SimState = { model, data, theta0, theta: theta0 };
  let loss: LossProduct | undefined;
  if (lossBlock && data) {
    loss = build(lossBlock, local, rng, refine) as LossProduct;
    state.objective = objective(model, loss.loss, data.X, data.y, loss.reduction);
  }
  // Metrics that watch the path are built before the dynamics; the others after it, so that the
  // random streams of existing claims (restarts, test points) stay as they were.
  const watching = new Map<string, MetricProduct>();
  for (const { name, block } of plan.metrics) if (block.def.watchesPath) watching.set(name, build(block, local, rng, refine) as MetricProduct);
  if (dynamicsBlock && state.objective && loss && data) {
    const run = build(dynamicsBlock, local, rng, refine) as DynamicsProduct;
    const problem = dynamicsProblem(state.objective, model, data, loss, values.seed);
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
  for (const { name, block } of plan.metrics) {
    const f = watching.get(name) ?? (build(block, local, rng, refine) as MetricProduct);
    local[name] = scope[name + suffix] = quantities[name + suffix] = f(state);
  }
  return state;
}

/** One trial of a compiled plan, and the scope it ended with (every name the plan defines). */
export function executeTrial(plan: SearchPlan, values: TrialValues, o: TrialOptions = {}): { result: TrialResult; scope: Scope } {
  const t0 = performance.now();
  const scope: Scope = { ...values };
  const quantities: Scope = {};
  const hypotheses: Record<string, boolean> = Object.create(null);
  const trace = o.trace ? { req: o.trace, out: [] as TracePoint[] } : undefined;
  // whether the trial drew any random number: one that did not is a function of its declared values alone
  const usage = { drawn: false };
  const base = (status: TrialStatus, message?: string): TrialResult => ({
    status,
    values,
    quantities,
    hypotheses,
    ...(usage.drawn ? {} : { seedless: true as const }),
    message,
    ms: performance.now() - t0,
    ...(trace ? { trace: trace.out } : {}),
  });
  const done = (result: TrialResult) => ({ result, scope });
  try {
    const refine = !!o.refine;
    const state = simulate(plan, values, scope, quantities, refine, '', trace, usage);
    // Variants: the same trial (same seed) with some variables changed; their metrics are named metric_variant.
    for (const { name, overrides } of plan.variants) {
      const changed: TrialValues = { ...values };
      for (const { name: k, value } of overrides) changed[k] = typeof value === 'number' ? value : value.value(values);
      simulate(plan, changed, scope, quantities, refine, `_${name}`, undefined, usage);
    }
    // A `let` with a non-finite value anywhere in its expression is NaN, so that nothing judged from it can pass or fail.
    const letProblems: string[] = [];
    for (const { name, expr } of plan.lets) {
      let v: number;
      try {
        v = evaluateFinite(expr, scope);
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        letProblems.push(`${name}: ${e.message}`);
        v = NaN;
      }
      scope[name] = quantities[name] = v;
    }
    const traj = o.keepTrajectory ? state.sim?.trajectory : undefined;
    const diverged = (message: string) => done({ ...base('diverged', message), trajectory: traj });
    // A non-finite metric is a divergence (an infinite data statistic, κ of orthogonal data, is recorded; an expression that uses it makes the trial diverged below).
    const nonFinite = (names: string[]) => names.filter((k) => Number.isNaN(quantities[k]) || (!Number.isFinite(quantities[k]) && !MAY_BE_INFINITE.has(k)));
    const badMetrics = nonFinite(plan.metrics.map((m) => m.name));
    if (badMetrics.length) return diverged(`non-finite ${badMetrics.map((k) => `${k} = ${quantities[k]}`).join(', ')}`);
    // One rule for hypotheses, property and frequency bound: a non-finite value anywhere in them is a divergence.
    let inRegime = true;
    const badHypotheses: string[] = [];
    for (const { name, expr, robustness } of plan.hypotheses) {
      const rho = robustness(scope);
      if (Number.isNaN(rho)) badHypotheses.push(`${name}: ${nonFiniteIn(expr, scope)?.message ?? 'NaN'}`);
      hypotheses[name] = rho >= 0;
      inRegime &&= hypotheses[name];
    }
    if (badHypotheses.length) return diverged(`non-finite value in hypothesis ${badHypotheses.join('; ')}`);
    if (!inRegime)
      return done({
        ...base(
          'out-of-regime',
          `outside ${Object.entries(hypotheses)
            .filter(([, b]) => !b)
            .map(([k]) => k)
            .join(', ')}`,
        ),
        trajectory: traj,
      });
    if (letProblems.length) return diverged(`non-finite value in let ${letProblems.join('; ')}`);
    if (plan.atLeast) {
      const bad = nonFiniteIn(plan.atLeast, values);
      if (bad) return diverged(`non-finite value in the frequency bound: ${bad.message}`);
    }
    // The verdict is the sign of the property's robustness; NaN (a non-finite value in it) is never a pass or a fail.
    const margin = plan.propertyRobustness(scope);
    const sides = Number.isNaN(margin) ? undefined : comparisonSides(plan.property, scope);
    if (Number.isNaN(margin) || (sides && !(Number.isFinite(sides.lhs) && Number.isFinite(sides.rhs))))
      return diverged(`non-finite value in the property: ${nonFiniteIn(plan.property, scope)?.message ?? 'NaN'}`);
    const holds = margin >= 0;
    const parts = plan.propertyParts.map((r) => r(scope));
    const withParts = parts.length && parts.every(Number.isFinite) ? { parts } : {};
    return done({ ...base(holds ? 'pass' : 'fail'), property: { holds, robustness: margin, ...(sides ?? {}), ...withParts }, trajectory: traj });
  } catch (e) {
    if (e instanceof DivergedError) return done(base('diverged', e.message));
    if (e instanceof OutsideDomainError) {
      hypotheses['block-domain'] = false;
      return done(base('out-of-regime', e.message));
    }
    return done(base('error', (e as Error).message));
  }
}

export function runTrial(spec: SearchSpec, values: TrialValues, o: TrialOptions = {}): TrialResult {
  let plan: SearchPlan;
  try {
    plan = planSearch(spec);
  } catch (e) {
    return { status: 'error', values, quantities: {}, hypotheses: {}, message: (e as Error).message, ms: 0 };
  }
  return executeTrial(plan, values, o).result;
}
