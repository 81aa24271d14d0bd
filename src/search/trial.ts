// One trial: build the declared blocks for one point of the space, simulate in float64, record the
// metrics, then judge the hypotheses and the property. Runs in a worker thread; never throws.
import { dynamicsProblem } from '../blocks/dynamics/index.js';
import type { BlockContext, DynamicsProduct, LossProduct, MetricProduct, PathLog, SimState, WatchReport } from '../blocks/types.js';
import { compileExpr, comparisonSides, evaluateFinite, NonFiniteError, nonFiniteIn, type Scope } from '../core/expr.js';
import { compileEarlyDecision, earlyModeOf, type EarlyDecider } from '../claims/early-decision.js';
import { planSearch, type BlockPlan, type SearchPlan } from '../claims/plan.js';
import type { SearchSpec } from '../claims/schema.js';
import { defineLazyStat, EAGER_DATA_STAT_NAMES, LAZY_DATA_STATS, type Dataset } from '../numeric/data.js';
import { DivergedError, type Observer, type SimResult, type TrajectoryPoint } from '../numeric/dynamics.js';
import { runKernelLanes, type KernelLane, type LaneOutcome } from '../numeric/batched.js';
import type { Objective } from '../numeric/objective.js';
import { PATH_LOG_STEPS, pathSymbols } from '../blocks/path.js';
import { NoDoubleDoubleError, OutsideDomainError } from '../core/errors.js';
import { ddVecFrom, type DDVec } from '../numeric/dd-model.js';
import { layerOf, type Model } from '../numeric/models.js';
import { objective } from '../numeric/objective.js';
import { Rng } from '../numeric/rng.js';
import type { TrialValues } from './space.js';

/** imprecise: float64 (or the run's arithmetic) could not decide the property — a decision below rounding error, a watch stopped short, or a higher-precision replay that disagrees; never a pass, never a counterexample. */
export type TrialStatus = 'pass' | 'fail' | 'out-of-regime' | 'diverged' | 'timeout' | 'error' | 'imprecise';

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
  /** how much of the path each watching metric saw (metrics with a watch report) */
  watch?: Record<string, WatchReport>;
  /** set when the trial ran in double-double; with `replay`, where its path parts from the float64 run's with the same steps */
  precision?: { arithmetic: 'double-double'; part?: PrecisionParting; sameStepsAs?: 'float64' | 'dd'; perturbed?: number };
  trajectory?: TrajectoryPoint[];
  trace?: TracePoint[];
  /** set when the claim's early_decision stopped the dynamics at this accepted step (0: the start), with the loss there and why (the quantities are their values at that step) */
  stoppedEarlyAt?: EarlyStop;
  /** set when early decision decided the status at this step but the run went on to its end (--no-early, boundary cells, ablation, trajectories): the status is the decision's, the quantities those at the end */
  decidedAt?: EarlyStop;
  ms: number;
}

export interface EarlyStop {
  step: number;
  loss: number;
  /** the decided status, then why: "fail: …" or "out-of-regime: …" */
  reason: string;
  /** on a run stopped there: the metrics and lets that the property and hypotheses do not read, not computed */
  notComputed?: string[];
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
  /** simulate in double-double; with `sameSteps`, first run the reference (float64, or double-double) and take its accepted steps (the same discretization), and report where the two paths part */
  precision?: 'float64' | 'dd';
  sameSteps?: boolean;
  reference?: 'float64' | 'dd';
  /** with `sameSteps`: multiply the replay's θ(0) entries by 1 ± perturb (alternating signs) — a probe of how far below the reference's own rounding the outcome is decided */
  perturb?: number;
}

/** The first accepted step at which a double-double run and the float64 run with the same steps differ in what they decide or read. */
export interface PrecisionParting {
  step: number;
  loss: number;
  /** what differs there, in words */
  what: string;
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

/** θ(0) in double-double with each entry moved by ±relative·|θ_i| (alternating signs) in its low part. */
function perturbedBelowFloat64(theta0: Float64Array, relative: number): DDVec {
  const v = ddVecFrom(theta0);
  for (let i = 0; i < v.lo.length; i++) v.lo[i] = (i % 2 ? -relative : relative) * theta0[i];
  return v;
}

/** How simulate runs and what it records beyond the metrics. */
interface SimEnv {
  refine: boolean;
  precision: 'float64' | 'dd';
  /** a double-double run takes exactly these accepted steps (those of a float64 run) */
  steps?: ArrayLike<number>;
  /** a float64 run records its accepted step sizes here */
  acceptedSteps?: number[];
  /** per watching metric, its per-step log (PathLog), and the loss at every accepted step */
  logs?: { metrics: Map<string, PathLog>; loss: number[] };
  /** θ(0) entries are multiplied by 1 ± perturb, alternating signs */
  perturb?: number;
  /** filled: each watching metric's report, and each metric's bound on its rounding error */
  watch: Record<string, WatchReport>;
  roundingErrors: Record<string, number>;
  /** why a metric is NaN, where it says (MetricProduct.nanReason) */
  nanReasons?: Record<string, string>;
  /** set when early decision stopped the main run */
  early?: EarlyStop;
  /** set when early decision decided the main run's status and the run went on */
  decided?: EarlyStop;
}

/** Thrown by the early-decision observer to stop the dynamics: the run as far as it went. */
class DecidedEarly extends Error {
  constructor(
    readonly sim: SimResult,
    readonly stop: EarlyStop,
  ) {
    super(`decided at step ${stop.step}: ${stop.reason}`);
  }
}

const DECIDERS = new WeakMap<SearchPlan, EarlyDecider | null>();
/**
 * The plan's early decision, when its claim opts in (validation has refused every claim for which it is
 * unsound). A run that does not stop (withoutEarlyDecision: an ablated search, whose formulas may no longer
 * compile without the dropped premise) judges its whole path when there is no decision to observe.
 */
function deciderOf(plan: SearchPlan): EarlyDecider | undefined {
  const mode = earlyModeOf(plan.spec);
  if (!mode) return undefined;
  let d = DECIDERS.get(plan);
  if (d === undefined) {
    const issues: string[] = [];
    d = compileEarlyDecision(plan, (i) => issues.push(i.message)) ?? null;
    if (!d && mode === 'stop') throw new Error(issues.join('; '));
    DECIDERS.set(plan, d);
  }
  return d ?? undefined;
}

/**
 * The observer that finds the first step where the decider settles the trial for good, where every
 * watching metric is defined, finite and not imprecise so far. With `stop` it stops the run there; else
 * it records the decision (`decided`) and lets the run go on: the status is the decision's either way.
 */
function earlyStopper(
  decider: EarlyDecider,
  constants: Scope,
  watching: Map<string, MetricProduct>,
  state: SimState,
  objective: Objective,
  stop: boolean,
  decided: (d: EarlyStop) => void,
): Observer {
  let step = -1,
    errorEstimate = 0,
    done = false;
  const running = (name: string) => {
    const f = watching.get(name)!;
    try {
      return { value: f(state), error: f.roundingError?.() ?? 0 };
    } catch {
      return undefined; // no step counted yet
    }
  };
  const settled = () => {
    for (const f of watching.values()) {
      if (f.watchReport?.().imprecise) return false;
      try {
        if (!Number.isFinite(f(state))) return false;
      } catch {
        return false;
      }
    }
    return true;
  };
  return (theta, point, stepError) => {
    step++;
    if (stepError) errorEstimate += stepError;
    if (done) return;
    const d = decider.decide(constants, running);
    if (!d || !settled()) return;
    done = true;
    const loss = point ? point.loss.hi + point.loss.lo : objective.value(theta);
    const at: EarlyStop = { step, loss, reason: `${d.status}: ${d.why}` };
    if (!stop) return decided(at);
    const sim: SimResult = { theta: Float64Array.from(theta), loss, steps: step, time: NaN, errorEstimate, trajectory: [], stoppedBy: 'steps' };
    throw new DecidedEarly(sim, at);
  };
}

/** A trial's float64 dynamics run, handed to the driver: `run` runs it alone; `lane`, where present, runs it in a batch (bit-identical). */
interface DynamicsRequest {
  run: () => SimResult;
  lane?: KernelLane;
}

/** A trial that stops at each of its float64 dynamics runs, to be resumed with the run's result (or its error thrown in). */
type TrialSteps<T> = Generator<DynamicsRequest, T, SimResult>;

function runAlone(request: DynamicsRequest): LaneOutcome {
  try {
    return { result: request.run() };
  } catch (e) {
    return { error: e };
  }
}

const resume = <T>(g: TrialSteps<T>, outcome: LaneOutcome) => ('result' in outcome ? g.next(outcome.result) : g.throw(outcome.error));

/** Runs a trial's dynamics runs one by one, each when asked for. */
function drive<T>(g: TrialSteps<T>): T {
  let step = g.next();
  while (!step.done) step = resume(g, runAlone(step.value));
  return step.value;
}

/** Build the blocks for one point, simulate, and record data statistics and metrics into `scope` and `quantities` (names get `suffix`). */
function* simulate(
  plan: SearchPlan,
  values: TrialValues,
  scope: Scope,
  quantities: Scope,
  env: SimEnv,
  suffix = '',
  trace?: { req: TraceRequest; out: TracePoint[] },
  usage: { drawn: boolean } = { drawn: false },
): TrialSteps<SimState> {
  const refine = env.refine;
  const local: Scope = { ...values };
  const rng = new Rng(values.seed, usage);
  const { data: dataBlock, model: modelBlock, loss: lossBlock, dynamics: dynamicsBlock } = plan.stages;
  let data: Dataset | undefined;
  if (dataBlock) {
    data = build(dataBlock, local, rng, refine) as Dataset;
    for (const k of EAGER_DATA_STAT_NAMES) local[k] = scope[k + suffix] = quantities[k + suffix] = data.stats[k];
    const built = data;
    for (const [k, stat] of Object.entries(LAZY_DATA_STATS))
      defineLazyStat(
        [
          [local, k],
          [scope, k + suffix],
          [quantities, k + suffix],
        ],
        () => stat(built),
      );
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
    const logs = !suffix ? env.logs : undefined;
    const watchers = [...watching].map(([name, f]) => {
      const log: PathLog | undefined = logs ? [] : undefined;
      if (log) logs!.metrics.set(name, log);
      return f.watch!({ ...problem, log });
    });
    const tr = trace && tracer(trace.req, trace.out);
    if (tr) watchers.push(tr.watch(problem));
    const decider = !suffix ? deciderOf(plan) : undefined;
    // a traced run (a trajectory plot) draws the whole path, its decider observing
    const stop = !tr && earlyModeOf(plan.spec) === 'stop';
    if (logs)
      watchers.push((theta, point) => {
        if (logs.loss.length < PATH_LOG_STEPS) logs.loss.push(point ? point.loss.hi + point.loss.lo : problem.objective.value(theta));
      });
    const dd = env.precision === 'dd';
    if (dd && !run.dd) throw new NoDoubleDoubleError(`the dynamics "${dynamicsBlock.def.name}" has no double-double version`);
    const go = (t0: Float64Array, observe?: Observer, steps?: ArrayLike<number>, record?: { acceptedSteps?: number[] }) =>
      dd ? run.dd!(problem, t0, observe, steps, record) : run(problem, t0, observe, record);
    // the probe's perturbation lies below float64's resolution: it exists only in a double-double θ(0)
    const start = env.perturb && dd && !suffix ? perturbedBelowFloat64(theta0, env.perturb) : theta0;
    // after every other watcher, so that the running extremes it reads include this step
    if (decider) watchers.push(earlyStopper(decider, decider.constants(local), watching, state, problem.objective, stop, (d) => (env.decided = d)));
    const observeAll: Observer | undefined = watchers.length ? (theta, point, stepError) => watchers.forEach((w) => w(theta, point, stepError)) : undefined;
    const record = suffix ? undefined : { acceptedSteps: env.acceptedSteps };
    try {
      state.sim = dd
        ? run.dd!(problem, start, observeAll, suffix ? undefined : env.steps, record)
        : yield {
            run: () => run(problem, theta0, observeAll, record),
            // a run that records its accepted steps (a replay's reference) stays unbatched
            lane: env.acceptedSteps ? undefined : run.batched?.(problem, theta0, observeAll),
          };
    } catch (e) {
      if (!(e instanceof DecidedEarly)) throw e;
      state.sim = e.sim;
      env.early = e.stop;
    }
    tr?.finish();
    state.theta = state.sim.theta;
    const m = model;
    state.restart = (k, scale) => {
      const t0 = m.init(rng.fork(`restart-${k}`));
      for (let i = 0; i < t0.length; i++) if (m.trainable[i]) t0[i] *= scale;
      return go(t0).theta;
    };
  }
  // a run stopped early computes only the metrics its formulas read: the others may need the whole run
  // (snapshots, its time, θ at its end) and would only be read at step k, where nothing judges them
  const reads = !suffix && env.early ? new Set(deciderOf(plan)!.reads) : undefined;
  for (const { name, block } of plan.metrics) {
    if (reads && !reads.has(name)) {
      (env.early!.notComputed ??= []).push(name);
      continue;
    }
    const f = watching.get(name) ?? (build(block, local, rng, refine) as MetricProduct);
    local[name] = scope[name + suffix] = quantities[name + suffix] = f(state);
    const report = f.watchReport?.();
    if (report) env.watch[name + suffix] = report;
    const err = f.roundingError?.();
    if (err) env.roundingErrors[name + suffix] = err;
    const why = f.nanReason?.();
    if (why) (env.nanReasons ??= {})[name + suffix] = why;
  }
  return state;
}

/** One trial of a compiled plan, and the scope it ended with (every name the plan defines). */
export function executeTrial(plan: SearchPlan, values: TrialValues, o: TrialOptions = {}): { result: TrialResult; scope: Scope } {
  if (o.precision === 'dd' && o.sameSteps) return replayInDoubleDouble(plan, values, o);
  return drive(judgeTrial(plan, values, o, simEnv(o)));
}

/** The most numbers one batched kernel call holds (2²² float64: 32 MB); larger groups run in several calls. */
const BATCH_ENTRIES = 1 << 22;

/**
 * Trials of one plan, their dynamics runs batched where a batched kernel takes them (lanes of equal
 * key run together); each result equals executeTrial's for the same values (its `ms` aside: a batched
 * trial's time is the whole batch's).
 */
export function executeTrials(
  plan: SearchPlan,
  values: TrialValues[],
  o: TrialOptions = {},
  batchEntries = BATCH_ENTRIES,
): Array<{ result: TrialResult; scope: Scope }> {
  if (o.precision === 'dd' && o.sameSteps) return values.map((v) => executeTrial(plan, v, o));
  const trials = values.map((v) => judgeTrial(plan, v, o, simEnv(o)));
  const out: Array<{ result: TrialResult; scope: Scope }> = new Array(values.length);
  let steps = trials.map((g) => g.next());
  for (;;) {
    const groups = new Map<string, number[]>();
    steps.forEach((step, t) => {
      if (step.done) return;
      const lane = step.value.lane;
      if (!lane) return;
      const group = groups.get(lane.key);
      if (group) group.push(t);
      else groups.set(lane.key, [t]);
    });
    const next = [...steps];
    let pending = false;
    steps.forEach((step, t) => {
      if (step.done) {
        out[t] ??= step.value;
        return;
      }
      pending = true;
      if (step.value.lane && groups.get(step.value.lane.key)!.length > 1) return;
      next[t] = resume(trials[t], runAlone(step.value));
    });
    if (!pending) return out;
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      const lanes = members.map((t) => (steps[t] as IteratorYieldResult<DynamicsRequest>).value.lane!);
      // a kernel call holds at most batchEntries numbers
      const size = Math.max(1, Math.floor(batchEntries / lanes[0].entries));
      for (let from = 0; from < lanes.length; from += size) {
        const outcomes = runKernelLanes(lanes.slice(from, from + size));
        outcomes.forEach((o, b) => (next[members[from + b]] = resume(trials[members[from + b]], o)));
      }
    }
    steps = next;
  }
}

const simEnv = (o: TrialOptions, extra: Partial<SimEnv> = {}): SimEnv => ({
  refine: !!o.refine,
  precision: o.precision ?? 'float64',
  watch: {},
  roundingErrors: {},
  ...extra,
});

/**
 * The witness re-check against rounding: the trial in float64 recording its accepted steps and what
 * its path metrics decide at each, then in double-double along the same steps; the double-double
 * result, with the first step where the two paths part.
 */
function replayInDoubleDouble(plan: SearchPlan, values: TrialValues, o: TrialOptions): { result: TrialResult; scope: Scope } {
  const reference = o.reference ?? 'float64';
  const ref = simEnv({ ...o, precision: reference }, { acceptedSteps: [], logs: { metrics: new Map(), loss: [] } });
  drive(judgeTrial(plan, values, { ...o, precision: reference }, ref));
  const dd = simEnv(o, {
    steps: ref.acceptedSteps!.length ? ref.acceptedSteps : undefined,
    logs: { metrics: new Map(), loss: [] },
    ...(o.perturb ? { perturb: o.perturb } : {}),
  });
  const out = drive(judgeTrial(plan, values, o, dd));
  if (out.result.precision) {
    out.result.precision.sameStepsAs = reference;
    if (o.perturb) out.result.precision.perturbed = o.perturb;
    const part = pathsPart(ref.logs!, dd.logs!, reference === 'dd' ? 'double-double' : 'float64', o.perturb ? 'the perturbed run' : 'double-double');
    if (part) out.result.precision.part = part;
  }
  return out;
}

const differ = (a: number, b: number) => (Number.isNaN(a) ? !Number.isNaN(b) : Number.isNaN(b) || Math.abs(a - b) > 1e-6 * Math.max(Math.abs(a), Math.abs(b)));

/** The first step where two runs' logs differ: a watch decision, a watched value or the loss (relative 10⁻⁶), or one run ending. */
export function pathsPart(
  a: NonNullable<SimEnv['logs']>,
  b: NonNullable<SimEnv['logs']>,
  aName = 'float64',
  bName = 'double-double',
): PrecisionParting | undefined {
  const n = Math.min(a.loss.length, b.loss.length);
  for (let k = 0; k < n; k++) {
    for (const [name, la] of a.metrics) {
      const lb = b.metrics.get(name);
      if (!lb || 3 * k + 2 >= la.length || 3 * k + 2 >= lb.length) continue;
      const [ca, va, cb, vb] = [la[3 * k + 1], la[3 * k + 2], lb[3 * k + 1], lb[3 * k + 2]];
      const what = (c: number) => (c & 2 ? 'stopped watching' : c & 1 ? 'counted the step' : 'skipped the step');
      if (ca !== cb) return { step: k, loss: b.loss[k], what: `${name}: ${aName} ${what(ca)}, ${bName} ${what(cb)}` };
      if (differ(va, vb)) return { step: k, loss: b.loss[k], what: `${name} reads ${va.toPrecision(10)} in ${aName}, ${vb.toPrecision(10)} in ${bName}` };
    }
    // a loss far below where it started is resolved only to the rounding of its residuals: not compared there
    if (Math.max(a.loss[k], b.loss[k]) > 1e-10 * a.loss[0] && differ(a.loss[k], b.loss[k]))
      return { step: k, loss: b.loss[k], what: `the loss is ${a.loss[k].toPrecision(10)} in ${aName}, ${b.loss[k].toPrecision(10)} in ${bName}` };
  }
  if (a.loss.length !== b.loss.length)
    return {
      step: n,
      loss: b.loss[Math.min(n, b.loss.length - 1)],
      what: `the ${aName} run ends after ${a.loss.length - 1} steps, ${bName} after ${b.loss.length - 1}`,
    };
  return undefined;
}

function* judgeTrial(plan: SearchPlan, values: TrialValues, o: TrialOptions, env: SimEnv): TrialSteps<{ result: TrialResult; scope: Scope }> {
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
    ...(Object.keys(env.watch).length ? { watch: env.watch } : {}),
    ...(env.precision === 'dd' ? { precision: { arithmetic: 'double-double' as const } } : {}),
    ms: performance.now() - t0,
    ...(trace ? { trace: trace.out } : {}),
    ...(env.early ? { stoppedEarlyAt: env.early } : {}),
  });
  const done = (result: TrialResult) => ({ result: byDecision(result, env), scope });
  try {
    const state = yield* simulate(plan, values, scope, quantities, env, '', trace, usage);
    // Variants: the same trial (same seed) with some variables changed; their metrics are named metric_variant.
    for (const { name, overrides } of plan.variants) {
      const changed: TrialValues = { ...values };
      for (const { name: k, value } of overrides) changed[k] = typeof value === 'number' ? value : value.value(values);
      yield* simulate(plan, changed, scope, quantities, env, `_${name}`, undefined, usage);
    }
    // A `let` with a non-finite value anywhere in its expression is NaN, so that nothing judged from it can pass or fail.
    const letProblems: string[] = [];
    const notComputed = new Set(env.early?.notComputed);
    for (const { name, expr } of plan.lets) {
      if ([...expr.symbols].some((x) => notComputed.has(x))) {
        notComputed.add(name);
        env.early!.notComputed!.push(name);
        continue;
      }
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
    // A hypothesis false on finite values puts the trial out of regime before a non-finite metric it does not read makes it
    // diverged (svm-* metrics are NaN on data that a hypothesis `separable == 1` excludes); a NaN hypothesis is judged below.
    const rhos = plan.hypotheses.map(({ robustness }) => robustness(scope));
    if (!rhos.some(Number.isNaN) && plan.hypotheses.some(({ expr }, i) => rhos[i] < 0 && !nonFiniteIn(expr, scope))) {
      plan.hypotheses.forEach(({ name }, i) => (hypotheses[name] = rhos[i] >= 0));
      const outside = plan.hypotheses.filter((_, i) => !(rhos[i] >= 0)).map((h) => h.name);
      return done({ ...base('out-of-regime', `outside ${outside.join(', ')}`), trajectory: traj });
    }
    // A non-finite metric is a divergence (an infinite data statistic, κ of orthogonal data, is recorded; an expression that uses it makes the trial diverged below).
    const nonFinite = (names: string[]) => names.filter((k) => Number.isNaN(quantities[k]) || (!Number.isFinite(quantities[k]) && !MAY_BE_INFINITE.has(k)));
    const badMetrics = nonFinite(plan.metrics.map((m) => m.name).filter((k) => !notComputed.has(k)));
    if (badMetrics.length)
      return diverged(`non-finite ${badMetrics.map((k) => `${k} = ${quantities[k]}${env.nanReasons?.[k] ? ` (${env.nanReasons[k]})` : ''}`).join(', ')}`);
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
    const property = { holds, robustness: margin, ...(sides ?? {}), ...withParts };
    // Not evidence either way: a path watch that could not tell what it decides, or a verdict that the metrics' rounding errors could flip.
    const unsure = Object.entries(env.watch).find(([, w]) => w.imprecise);
    if (unsure) return done({ ...base('imprecise', `${unsure[0]}: ${unsure[1].imprecise!.why}`), property, trajectory: traj });
    const flippedBy = roundingFlip(plan, scope, env.roundingErrors, holds, notComputed);
    if (flippedBy)
      return done({
        ...base('imprecise', `the property's verdict changes when ${flippedBy} move by their rounding error (a difference below what the arithmetic resolves)`),
        property,
        trajectory: traj,
      });
    return done({ ...base(holds ? 'pass' : 'fail'), property, trajectory: traj });
  } catch (e) {
    if (e instanceof DivergedError) return done(base('diverged', e.message));
    if (e instanceof OutsideDomainError) {
      hypotheses['block-domain'] = false;
      return done(base('out-of-regime', e.message));
    }
    return done(base('error', (e as Error).message));
  }
}

/**
 * A trial whose early decision settled it (at the step where it stopped, or at the step where it would
 * have, when the run went on) has the decision's status, whatever the rest of the path does (a later
 * divergence, a later imprecision): the status does not depend on whether the run stopped. What the
 * judgement of the whole run found instead is kept in the message.
 */
function byDecision(result: TrialResult, env: SimEnv): TrialResult {
  const d = env.early ?? env.decided;
  if (!d) return result;
  const status: TrialStatus = d.reason.startsWith('fail') ? 'fail' : 'out-of-regime';
  const at = env.early ? {} : { decidedAt: d };
  if (result.status === status) return { ...result, ...at };
  const found = env.early ? 'judged at that step' : 'the rest of the path, run to its end';
  return {
    ...result,
    status,
    message: `decided at step ${d.step}: ${d.reason}; ${found}: ${result.status}${result.message ? ` — ${result.message}` : ''}`,
    ...at,
  };
}

/**
 * The metrics (named, with their rounding errors) whose rounding errors, each added or subtracted (every sign
 * pattern for up to 6 metrics; all one way beyond), flip the property's verdict; undefined when none do. Of a
 * flipping pattern, only the metrics it needs are named (each is dropped in turn while the flip survives without it).
 */
function roundingFlip(plan: SearchPlan, scope: Scope, errors: Record<string, number>, holds: boolean, notComputed: Set<string>): string | undefined {
  const names = Object.keys(errors);
  if (!names.length) return undefined;
  const flips = (signs: number[]): boolean => {
    const moved: Scope = { ...scope };
    names.forEach((k, i) => (moved[k] = scope[k] + signs[i] * errors[k]));
    for (const { name, expr } of plan.lets) if (!notComputed.has(name)) moved[name] = expr.value(moved);
    const m = plan.propertyRobustness(moved);
    return !Number.isNaN(m) && m >= 0 !== holds;
  };
  const patterns = names.length <= 6 ? 2 ** names.length : 2;
  for (let bits = 0; bits < patterns; bits++) {
    const signs = names.map((_, i): number => (patterns === 2 ? (bits ? -1 : 1) : (bits >> i) & 1 ? -1 : 1));
    if (!flips(signs)) continue;
    for (let i = 0; i < signs.length; i++) {
      const s = signs[i];
      signs[i] = 0;
      if (!flips(signs)) signs[i] = s;
    }
    return names
      .filter((_, i) => signs[i] !== 0)
      .map((k) => `${k} (±${errors[k].toPrecision(2)})`)
      .join(', ');
  }
  return undefined;
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

/** Whether trials of this search can run batched: its dynamics has a batched kernel for its model. */
export function batchesTrials(spec: SearchSpec): boolean {
  try {
    const { dynamics, model } = planSearch(spec).stages;
    return !!(dynamics && model && dynamics.def.batchedModels?.includes(model.def.name));
  } catch {
    return false;
  }
}

/** runTrial of each of `values` (the same spec), batched where a kernel takes them: each result equals runTrial's (`ms` aside). */
export function runTrials(spec: SearchSpec, values: TrialValues[], o: TrialOptions = {}): TrialResult[] {
  let plan: SearchPlan;
  try {
    plan = planSearch(spec);
  } catch (e) {
    return values.map((v) => ({ status: 'error', values: v, quantities: {}, hypotheses: {}, message: (e as Error).message, ms: 0 }));
  }
  return executeTrials(plan, values, o).map((r) => r.result);
}
