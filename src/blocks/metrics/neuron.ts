// Single-neuron analyses (Vardi & Shamir): where the flow ends against the closest zero-loss point
// and against the limit of the linear regime.
import { z } from 'zod';
import { OutsideDomainError } from '../../core/errors.js';
import { relativeDistance } from '../../numeric/linalg.js';
import { activeSet, closestZeroLossPoint, closestZeroLossRatio, linearRegimePoint } from '../../numeric/neuron.js';
import { defineMetric, needData, twoLayerParts } from './common.js';

export const closestZeroLoss = defineMetric({
  name: 'closest-zero-loss',
  summary:
    'for a single neuron x ↦ σ(⟨w, x⟩) (leaky ReLU or ReLU, output weight fixed at 1): w* = the zero-loss point closest to w(0) (exact: equalities where σ is invertible, ⟨w, x_i⟩ ≤ 0 for zero labels under ReLU); output "distance" = ‖w(∞) − w*‖/‖w*‖ (Vardi & Shamir Thm 1) or "ratio" = ‖w(∞) − w(0)‖/‖w* − w(0)‖ (Thm 8)',
  params: z.strictObject({ output: z.enum(['distance', 'ratio']).default('distance') }),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: (p) => (s) => {
    const d = needData(s);
    const { W, a, gamma } = twoLayerParts(s);
    if (W.rows !== 1 || a[0] !== 1) throw new Error('closest-zero-loss needs one neuron with output weight 1');
    const w0 = s.theta0.subarray(0, W.cols);
    const star = closestZeroLossPoint(d.X, d.y, gamma, Float64Array.from(w0));
    if (!star) return NaN;
    return p.output === 'distance' ? relativeDistance(W.data, star, W.cols) : closestZeroLossRatio(W.data, w0, star, W.cols);
  },
});

export const linearRegimeDistance = defineMetric({
  name: 'linear-regime-distance',
  summary:
    'for one neuron x ↦ v·σ(⟨w, x⟩) with a fixed output weight v: ‖w(∞) − w_I‖ / ‖w_I‖, where w_I = w(0) + X_Iᵀ(X_I X_Iᵀ)⁻¹(y_I/(v s_I) − X_I w(0)) is the limit the flow would have if the examples active at w(0) (slopes s_I; leaky ReLU: all) stayed active (Vardi & Shamir note C5). Dependent rows of X_I: out of regime.',
  params: z.strictObject({}),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: () => (s) => {
    const d = needData(s);
    const { W, a, gamma } = twoLayerParts(s);
    if (W.rows !== 1 || s.model.meta?.trainOutput || s.model.layers(s.theta).b)
      throw new Error('linear-regime-distance needs one neuron with a fixed output weight and no bias');
    const w0 = Float64Array.from(s.theta0.subarray(0, W.cols));
    const wI = linearRegimePoint(d.X, d.y, activeSet(d.X, w0, gamma), a[0], w0);
    if (!wI) throw new OutsideDomainError('the rows active at w(0) are linearly dependent: the linear-regime point is not unique');
    return relativeDistance(W.data, wI, W.cols);
  },
});
