// Metrics that watch every accepted step of the dynamics (watchesPath): extremes of path symbols,
// and changes of the activation pattern.
import { z } from 'zod';
import { compileExpr } from '../../core/expr.js';
import type { PrecisePoint } from '../../numeric/dd-model.js';
import { determinant } from '../../numeric/linalg.js';
import { layerOf, type Model } from '../../numeric/models.js';
import { activationPattern } from '../../numeric/neuron.js';
import type { Objective } from '../../numeric/objective.js';
import { PATH_LOG_STEPS, PATH_SYMBOLS, PATH_SYMBOLS_DOC, roundingPerturbations, symbolsAt } from '../path.js';
import type { ImpreciseStep, MetricProduct, SimState } from '../types.js';
import { defineMetric, scatter } from './common.js';

export const pathExtreme = defineMetric({
  name: 'path-extreme',
  summary: `min or max, over every accepted step of the dynamics (the start included; not between steps: an adaptive integrator's continuous minimum can lie a little lower — for the slack of razin2020.c3-norms-diverge as it was, 0.002–0.018, far inside its margins), of an expression \`of\` in the trial's variables and the path symbols of one layer: ${PATH_SYMBOLS_DOC}. Only steps where \`when\` holds count, and the watch stops for good at the first step where \`until\` holds (e.g. once det W is below float64 precision). output "count" gives the number of steps that counted. No step counted: \`default\` if given, else an error. Every trial reports how much of the path the watch saw; \`watched_to_loss\` makes a trial whose watch stopped (\`until\`), or whose path ended, above that loss imprecise. A \`until\` decided by a difference below the rounding error of a symbol it reads (det, the singular values, the loss) makes the trial imprecise, as does such a \`when\` at a step that would have given the extreme; det changing sign inside its resolution band is reported, and a failure taken after it must survive the witness re-checks.`,
  params: z.strictObject({
    layer: z.string(),
    of: z.string().min(1),
    extreme: z.enum(['min', 'max']).default('min'),
    when: z.string().min(1).optional(),
    until: z.string().min(1).optional(),
    output: z.enum(['value', 'count']).default('value'),
    default: z.number().optional(),
    watched_to_loss: z.number().positive().optional(),
  }),
  expressions: { of: { trialAnd: PATH_SYMBOLS }, when: { trialAnd: PATH_SYMBOLS }, until: { trialAnd: PATH_SYMBOLS } },
  watchesPath: true,
  needs: { layers: ['$layer'] },
  create: (p, ctx) => {
    const trial = { ...ctx.scope };
    const of = compileExpr(p.of),
      when = p.when ? compileExpr(p.when) : undefined,
      until = p.until ? compileExpr(p.until) : undefined;
    // the symbols each decision reads (checked against the unresolved ones at every step)
    const reads = new Map([when, until].filter((e) => e !== undefined).map((e) => [e, [...e.symbols]]));
    // every name an expression here reads: a step's symbols are copied into the scopes for these alone
    const read = [...new Set([of, when, until].flatMap((e) => (e ? [...e.symbols] : [])))];
    let best = p.extreme === 'min' ? Infinity : -Infinity,
      bestError = 0,
      count = 0,
      stopped: { step: number; loss: number } | undefined,
      imprecise: ImpreciseStep | undefined,
      watched = false,
      step = -1,
      lastLoss = NaN,
      whenUnsure: (ImpreciseStep & { value: number }) | undefined,
      countedAfterFlip = false,
      bestAfterFlip = false;
    const detSign = signThroughRounding();
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
    f.roundingError = () => (p.output === 'count' ? 0 : bestError);
    f.watchReport = () => {
      const reached = stopped ? stopped.loss : lastLoss;
      const shortOf = p.watched_to_loss !== undefined && !(reached <= p.watched_to_loss);
      const flipped = detSign.flip && (p.output === 'count' ? countedAfterFlip : bestAfterFlip);
      return {
        ...(flipped
          ? {
              signFlip: {
                ...detSign.flip!,
                why: `det ${p.layer} changed sign inside its resolution band (below 100 ulp of ‖${p.layer}‖^n or the step's own error, from step ${detSign.flip!.step}, loss ${detSign.flip!.loss.toPrecision(3)}), and the ${p.output === 'count' ? 'count' : p.extreme} was taken after it`,
              },
            }
          : {}),
        steps: step + 1,
        ...(p.until ? { watched: stopped ? stopped.step : step + 1 } : {}),
        ...(stopped ? { stoppedAt: stopped } : {}),
        ...(p.until ? { lossReached: stopped ? stopped.loss : lastLoss } : {}),
        ...(p.watched_to_loss !== undefined ? { required: p.watched_to_loss } : {}),
        ...(imprecise
          ? { imprecise }
          : whenUnsure && (p.output === 'count' || (p.extreme === 'min' ? whenUnsure.value <= best : whenUnsure.value >= best))
            ? { imprecise: { step: whenUnsure.step, loss: whenUnsure.loss, why: whenUnsure.why } }
            : shortOf
              ? {
                  imprecise: {
                    step: stopped ? stopped.step : step,
                    loss: reached,
                    why: stopped
                      ? `the watch stopped ("${p.until}") at loss ${stopped.loss.toPrecision(3)}, above the loss ${p.watched_to_loss} the claim requires (watched_to_loss)`
                      : `the path ended at loss ${reached.toPrecision(3)}, above the loss ${p.watched_to_loss} the watch must reach (watched_to_loss)`,
                  },
                }
              : {}),
      };
    };
    f.watch = ({ model, objective, log }) => {
      // the trial's values and the step's symbols (same keys at every step), and the two rounding variants: filled in place, step by step
      const scope: Record<string, number> = { ...trial },
        upScope: Record<string, number> = { ...trial },
        downScope: Record<string, number> = { ...trial };
      return (theta, point, stepError) => {
        watched = true;
        step++;
        if (stopped) return;
        const at = stepSymbols(model, objective, theta, p.layer, step, point);
        const { symbols, unit, rounding } = at;
        lastLoss = symbols.loss;
        detSign.see(symbols, unit, step, () => (stepError ? stepBand(at, model, theta, p.layer, stepError) : 0));
        for (const name of read) if (Object.hasOwn(symbols, name)) scope[name] = symbols[name];
        let perturbed: Array<Record<string, number>> | undefined;
        const variants = () => {
          if (perturbed) return perturbed;
          rounding.fillVariants(read, upScope, downScope);
          return (perturbed = [upScope, downScope]);
        };
        const decide = (e: typeof when) => (e ? e.value(scope) !== 0 : undefined);
        const uncertain = (e: typeof when, nominal: boolean | undefined) =>
          e !== undefined && reads.get(e)!.some((x) => rounding.unresolved.has(x)) && variants().some((v) => (e.value(v) !== 0) !== nominal);
        const stop = decide(until);
        const counted = !stop && (decide(when) ?? true);
        const why = (e: string) =>
          `"${e}" is decided at step ${step} by a difference below the rounding error of ${[...rounding.unresolved].join(', ')} (unit roundoff ${unit.toPrecision(2)})`;
        // an undecided stop leaves the rest of the path unknown; an undecided `when` matters only if the step's value would be the extreme
        if (!imprecise && uncertain(until, stop)) imprecise = { step, loss: symbols.loss, why: why(p.until!) };
        if (!stop && uncertain(when, decide(when))) {
          const w = of.value(scope);
          if (p.output === 'count' || (p.extreme === 'min' ? w < best : w > best)) whenUnsure = { step, loss: symbols.loss, why: why(p.when!), value: w };
        }
        const v = counted ? of.value(scope) : NaN;
        if (log && log.length < 3 * PATH_LOG_STEPS) log.push(step, (counted ? 1 : 0) | (stop ? 2 : 0), v);
        if (stop) return void (stopped = { step, loss: symbols.loss });
        if (!counted) return;
        count++;
        if (detSign.flip) countedAfterFlip = true;
        if (p.extreme === 'min' ? v < best : v > best) {
          best = v;
          bestAfterFlip = !!detSign.flip;
          bestError = Math.max(...variants().map((s) => Math.abs(of.value(s) - v)));
        }
      };
    };
    return f;
  },
});

/**
 * Watches det of a square layer along a path for a sign change made inside its resolution band: the
 * rounding band 100u·‖W‖_F^n, widened by how much det moves when θ moves by the integrator's local
 * error estimate of the step. Entering the band with one sign and leaving it with the other is a sign
 * the computation did not resolve: a genuine crossing jumps over the band between steps, while a
 * determinant that decays into it and comes out with the other sign was flipped by rounding or by
 * the step (the depth-2 pitfall of Razin & Cohen's flow).
 */
function signThroughRounding() {
  let lastSign = 0,
    entered: { step: number; loss: number; sign: number; band: number } | undefined;
  const state = {
    flip: undefined as { step: number; loss: number } | undefined,
    see(sym: Record<string, number>, unit: number, step: number, stepBand: () => number) {
      const det = sym.det;
      if (!Number.isFinite(det) || state.flip) return;
      let n = 0;
      while (n < 9 && sym[`s${n + 1}`] !== undefined) n++;
      const scale = sym.fro ** n;
      // the step's band is computed only where det is already small; once inside, det leaves only past the widest band seen since it entered
      const small = Math.abs(det) < 1e-6 * scale;
      const band = Math.max(100 * unit * scale, small ? stepBand() : 0, entered?.band ?? 0);
      if (Math.abs(det) < band) {
        if (entered) entered.band = band;
        else entered = { step, loss: sym.loss, sign: lastSign, band };
        return;
      }
      const sign = Math.sign(det);
      if (entered && entered.sign !== 0 && sign !== entered.sign) state.flip = { step: entered.step, loss: entered.loss };
      entered = undefined;
      lastSign = sign;
    },
  };
  return state;
}

/**
 * One accepted step's symbols of a layer, their rounding perturbations and det's step band: every
 * path-extreme of a trial watching that layer reads the same ones, so they are computed once per step
 * (reused only for the same model, objective, layer, step, precise point and θ, bit for bit).
 */
interface StepSymbols {
  model: Model;
  step: number;
  point: PrecisePoint | undefined;
  theta: Float64Array;
  symbols: Record<string, number>;
  unit: number;
  rounding: ReturnType<typeof roundingPerturbations>;
  band?: { stepError: number; moved: number };
  /** θ moved by the scattered pattern (detMovedBy's work array) */
  moved?: Float64Array<ArrayBuffer>;
}
const lastStep = new WeakMap<Objective, Map<string, StepSymbols>>();

function stepSymbols(model: Model, objective: Objective, theta: Float64Array, layer: string, step: number, point: PrecisePoint | undefined): StepSymbols {
  let byLayer = lastStep.get(objective);
  if (!byLayer) lastStep.set(objective, (byLayer = new Map()));
  const last = byLayer.get(layer);
  if (last && last.step === step && last.point === point && last.model === model && sameBits(last.theta, theta)) return last;
  const { symbols, unit } = symbolsAt(model, theta, layer, () => objective.value(theta), step, point);
  const copy = last?.theta.length === theta.length ? last.theta : new Float64Array(theta.length);
  copy.set(theta);
  const at: StepSymbols = { model, step, point, theta: copy, symbols, unit, rounding: roundingPerturbations(symbols, unit), moved: last?.moved };
  byLayer.set(layer, at);
  return at;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** detMovedBy at this step, once per step error; det at θ is the step's own where it was formed in float64. */
function stepBand(at: StepSymbols, model: Model, theta: Float64Array, layer: string, eps: number): number {
  if (at.band && Object.is(at.band.stepError, eps)) return at.band.moved;
  if (at.moved?.length !== theta.length) at.moved = new Float64Array(theta.length);
  const moved = detMovedBy(model, theta, layer, eps, at.point ? undefined : at.symbols.det, at.moved);
  at.band = { stepError: eps, moved };
  return moved;
}

/**
 * How far det of a layer moves when every entry of θ moves by up to ε (a scattered pattern, both signs), in float64.
 * det0: det of the layer at θ where the caller has it; work: an array of θ's length for the moved θ.
 */
export function detMovedBy(model: Model, theta: Float64Array, layer: string, eps: number, det0?: number, work = new Float64Array(theta.length)): number {
  const d0 = det0 ?? determinant(layerOf(model, theta, layer));
  let moved = 0;
  for (const sign of [1, -1]) {
    for (let i = 0; i < theta.length; i++) work[i] = theta[i] + sign * eps * scatter(i);
    moved = Math.max(moved, Math.abs(determinant(layerOf(model, work, layer)) - d0));
  }
  return moved;
}

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
