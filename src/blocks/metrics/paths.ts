// Metrics that watch every accepted step of the dynamics (watchesPath): extremes of path symbols,
// and changes of the activation pattern.
import { z } from 'zod';
import { CONSTANTS, compileExpr, compileOnSlots, type CompiledExpr } from '../../core/expr.js';
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
      // the expressions read an array of slots: the trial's values and the step's symbols, filled in place step by step (a
      // slot holds its last value; never filled, the expressions are evaluated on a scope as before, for its errors)
      const names = [...read, ...Object.keys(CONSTANTS).filter((c) => Object.hasOwn(trial, c))];
      const onSlots = (e: CompiledExpr) => ({ e, at: compileOnSlots(e, names), names: [...e.symbols] });
      const ofS = onSlots(of),
        whenS = when && onSlots(when),
        untilS = until && onSlots(until);
      const nominal = new Float64Array(names.length),
        up = new Float64Array(names.length),
        down = new Float64Array(names.length);
      const fromTrial = names.map((name) => Object.hasOwn(trial, name));
      names.forEach((name, i) => (nominal[i] = up[i] = down[i] = fromTrial[i] ? trial[name] : NaN));
      const filled = { nominal: new Set<string>(), variants: new Set<string>() };
      const unfilled = () => names.filter((name, i) => !fromTrial[i] && !filled.nominal.has(name)).length;
      let nominalReady = unfilled() === 0,
        variantsReady = nominalReady;
      const scopeOf = (slots: Float64Array, had: Set<string>) => {
        const scope: Record<string, number> = { ...trial };
        names.forEach((name, i) => (fromTrial[i] || had.has(name) ? (scope[name] = slots[i]) : undefined));
        return scope;
      };
      const valueAt = (x: ReturnType<typeof onSlots>, slots: Float64Array, ready: boolean, had: Set<string>) =>
        ready ? x.at(slots) : x.e.value(scopeOf(slots, had));
      const nominalValue = (x: ReturnType<typeof onSlots>) => valueAt(x, nominal, nominalReady, filled.nominal);
      const decide = (x: typeof whenS) => (x ? nominalValue(x) !== 0 : undefined);
      const kinds = names.map(shiftKind);
      let at: StepSymbols,
        variantsOf = -1;
      const variants = () => {
        if (variantsOf === step) return;
        variantsOf = step;
        fillVariants(at, names, kinds, up, down, variantsReady ? undefined : filled.variants);
        if (!variantsReady) variantsReady = names.every((name, i) => fromTrial[i] || filled.variants.has(name));
      };
      const differs = (x: ReturnType<typeof onSlots>, nominal: boolean | undefined) => {
        variants();
        return [up, down].some((v) => (valueAt(x, v, variantsReady, filled.variants) !== 0) !== nominal);
      };
      const uncertain = (x: typeof whenS, nominal: boolean | undefined) =>
        x !== undefined && x.names.some((name) => unresolved(at, name)) && differs(x, nominal);
      const why = (e: string) =>
        `"${e}" is decided at step ${step} by a difference below the rounding error of ${[...roundingPerturbations(at.symbols, at.unit).unresolved].join(', ')} (unit roundoff ${at.unit.toPrecision(2)})`;
      return (theta, point, stepError) => {
        watched = true;
        step++;
        if (stopped) return;
        at = stepSymbols(model, objective, theta, p.layer, step, point);
        const { symbols, unit } = at;
        lastLoss = symbols.loss;
        detSign.see(at, unit, step, () => (stepError ? stepBand(at, model, theta, p.layer, stepError) : 0));
        for (let i = 0; i < names.length; i++)
          if (Object.hasOwn(symbols, names[i])) {
            nominal[i] = symbols[names[i]];
            if (!nominalReady) filled.nominal.add(names[i]);
          }
        if (!nominalReady) nominalReady = unfilled() === 0;
        const stop = decide(untilS);
        const counted = !stop && (decide(whenS) ?? true);
        // an undecided stop leaves the rest of the path unknown; an undecided `when` matters only if the step's value would be the extreme
        if (!imprecise && uncertain(untilS, stop)) imprecise = { step, loss: symbols.loss, why: why(p.until!) };
        if (!stop && uncertain(whenS, decide(whenS))) {
          const w = nominalValue(ofS);
          if (p.output === 'count' || (p.extreme === 'min' ? w < best : w > best)) whenUnsure = { step, loss: symbols.loss, why: why(p.when!), value: w };
        }
        const v = counted ? nominalValue(ofS) : NaN;
        if (log && log.length < 3 * PATH_LOG_STEPS) log.push(step, (counted ? 1 : 0) | (stop ? 2 : 0), v);
        if (stop) return void (stopped = { step, loss: symbols.loss });
        if (!counted) return;
        count++;
        if (detSign.flip) countedAfterFlip = true;
        if (p.extreme === 'min' ? v < best : v > best) {
          best = v;
          bestAfterFlip = !!detSign.flip;
          variants();
          bestError = Math.max(
            Math.abs(valueAt(ofS, up, variantsReady, filled.variants) - v),
            Math.abs(valueAt(ofS, down, variantsReady, filled.variants) - v),
          );
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
    see(at: StepSymbols, unit: number, step: number, stepBand: () => number) {
      const sym = at.symbols,
        det = sym.det;
      if (!Number.isFinite(det) || state.flip) return;
      const scale = sym.fro ** at.defined;
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
  /** how many of s1, s2, … are there (up to the first missing) and finite (up to the first that is not) */
  defined: number;
  finite: number;
  /** the last i with s2 … s_i all there (1: s2 is missing) */
  shiftedTo: number;
  /** roundingPerturbations' shifts of det (NaN where it has none: det not finite), of s2… and of the loss */
  shift?: { det: number; s: number; loss: number };
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
  let defined = 0,
    finite = 0,
    shiftedTo = 1;
  while (defined < 9 && symbols[S_NAMES[defined]] !== undefined) defined++;
  while (finite < 9 && Number.isFinite(symbols[S_NAMES[finite]])) finite++;
  while (shiftedTo < 9 && symbols[S_NAMES[shiftedTo]] !== undefined) shiftedTo++;
  const at: StepSymbols = { model, step, point, theta: copy, symbols, unit, defined, finite, shiftedTo, moved: last?.moved };
  byLayer.set(layer, at);
  return at;
}

const S_NAMES = Array.from({ length: 9 }, (_, i) => `s${i + 1}`);

/** Which of roundingPerturbations' shifts a symbol may get: 'det', the index i of s_i (2…9), 'loss', or none. */
function shiftKind(name: string): 'det' | 'loss' | number | undefined {
  if (name === 'det' || name === 'loss') return name;
  const i = S_NAMES.indexOf(name) + 1;
  return i >= 2 ? i : undefined;
}

/** roundingPerturbations(at.symbols, at.unit)'s shift of a symbol (its d and floor), or undefined where it has none. */
function shiftOf(at: StepSymbols, kind: ReturnType<typeof shiftKind>): { d: number; floor: number } | undefined {
  if (kind === undefined) return undefined;
  const sym = at.symbols;
  if (!at.shift) {
    const k = 100 * at.unit;
    at.shift = { det: Number.isFinite(sym.det) ? k * sym.fro ** at.finite : NaN, s: k * sym.s1, loss: k * k * Math.max(1, sym.fro * sym.fro) };
  }
  if (kind === 'det') return Number.isFinite(sym.det) ? { d: at.shift.det, floor: -Infinity } : undefined;
  if (kind === 'loss') return { d: at.shift.loss, floor: 0 };
  return kind <= at.shiftedTo ? { d: at.shift.s, floor: 0 } : undefined;
}

/** Whether a symbol lies inside its own rounding band (is in roundingPerturbations' unresolved). */
function unresolved(at: StepSymbols, name: string): boolean {
  const shift = shiftOf(at, shiftKind(name));
  return shift !== undefined && Math.abs(at.symbols[name]) < shift.d;
}

/** roundingPerturbations' fillVariants(names, up, down) on arrays of slots (slot i: names[i]); the names written are added to `written` where given. */
function fillVariants(
  at: StepSymbols,
  names: readonly string[],
  kinds: ReadonlyArray<ReturnType<typeof shiftKind>>,
  up: Float64Array,
  down: Float64Array,
  written?: Set<string>,
) {
  const sym = at.symbols;
  for (let i = 0; i < names.length; i++) {
    const name = names[i],
      shift = shiftOf(at, kinds[i]);
    if (shift) {
      up[i] = sym[name] + shift.d;
      down[i] = Math.max(shift.floor, sym[name] - shift.d);
    } else if (Object.hasOwn(sym, name)) up[i] = down[i] = sym[name];
    else continue;
    written?.add(name);
  }
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
