// Metrics that watch every accepted step of the dynamics (watchesPath): extremes of path symbols,
// and changes of the activation pattern.
import { z } from 'zod';
import { compileExpr } from '../../core/expr.js';
import { layerOf } from '../../numeric/models.js';
import { activationPattern } from '../../numeric/neuron.js';
import { PATH_SYMBOLS, PATH_SYMBOLS_DOC, pathSymbols } from '../path.js';
import type { MetricProduct, SimState } from '../types.js';
import { defineMetric } from './common.js';

export const pathExtreme = defineMetric({
  name: 'path-extreme',
  summary: `min or max, over every accepted step of the dynamics (the start included), of an expression \`of\` in the trial's variables and the path symbols of one layer: ${PATH_SYMBOLS_DOC}. Only steps where \`when\` holds count, and the watch stops for good at the first step where \`until\` holds (e.g. once det W is below float64 precision). output "count" gives the number of steps that counted. No step counted: \`default\` if given, else an error.`,
  params: z.strictObject({
    layer: z.string(),
    of: z.string().min(1),
    extreme: z.enum(['min', 'max']).default('min'),
    when: z.string().min(1).optional(),
    until: z.string().min(1).optional(),
    output: z.enum(['value', 'count']).default('value'),
    default: z.number().optional(),
  }),
  expressions: { of: { trialAnd: PATH_SYMBOLS }, when: { trialAnd: PATH_SYMBOLS }, until: { trialAnd: PATH_SYMBOLS } },
  watchesPath: true,
  needs: { layers: ['$layer'] },
  create: (p, ctx) => {
    const trial = { ...ctx.scope };
    const of = compileExpr(p.of),
      when = p.when ? compileExpr(p.when) : undefined,
      until = p.until ? compileExpr(p.until) : undefined;
    let best = p.extreme === 'min' ? Infinity : -Infinity,
      count = 0,
      stopped = false,
      watched = false,
      step = -1;
    const f = ((_s: SimState) => {
      if (!watched) throw new Error('path-extreme needs dynamics (it watches every step)');
      if (p.output === 'count') return count;
      if (count === 0) {
        if (p.default === undefined) {
          const until = stopped ? ` before the watch stopped where "${p.until}" held` : '';
          throw new Error(
            p.when
              ? `path-extreme: no step of the path satisfied "${p.when}"${until}`
              : `path-extreme: no step of the path was counted: ${stopped ? `"${p.until}" held from the first step` : 'the path had no steps'}`,
          );
        }
        return p.default;
      }
      return best;
    }) as MetricProduct;
    f.watch =
      ({ model, objective }) =>
      (theta) => {
        watched = true;
        step++;
        if (stopped) return;
        const m = layerOf(model, theta, p.layer);
        const scope = { ...trial, ...pathSymbols(m, objective.value(theta), step) };
        if (until && until.value(scope) !== 0) return void (stopped = true);
        if (when && when.value(scope) === 0) return;
        const v = of.value(scope);
        count++;
        best = p.extreme === 'min' ? Math.min(best, v) : Math.max(best, v);
      };
    return f;
  },
});

export const activeSetChanges = defineMetric({
  name: 'active-set-changes',
  summary:
    'how many accepted steps of the dynamics changed the two-layer net’s activation pattern {(i, j) : ⟨w_j, x_i⟩ + b_j > 0} (w(0) included; a pre-activation exactly 0 counts as inactive). 0 means every unit kept its active examples along the whole path.',
  params: z.strictObject({}),
  expressions: {},
  watchesPath: true,
  needs: { layers: ['W'] },
  create: () => {
    let changes = 0,
      observed = false;
    const f = ((_s: SimState) => {
      if (!observed) throw new Error('active-set-changes needs dynamics (it watches every step)');
      return changes;
    }) as MetricProduct;
    f.watch = ({ model, data }) => {
      let prev: Uint8Array | undefined;
      const n = data.X.rows;
      return (theta) => {
        const L = model.layers(theta);
        const cur = activationPattern(layerOf(model, theta, 'W', L), L.b, data.X, n);
        if (prev && cur.some((x, i) => x !== prev![i])) changes++;
        prev = cur;
        observed = true;
      };
    };
    return f;
  },
});
