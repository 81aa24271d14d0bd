// The metric registry, by family. To add a metric: write one defineMetric({...}) in its family file
// (spectral, entries, conservation, paths, increments, neuron, margins, linear, training; a new family is a new file
// here) and list it below; the list's order is the catalogue's order in docs/claim-format.md.
import type { BlockDef } from '../types.js';
import type { MetricDef } from './common.js';
import * as conservation from './conservation.js';
import * as entries from './entries.js';
import * as increments from './increments.js';
import * as kktPoints from './kkt-points.js';
import * as linear from './linear.js';
import * as margins from './margins.js';
import * as neuron from './neuron.js';
import * as paths from './paths.js';
import * as relunetKkt from './relunet-kkt.js';
import * as spectral from './spectral.js';
import * as training from './training.js';

export { thetaAt, type MetricDef, type MetricNeeds } from './common.js';

export const metricDefs: MetricDef[] = [
  spectral.stableRankMetric,
  spectral.spectralNorm,
  spectral.frobeniusNorm,
  spectral.nuclearNorm,
  spectral.effectiveRank,
  spectral.schattenNorm,
  spectral.determinantMetric,
  entries.reconstructionError,
  entries.countAbove,
  conservation.layerBalanceDrift,
  paths.pathExtreme,
  increments.pathIncrement,
  spectral.singularValueRatio,
  entries.layerEntry,
  neuron.closestZeroLoss,
  paths.activeSetChanges,
  neuron.linearRegimeDistance,
  conservation.gdBalancednessStepErrorMetric,
  training.loss,
  conservation.neuronQuantityDriftMetric,
  spectral.meanSpectralRatio,
  spectral.maxStableRank,
  margins.minMargin,
  margins.restartNormRatio,
  margins.kktResidual,
  margins.linearBoundaryDisagreement,
  margins.marginRatio,
  kktPoints.kktPointSearch,
  relunetKkt.homogeneousKktResidual,
  training.integratorError,
  training.steps,
  training.trainAccuracy,
  linear.minNormDistance,
  linear.minL1Distance,
  linear.minHypentropyDistance,
  linear.hypentropyPotentialMetric,
  linear.svmDistance,
  linear.svmAngle,
  linear.svmMargin,
  linear.angle,
  linear.norm,
] as unknown as MetricDef[];

export const metricBlocks: BlockDef[] = metricDefs as unknown as BlockDef[];
