// Spectral metrics of one layer (or of every layer): norms, ranks and ratios of its singular values.
import { z } from 'zod';
import {
  determinant,
  effectiveRankOf,
  frobeniusOf,
  nuclearOf,
  schattenOf,
  singularValueRatioOf,
  singularValuesFromGram,
  spectralFrobeniusRatioOf,
  spectralOf,
  stableRank,
  stableRankOf,
  singularValues,
} from '../../numeric/linalg.js';
import { layerOf } from '../../numeric/models.js';
import { FLOAT64_UNIT } from '../path.js';
import { numExpr, type SimState } from '../types.js';
import { at, defineMetric, layerSingularValues, resolvedMetric, thetaAt } from './common.js';

/** A metric f(σ) of the singular values of the layer its `layer` parameter names. */
const singularValueMetric = (name: string, summary: string, f: (sv: number[]) => number) =>
  defineMetric({
    name,
    summary,
    params: z.strictObject({ layer: z.string(), at }),
    expressions: {},
    needs: { layers: ['$layer'] },
    create: (p) => (s: SimState) => f(layerSingularValues(s, p.layer, p.at)),
  });

export const stableRankMetric = defineMetric({
  name: 'stable-rank',
  summary: 'stable rank ‖W‖_F² / ‖W‖₂² of a layer',
  params: z.strictObject({ layer: z.string(), at }),
  expressions: {},
  needs: { layers: ['$layer'] },
  create: (p) => (s: SimState) => {
    const theta = thetaAt(s, p.at);
    const G = s.model.layerGram?.(theta, p.layer);
    return G ? stableRankOf(singularValuesFromGram(G)) : stableRank(layerOf(s.model, theta, p.layer));
  },
});

export const spectralNorm = singularValueMetric('spectral-norm', 'largest singular value of a layer', spectralOf);
export const frobeniusNorm = singularValueMetric('frobenius-norm', 'Frobenius norm of a layer', frobeniusOf);
export const nuclearNorm = singularValueMetric('nuclear-norm', 'sum of singular values of a layer', nuclearOf);
export const effectiveRank = singularValueMetric(
  'effective-rank',
  'effective rank exp(H(σ/Σσ)) of a layer (Razin & Cohen’s rank surrogate; 1 for rank 1)',
  effectiveRankOf,
);

export const schattenNorm = defineMetric({
  name: 'schatten-norm',
  summary: 'Schatten-p (quasi-)norm (Σ σ_i^p)^{1/p} of a layer; p < 1 gives a quasi-norm',
  params: z.strictObject({ layer: z.string(), p: numExpr, at }),
  expressions: { p: 'trial' },
  needs: { layers: ['$layer'] },
  create: (p, ctx) => {
    const q = ctx.num(p.p);
    return (s) => schattenOf(layerSingularValues(s, p.layer, p.at), q);
  },
});

export const determinantMetric = defineMetric({
  name: 'determinant',
  summary:
    'determinant of a square layer (e.g. the product W of a deep-linear model); its rounding error (how far it moves when θ moves by 100 ulp) counts against a verdict it decides',
  params: z.strictObject({ layer: z.string(), at }),
  expressions: {},
  needs: { layers: ['$layer'] },
  create: (p) =>
    resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => determinant(layerOf(s.model, theta, p.layer)),
      // the cancellation of the determinant's own evaluation: 100u·‖W‖_F^n, as path-extreme's band
      (s, theta) => {
        const W = layerOf(s.model, theta, p.layer);
        return 100 * FLOAT64_UNIT * frobeniusOf(singularValues(W)) ** W.rows;
      },
    ),
});

export const singularValueRatio = defineMetric({
  name: 'singular-value-ratio',
  summary: 'σ_k / σ_1 of a layer (k ≥ 2); its rounding error (how far it moves when θ moves by 100 ulp) counts against a verdict it decides',
  params: z.strictObject({ layer: z.string(), k: numExpr, at }),
  expressions: { k: 'trial' },
  needs: { layers: ['$layer'] },
  create: (p, ctx) => {
    const k = ctx.int(p.k);
    // a singular value is resolved only to about 100u·σ_1
    return resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => singularValueRatioOf(layerSingularValues(s, p.layer, theta), k),
      () => 100 * FLOAT64_UNIT,
    );
  },
});

export const meanSpectralRatio = defineMetric({
  name: 'mean-spectral-ratio',
  summary: '(1/k) Σ_i ‖W_i‖_σ/‖W_i‖_F over the model’s layers W1 … Wk (the layer average of Timor, Vardi & Shamir’s Thms 4–5; 1 when every layer has rank 1)',
  params: z.strictObject({ at }),
  expressions: {},
  needs: {},
  create: (p) => (s) => {
    const names = Object.keys(s.model.layers(thetaAt(s, p.at)));
    const ratios = names.map((n) => spectralFrobeniusRatioOf(layerSingularValues(s, n, p.at)));
    return ratios.reduce((t, r) => t + r, 0) / ratios.length;
  },
});

export const maxStableRank = defineMetric({
  name: 'max-stable-rank',
  summary:
    'max over the dynamics’ snapshots after the first step (steps 1, ⌈T/10⌉, T and a geometric grid between) of a layer’s stable rank; needs snapshots: true',
  params: z.strictObject({ layer: z.string() }),
  expressions: {},
  needs: { layers: ['$layer'] },
  create: (p) => (s) => {
    const snaps = s.sim?.snapshots;
    if (!snaps?.length) throw new Error('max-stable-rank needs dynamics with snapshots: true');
    return Math.max(...snaps.map((x) => stableRankOf(layerSingularValues(s, p.layer, x.theta))));
  },
});
