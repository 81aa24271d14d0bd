// The building blocks a claim file composes: one definition per block, registered by name with a
// zod parameter schema, so validation knows every block, parameter and expression field.
import { z } from 'zod';
import type { Dataset } from '../numeric/data.js';
import type { Loss } from '../numeric/losses.js';
import type { Model } from '../numeric/models.js';
import type { Objective } from '../numeric/objective.js';
import type { Observer, SimResult } from '../numeric/dynamics.js';
import type { Rng } from '../numeric/rng.js';
import type { DDProblem } from '../numeric/dd-dynamics.js';
import type { DDVec } from '../numeric/dd-model.js';
import type { KernelLane } from '../numeric/batched.js';

export type BlockKind = 'data' | 'model' | 'loss' | 'dynamics' | 'metric';

/** A number, or an expression string over the trial's variables (e.g. "0.05 / Rmax"). */
export const numExpr = z.union([z.number(), z.string().min(1)]);
export type NumExpr = z.infer<typeof numExpr>;

export interface BlockContext {
  /** Resolve a number-or-expression in the trial scope. */
  num(v: NumExpr): number;
  int(v: NumExpr): number;
  rng: Rng;
  /** the trial's variables and the values computed so far (read-only) */
  scope: Readonly<Record<string, number>>;
  /** the trial's data set, for blocks built after it (e.g. a model in Gram coordinates) */
  data?: Dataset;
}

export interface SimState {
  model: Model;
  data?: Dataset;
  theta0: Float64Array;
  theta: Float64Array;
  sim?: SimResult;
  objective?: Objective;
  /** Re-run the same dynamics from restart k's initialization with its trained entries scaled by `scale`; returns the final θ. */
  restart?: (k: number, scale: number) => Float64Array;
}

export interface LossProduct {
  loss: Loss;
  reduction: 'sum' | 'mean';
}

/** What a dynamics runs on (built by `dynamicsProblem` in ./dynamics/problem.ts). */
export interface DynamicsProblem {
  /** L(θ) over all rows: the loss with its reduction */
  objective: Objective;
  model: Model;
  data: Dataset;
  loss: LossProduct;
  /** The dynamics' own seeded stream, from its start on every call (so re-runs such as restarts repeat their draws): call once per run. Forked from the trial seed under its own label, so it shifts no other stream. */
  rng(): Rng;
  /** The same loss and reduction over the given rows, in that order, repeats counted: 'sum' sums over them, 'mean' averages over them. All rows in order give `objective` itself. `labels`: the n labels to use instead of the data's (label noise). */
  objectiveOn(rows: ArrayLike<number>, labels?: Float64Array): Objective;
  /** The double-double twins of the objective and model (dd-model.ts); throws NoDoubleDoubleError when the model or loss has none. */
  dd(): DDProblem;
}

/**
 * Runs the dynamics from θ0; `observe` sees θ at the start and after every accepted step.
 * `batched`: the same run as a lane of a batched kernel (numeric/batched.ts), which runs the lanes of one key together, each bit-identical to its single run; undefined where this run has no batched kernel.
 */
export type DynamicsProduct = ((problem: DynamicsProblem, theta0: Float64Array, observe?: Observer, record?: { acceptedSteps?: number[] }) => SimResult) & {
  batched?: (problem: DynamicsProblem, theta0: Float64Array, observe?: Observer) => KernelLane | undefined;
  /** The same dynamics in double-double (dd-dynamics.ts); `steps`: the accepted step sizes of a float64 run, to take the same discretization. Absent where no double-double version exists. */
  dd?: (
    problem: DynamicsProblem,
    theta0: Float64Array | DDVec,
    observe?: Observer,
    steps?: ArrayLike<number>,
    record?: { acceptedSteps?: number[] },
  ) => SimResult;
};

/** The first step from which a path watch could not tell what it decides, and why (rounding, or a watch stopped short). */
export interface ImpreciseStep {
  step: number;
  loss: number;
  why: string;
}

/** How much of the path a watching metric saw: steps in all, steps before its watch stopped (`until`), where it stopped, the loss it reached. */
export interface WatchReport {
  steps: number;
  watched?: number;
  stoppedAt?: { step: number; loss: number };
  lossReached?: number;
  /** watched_to_loss, when the claim sets it */
  required?: number;
  imprecise?: ImpreciseStep;
  /**
   * det of the layer changed sign inside its resolution band, and the value was taken after: a sign the
   * computation may not have resolved. Harmless where the path does not depend on it (a decaying mode
   * that crosses zero), decisive where it does (Razin & Cohen's depth-2 flow): a failing trial with it
   * counts only if a change of arithmetic and of step both reproduce the failure (search.ts recheckAt).
   */
  signFlip?: ImpreciseStep;
}

/** Per accepted step of a path, what a watching metric decided (bit 0: counted, bit 1: its watch stopped there) and the value it read (NaN when not counted): the record two precisions are compared by. */
export type PathLog = number[];

/**
 * A metric reads the finished simulation; one that needs the whole path also watches every accepted step.
 * A watching metric may say how much of the path it saw (watchReport) and bound the rounding error of its value (roundingError).
 */
export type MetricProduct = ((s: SimState) => number) & {
  watch?: (problem: { objective: Objective; model: Model; data: Dataset; log?: PathLog }) => Observer;
  watchReport?: () => WatchReport;
  roundingError?: () => number;
  /** why the value is NaN, where the metric knows (e.g. no SVM direction on non-separable data): the trial's divergence message says it */
  nanReason?: () => string | undefined;
};

export interface ProductOf {
  data: Dataset;
  model: Model;
  loss: LossProduct;
  dynamics: DynamicsProduct;
  metric: MetricProduct;
}

/** A parameter's values over the search space, known before any trial runs (lo = hi for a constant). */
export interface StaticRange {
  lo: number;
  hi: number;
}

/** What validation learns from a block's parameters alone (`check`): problems a trial would hit only at run time, and the block's size at its worst over the space. */
export interface StaticCheck {
  problems?: Array<{ field: (string | number)[]; message: string }>;
  /** float64 numbers it allocates (a data set's n × d, a model's parameters), and the field that sets them */
  entries?: { value: number; field: string };
  /** a model: numbers it computes per data row (activations), at its largest */
  perRow?: number;
  /** steps of one run (dynamics) */
  steps?: { value: number; field: string };
  /** data: the rows; data and model: the columns of a data row (a model: the columns it reads) */
  rows?: StaticRange;
  columns?: StaticRange;
}

/** The range of a number-or-expression over the search space; undefined when it depends on what only a trial computes. */
export type RangeOf = (v: NumExpr | undefined) => StaticRange | undefined;

/** The blocks the search declares in its other stages, by name (for checks that depend on them, e.g. a dynamics that needs one loss). */
export type StageBlocks = Partial<Record<'data' | 'model' | 'loss' | 'dynamics', string>>;

/** "must be at least 1, found 0" problems for size parameters whose range is known. */
export function staticProblems(range: RangeOf) {
  const problems: NonNullable<StaticCheck['problems']> = [];
  const shown = (r: StaticRange) => (r.lo === r.hi ? `${r.lo}` : `values from ${r.lo} to ${r.hi}`);
  return {
    problems,
    atLeast(field: string | (string | number)[], v: NumExpr | undefined, min: number): StaticRange | undefined {
      const r = range(v);
      const at = Array.isArray(field) ? field : [field];
      if (r && r.lo < min) problems.push({ field: at, message: `${at.join('.')} must be at least ${min}, found ${shown(r)}` });
      return r;
    },
    within(field: string, v: NumExpr | undefined, lo: number, hi: number): void {
      const r = range(v);
      if (r && (r.lo < lo || r.hi > hi)) problems.push({ field: [field], message: `${field} must lie in [${lo}, ${hi}], found ${shown(r)}` });
    },
  };
}

export interface BlockDef<K extends BlockKind = BlockKind, S extends z.ZodObject = z.ZodObject> {
  kind: K;
  name: string;
  summary: string;
  params: S;
  /** Fields that hold expressions (strings anywhere inside them, lists included): 'trial' = over the trial's scope; a list = over those local symbols only; { trialAnd } = both. */
  expressions: Record<string, 'trial' | readonly string[] | { trialAnd: readonly string[] }>;
  create(params: z.infer<S>, ctx: BlockContext): ProductOf[K];
  /** Metrics only: the product has `watch`, and sees every accepted step of the dynamics. */
  watchesPath?: boolean;
  /** Dynamics only: the model blocks whose runs its product's `batched` hands to a batched kernel. */
  batchedModels?: readonly string[];
  /** Static checks at validation: parameter ranges a trial would reject, and the block's worst-case size (see StaticCheck). */
  check?(params: z.infer<S>, range: RangeOf, stages: StageBlocks): StaticCheck;
  /** Parameters for the stricter re-run that decides whether a witness is genuine (smaller step, tighter tolerance). */
  refine?(params: z.infer<S>): z.infer<S>;
}

export function defineBlock<K extends BlockKind, S extends z.ZodObject>(def: BlockDef<K, S>): BlockDef<K, S> {
  return def;
}
