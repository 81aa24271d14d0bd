// Step-to-step increments along a path of quantities of all the parameters (not one layer): the
// per-step form of a monotonicity claim, e.g. Lyu & Li 2020 Thm 4.1 (the smoothed margin
// log(1/L)/‖θ‖^L never decreases), checked at every accepted step.
import { z } from 'zod';
import { compileExpr } from '../../core/expr.js';
import { euclideanNorm } from '../../numeric/linalg.js';
import { FLOAT64_UNIT, PATH_LOG_STEPS } from '../path.js';
import type { MetricProduct, SimState } from '../types.js';
import { defineMetric } from './common.js';

/** The symbols of the whole parameter vector at one step of a path. */
export const PARAMETER_SYMBOLS = ['loss', 'step', 'norm', 'norm_all', 'qmin'] as const;
const PARAMETER_SYMBOLS_DOC =
  'loss (the objective), step (accepted steps so far; 0 at the start), norm (‖θ‖₂ over the trained parameters: every layer that trains), norm_all (‖θ‖₂ over all parameters, frozen ones included), qmin (min_i y_i f(x_i; θ), the unnormalized margin; computed only when read)';

export const pathIncrement = defineMetric({
  name: 'path-increment',
  summary: `min or max, over every pair of consecutive accepted steps t, t + 1 of the dynamics (the start included), of the increment f(θ(t + 1)) − f(θ(t)) of an expression \`of\` in the trial's variables and the symbols of the whole parameter vector: ${PARAMETER_SYMBOLS_DOC}. \`extreme: min\` (the default) with a property "≥ −tolerance" says f never fell by more than it at any step (f non-decreasing along the path); max, that it never rose. A pair counts only where \`when\` holds at both of its steps (e.g. once the loss is below a threshold). output "value" (the extreme increment), "count" (pairs counted) or "step" (the step t + 1 that gave the extreme). No pair counted: \`default\` if given, else an error. A NaN f at a counted step is an error; an infinite f there (float64 overflow) makes "value" and "step" NaN with that step named (the trial is diverged), never a skipped pair. Evaluated in float64 from θ at each step (a double-double run's θ rounded); its rounding error, 100 ulp of |f(t)| + |f(t + 1)| at the extreme pair, counts against a verdict it decides.`,
  params: z.strictObject({
    of: z.string().min(1),
    extreme: z.enum(['min', 'max']).default('min'),
    when: z.string().min(1).optional(),
    output: z.enum(['value', 'count', 'step']).default('value'),
    default: z.number().optional(),
  }),
  expressions: { of: { trialAnd: PARAMETER_SYMBOLS }, when: { trialAnd: PARAMETER_SYMBOLS } },
  watchesPath: true,
  needs: {},
  create: (p, ctx) => {
    const of = compileExpr(p.of),
      when = p.when ? compileExpr(p.when) : undefined;
    const reads = new Set([...of.symbols, ...(when?.symbols ?? [])]);
    let best = p.extreme === 'min' ? Infinity : -Infinity,
      bestStep = -1,
      bestError = 0,
      count = 0,
      watched = false,
      notANumber: number | undefined,
      // the first counted step where f is ±∞ (float64 overflow): from there on f(t + 1) − f(t) is not defined
      infinite: { step: number; value: number } | undefined;
    const f = ((_s: SimState) => {
      if (!watched) throw new Error('path-increment needs dynamics (it watches every step)');
      if (notANumber !== undefined && !(infinite && infinite.step < notANumber))
        throw new Error(`path-increment: "${p.of}" is not a number at step ${notANumber}`);
      if (p.output === 'count') return count;
      if (infinite) return NaN;
      if (count === 0) {
        if (p.default === undefined)
          throw new Error(
            p.when ? `path-increment: no two consecutive steps of the path satisfied "${p.when}"` : 'path-increment: the path had fewer than two steps',
          );
        return p.default;
      }
      return p.output === 'step' ? bestStep : best;
    }) as MetricProduct;
    f.roundingError = () => (p.output === 'value' ? bestError : 0);
    f.nanReason = () =>
      infinite && p.output !== 'count'
        ? `"${p.of}" is ${infinite.value} at step ${infinite.step} (float64 overflow): its increments from there on are not defined`
        : undefined;
    f.watch = ({ model, objective, data, log }) => {
      const scope: Record<string, number> = { ...ctx.scope };
      const pred = reads.has('qmin') ? new Float64Array(data.X.rows) : undefined;
      let step = -1,
        prev = NaN,
        prevCounted = false;
      return (theta) => {
        watched = true;
        step++;
        // only the symbols the expressions read (the loss is a forward pass)
        if (reads.has('loss')) scope.loss = objective.value(theta);
        scope.step = step;
        if (reads.has('norm')) scope.norm = euclideanNorm(theta, { mask: model.trainable });
        if (reads.has('norm_all')) scope.norm_all = euclideanNorm(theta);
        if (pred) {
          model.forward(theta, data.X, pred);
          let q = Infinity;
          for (let i = 0; i < pred.length; i++) q = Math.min(q, data.y[i] * pred[i]);
          scope.qmin = q;
        }
        const counted = when ? when.value(scope) !== 0 : true;
        const v = counted ? of.value(scope) : NaN;
        const pair = counted && prevCounted;
        const delta = pair ? v - prev : NaN;
        if (counted && Number.isNaN(v)) notANumber ??= step;
        else if (counted && !Number.isFinite(v)) infinite ??= { step, value: v };
        if (log && log.length < 3 * PATH_LOG_STEPS) log.push(step, pair ? 1 : 0, delta);
        if (pair) {
          count++;
          if (p.extreme === 'min' ? delta < best : delta > best) {
            best = delta;
            bestStep = step;
            bestError = 100 * FLOAT64_UNIT * (Math.abs(v) + Math.abs(prev));
          }
        }
        prev = v;
        prevCounted = counted;
      };
    };
    return f;
  },
});
