// What every metric family shares: when a metric reads θ, how it asks the model for a layer (through
// layerOf in numeric/models.ts, one error for a layer the model lacks), and what it declares it needs.
import { z } from 'zod';
import type { Dataset } from '../../numeric/data.js';
import { singularValues, singularValuesFromGram, type Mat } from '../../numeric/linalg.js';
import { layerOf, metaOf, type LayerName, type ModelMeta } from '../../numeric/models.js';
import { defineBlock, type BlockDef, type SimState } from '../types.js';

export const at = z.enum(['final', 'initial', 'step1', 'decade']).default('final');
export type At = z.infer<typeof at>;

/** θ at the end, at the start, after the first step, or at step ⌈T/10⌉ (the last two need `snapshots: true` on the dynamics). */
export function thetaAt(s: SimState, when: At): Float64Array {
  if (when === 'final') return s.theta;
  if (when === 'initial') return s.theta0;
  const step = when === 'step1' ? 1 : Math.ceil((s.sim?.steps ?? 0) / 10);
  const snap = s.sim?.snapshots?.find((x) => x.step === step);
  if (!snap) throw new Error(`metric at "${when}" needs dynamics with snapshots: true`);
  return snap.theta;
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
