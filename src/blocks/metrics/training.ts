// What the training run itself reports: the objective, the integrator's error, the step count, and
// the training accuracy.
import { z } from 'zod';
import { signAgreement } from '../../numeric/maxmargin.js';
import { at, defineMetric, resolvedMetric, thetaAt } from './common.js';

export const loss = defineMetric({
  name: 'loss',
  summary:
    'the training objective L(θ) at the final or initial parameters; its rounding error (how far L moves when θ moves by 100 ulp) counts against a verdict it decides (an imprecise trial when that flips it)',
  params: z.strictObject({ at }),
  expressions: {},
  needs: {},
  create: (p) =>
    resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        if (!s.objective) throw new Error('metric "loss" needs data, a loss and a model');
        return s.objective.value(theta);
      },
    ),
});

export const integratorError = defineMetric({
  name: 'integrator-error',
  summary: 'the gradient-flow integrator’s accumulated local error estimate (max-norm; 0 for gradient descent)',
  params: z.strictObject({}),
  expressions: {},
  needs: {},
  create: () => (s) => s.sim?.errorEstimate ?? 0,
});

export const steps = defineMetric({
  name: 'steps',
  summary: 'number of steps the dynamics took',
  params: z.strictObject({}),
  expressions: {},
  needs: {},
  create: () => (s) => s.sim?.steps ?? 0,
});

export const trainAccuracy = defineMetric({
  name: 'train-accuracy',
  summary: 'fraction of training points with sign f(x_i) = sign y_i',
  params: z.strictObject({}),
  expressions: {},
  needs: {},
  create: () => (s) => {
    if (!s.data) throw new Error('metric "train-accuracy" needs data');
    const pred = new Float64Array(s.data.X.rows);
    s.model.forward(s.theta, s.data.X, pred);
    return signAgreement(pred, s.data.y);
  },
});
