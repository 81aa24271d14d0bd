// Metrics that read a layer's entries: one entry, how many are large, and the distance of the whole
// matrix or tensor to a completion problem's ground truth.
import { z } from 'zod';
import { memorizer } from '../../numeric/data.js';
import { countAbove as countAboveOf, relativeError } from '../../numeric/linalg.js';
import { layerOf } from '../../numeric/models.js';
import { FLOAT64_UNIT } from '../path.js';
import { numExpr } from '../types.js';
import { at, defineMetric, needData, resolvedMetric, thetaAt } from './common.js';

export const reconstructionError = defineMetric({
  name: 'reconstruction-error',
  summary:
    'completion problems: ‖T − T*‖_F / ‖T*‖_F between the model’s full matrix or tensor (layer, as a row-major block) and the data’s ground truth; of "memorizer": the same for the baseline that keeps the observed entries and puts 0 elsewhere',
  params: z.strictObject({ layer: z.string().default('T'), of: z.enum(['model', 'memorizer']).default('model') }),
  expressions: {},
  needs: (p) => ({ layers: p.of === 'model' ? ['$layer'] : [], truth: true }),
  create: (p) => (s) => {
    const d = needData(s);
    if (!d.truth) throw new Error('reconstruction-error needs completion data (a data block with a ground truth)');
    const truth = d.truth;
    const est: ArrayLike<number> = p.of === 'model' ? layerOf(s.model, s.theta, p.layer).data : memorizer(d.X, d.y, truth.length);
    if (est.length !== truth.length) throw new Error(`reconstruction-error: layer ${p.layer} has ${est.length} entries, the ground truth ${truth.length}`);
    return relativeError(est, truth);
  },
});

export const countAbove = defineMetric({
  name: 'count-above',
  summary:
    'how many entries of a layer exceed `fraction` × its largest entry in absolute value (e.g. the CP components that matter: layer "components" of cp-factorization, a proxy for CP rank)',
  params: z.strictObject({ layer: z.string(), fraction: numExpr.default(1e-3), at }),
  expressions: { fraction: 'trial' },
  needs: { layers: ['$layer'] },
  create: (p, ctx) => {
    const f = ctx.num(p.fraction);
    return (s) => countAboveOf(layerOf(s.model, thetaAt(s, p.at), p.layer).data, f);
  },
});

export const layerEntry = defineMetric({
  name: 'layer-entry',
  summary: 'one entry (row, col; 0-based) of a layer, at the final or initial parameters (e.g. the third coordinate of a single neuron’s limit)',
  params: z.strictObject({ layer: z.string(), row: z.number().int().min(0).default(0), col: z.number().int().min(0), at }),
  expressions: {},
  needs: { layers: ['$layer'] },
  create: (p) =>
    resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        const L = layerOf(s.model, theta, p.layer);
        if (p.row >= L.rows || p.col >= L.cols) throw new Error(`layer ${p.layer} is ${L.rows}×${L.cols}; no entry (${p.row}, ${p.col})`);
        return L.data[p.row * L.cols + p.col];
      },
      (_s, _t, value) => 100 * FLOAT64_UNIT * Math.abs(value),
    ),
});
