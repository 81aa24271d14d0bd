// What every metric family shares: when a metric reads θ, how it asks the model for a layer (through
// layerOf in numeric/models.ts, one error for a layer the model lacks), and what it declares it needs.
import { z } from 'zod';
import type { Dataset } from '../../numeric/data.js';
import { singularValues, singularValuesFromGram, type Mat } from '../../numeric/linalg.js';
import { layerOf, metaOf, type LayerName, type ModelMeta } from '../../numeric/models.js';
import { FLOAT64_UNIT } from '../path.js';
import { defineBlock, type BlockDef, type MetricProduct, type SimState } from '../types.js';

export const at = z.enum(['final', 'initial', 'step1', 'decade']).default('final');
export type At = z.infer<typeof at>;

/**
 * θ at the end, at the start, after the first step, or at step ⌈T/10⌉ of the T steps taken (the last two
 * need `snapshots: true` on the dynamics). `orEarlier`: where a run stopped early (an exactly zero
 * gradient) and kept no snapshot at that step, the last snapshot before it (or θ(0)).
 */
export function thetaAt(s: SimState, when: At, o: { orEarlier?: boolean } = {}): Float64Array {
  if (when === 'final') return s.theta;
  if (when === 'initial') return s.theta0;
  const step = when === 'step1' ? 1 : Math.ceil((s.sim?.steps ?? 0) / 10);
  const snaps = s.sim?.snapshots;
  const snap = snaps?.find((x) => x.step === step);
  if (snap) return snap.theta;
  if (!snaps || !o.orEarlier) throw new Error(`metric at "${when}" needs dynamics with snapshots: true`);
  let best: { step: number; theta: Float64Array } | undefined;
  for (const x of snaps) if (x.step <= step && (!best || x.step > best.step)) best = x;
  return best ? best.theta : s.theta0;
}

/** Singular values of a layer, descending; through the model's layer Gram matrix when it holds the layer implicitly. */
export function layerSingularValues(s: SimState, layer: string, when: At | Float64Array): number[] {
  const theta = when instanceof Float64Array ? when : thetaAt(s, when);
  const G = s.model.layerGram?.(theta, layer);
  if (G) return singularValuesFromGram(G);
  return singularValues(layerOf(s.model, theta, layer));
}

export function needData(s: SimState): Dataset {
  if (!s.data) throw new Error('this metric needs data');
  return s.data;
}

/** The two-layer net's first layer W, output weights a = v and leaky-ReLU slope γ at the final θ (not in Gram coordinates). */
export function twoLayerParts(s: SimState): { W: Mat; a: Float64Array; gamma: number } {
  if (s.model.layerGram) throw new Error('this metric needs the full first layer; it is not available in Gram coordinates');
  const L = s.model.layers(s.theta);
  const W = layerOf(s.model, s.theta, 'W', L),
    v = layerOf(s.model, s.theta, 'v', L);
  return { W, a: v.data, gamma: metaOf(s.model, 'gamma') };
}

/** What a metric needs from the trial, checked by test/blocks/contract.test.ts: layers (`$layer` = the one its `layer` parameter names), meta facts, per-neuron quantities, a ground truth. */
export interface MetricNeeds {
  layers?: ReadonlyArray<LayerName | '$layer'>;
  meta?: ReadonlyArray<keyof ModelMeta>;
  /** Model.neurons (two-layer nets, depth-2 relu-net) */
  neurons?: boolean;
  /** a completion data set's ground truth (Dataset.truth) */
  truth?: boolean;
}

export type MetricDef<S extends z.ZodObject = z.ZodObject> = BlockDef<'metric', S> & {
  /** what the metric needs, for its parameters */
  needs: MetricNeeds | ((params: z.infer<S>) => MetricNeeds);
};

/** A metric definition: a block of kind "metric" with its needs declared. */
export function defineMetric<S extends z.ZodObject>(def: Omit<MetricDef<S>, 'kind'>): MetricDef<S> {
  return { ...defineBlock<'metric', S>({ kind: 'metric', ...def }), needs: def.needs };
}

/**
 * A fixed pattern in [−1, 1] over the entries of θ (golden-ratio sequence): scattered, so that moving θ
 * by it is no structured change (alternating signs scale the columns of a 2×2 layer, which a
 * determinant only multiplies by 1 − ε²).
 */
export const scatter = (i: number): number => 2 * (((i + 1) * 0.6180339887498949) % 1) - 1;

/**
 * A metric read from one θ, with its rounding error: how far it moves when every entry of θ moves by
 * up to 100 ulp (a scattered pattern, both signs). A verdict that this error can flip was decided below what
 * float64 resolves (the trial is then imprecise: search/trial.ts roundingFlip).
 */
export function resolvedMetric(
  thetaOf: (s: SimState) => Float64Array,
  valueAt: (s: SimState, theta: Float64Array) => number,
  /** the rounding of the metric's own evaluation, beyond its sensitivity to θ (e.g. a determinant's cancellation) */
  evaluationError: (s: SimState, theta: Float64Array, value: number) => number = () => 0,
): MetricProduct {
  let resolution = 0;
  const f = ((s: SimState) => {
    const theta = thetaOf(s);
    const value = valueAt(s, theta);
    resolution = evaluationError(s, theta, value);
    for (const sign of [1, -1]) {
      const moved = Float64Array.from(theta, (x, i) => x * (1 + sign * 100 * FLOAT64_UNIT * scatter(i)));
      const v = valueAt(s, moved);
      if (Number.isFinite(v)) resolution = Math.max(resolution, Math.abs(v - value));
    }
    return value;
  }) as MetricProduct;
  f.roundingError = () => resolution;
  return f;
}
