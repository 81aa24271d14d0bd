import { z } from 'zod';
import { compileExpr } from '../../core/expr.js';
import { diagonalLinear, diagonalStart, diagonalStartResolution } from '../../numeric/diagonal-linear.js';
import { HYPENTROPY_ALPHA_RANGE } from '../../numeric/interpolants.js';
import { euclideanNorm } from '../../numeric/linalg.js';
import { checkModelSize } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type BlockContext, type NumExpr, type RangeOf, type StaticCheck, type StaticRange } from '../types.js';

const [ALPHA_LO, ALPHA_HI] = HYPENTROPY_ALPHA_RANGE;
/** the u2-v2 start must resolve w to at least half of float64's digits of the smallest interpolant's norm (a validity bound, not a verdict's) */
const RESOLUTION = 2 ** -26;

/** One value per coordinate i = 1…d of an expression in the trial's variables and i. */
function perCoordinate(v: NumExpr, d: number, ctx: BlockContext, what: string, ok: (x: number) => boolean, must: string): Float64Array {
  const e = typeof v === 'number' ? undefined : compileExpr(v);
  const scope: Record<string, number> = { ...ctx.scope };
  return Float64Array.from({ length: d }, (_, k) => {
    scope.i = k + 1;
    const x = e ? e.value(scope) : (v as number);
    if (!ok(x)) throw new Error(`diagonal-linear: ${what} must be ${must}, found ${x} at i = ${k + 1}`);
    return x;
  });
}

/** Coordinates i at which validation evaluates a shape that depends on i alone. */
const SHAPE_COORDINATES = 100000;

/** The start's scale α·s_i of a coordinate must lie in alpha's own range: far beyond it u_iv_i = (α s_i)² leaves float64 (overflow to ∞, or underflow so that w = u² − v² stays 0). */
function scaleProblem(alpha: number, s: number, i: number | undefined): string | undefined {
  const scale = alpha * s;
  if (scale >= ALPHA_LO && scale <= ALPHA_HI) return undefined;
  const square = scale * scale;
  const effect = square === Infinity ? ' overflows float64' : square === 0 ? ' underflows to 0 (w = u⊙u − v⊙v could not move from 0)' : '';
  return `the start's scale alpha·shape = ${alpha}·${s} = ${scale}${i === undefined ? '' : ` at i = ${i}`} is outside [${ALPHA_LO}, ${ALPHA_HI}] (alpha's range, which keeps u_iv_i = (α s_i)² well inside float64's): (α s_i)² = ${square}${effect}; the shape sets it`;
}

/**
 * `shape` at validation, where it is known there: a constant, an expression of the space's variables
 * (its range), or of the coordinate i alone (at i = 1…d); each value must be positive and finite, and
 * α·s_i within alpha's range at alpha's ends.
 */
function shapeProblems(shape: NumExpr, d: StaticRange | undefined, alpha: StaticRange | undefined, range: RangeOf): NonNullable<StaticCheck['problems']> {
  const values: Array<[number, number | undefined]> = [];
  if (typeof shape === 'number') values.push([shape, undefined]);
  else {
    let symbols: Set<string>;
    let value: ((scope: Record<string, number>) => number) | undefined;
    try {
      const e = compileExpr(shape);
      ((symbols = e.symbols), (value = e.value));
    } catch {
      return []; // the expression's own check reports it
    }
    if (symbols.size === 0) values.push([value({}), undefined]);
    else if (symbols.has('i')) {
      if ([...symbols].every((x) => x === 'i') && d && Number.isFinite(d.hi))
        for (let i = 1; i <= Math.min(d.hi, SHAPE_COORDINATES); i++) values.push([value({ i }), i]);
    } else {
      const r = range(shape);
      if (r) values.push([r.lo, undefined], [r.hi, undefined]);
    }
  }
  for (const [x, i] of values)
    if (!(x > 0 && Number.isFinite(x)))
      return [{ field: ['shape'], message: `shape must be positive and finite, found ${x}${i === undefined ? '' : ` at i = ${i}`}` }];
  if (alpha && alpha.lo >= ALPHA_LO && alpha.hi <= ALPHA_HI && values.length) {
    const lo = values.reduce((a, b) => (b[0] < a[0] ? b : a)),
      hi = values.reduce((a, b) => (b[0] > a[0] ? b : a));
    const why = scaleProblem(alpha.lo, lo[0], lo[1]) ?? scaleProblem(alpha.hi, hi[0], hi[1]);
    if (why) return [{ field: ['shape'], message: why }];
  }
  return [];
}

export const diagonalLinearBlock = defineBlock({
  kind: 'model',
  name: 'diagonal-linear',
  summary: `a diagonal linear network x ↦ ⟨w, x⟩ (Woodworth et al. 2020): parametrization "u2-v2" (the default) w = u⊙u − v⊙v, or "uv" w = u⊙v, u, v ∈ R^d (layers "u", "v", and the effective predictor "w", each 1×d). The start is deterministic (nothing is drawn). By default w(0) = 0: u2-v2 from u = v = alpha·1 (the scale α of Woodworth et al.’s Q_α); uv from u = 2·alpha·1, v = 0, the image of that start under u = a + b, v = a − b, so that uv gradient descent with step η follows the u2-v2 path of step η/2 (the flow: time t ↔ t/2) from the same α. \`shape\` s_i > 0 (the initialization’s shape; default 1) and \`w0\` (a biased start w(0) ≠ 0; default 0) are expressions in the trial’s variables and the coordinate i = 1…d: u2-v2 starts at u_i = α s_i e^{a_i}, v_i = α s_i e^{−a_i} with sinh(2a_i) = w0_i/(2α²s_i²), so u_i² − v_i² = w0_i and u_iv_i = α²s_i² (the product the flow conserves); uv at its image u_i = 2αs_i cosh a_i, v_i = 2αs_i sinh a_i. alpha must lie in [${ALPHA_LO}, ${ALPHA_HI}] (the range of the Q_α metrics), and so must each coordinate's start scale α·s_i (beyond it (α s_i)² nears float64's limits); a shape or α·s_i outside is invalid at validation where the shape is a constant, an expression of the space's variables, or of i alone, else a trial error. u2-v2 holds w = u⊙u − v⊙v only to about 2α²s_i²·2⁻⁵² near its start (u ≈ v cancel): a trial whose start resolves w more coarsely than 2⁻²⁶ of ‖y‖₂/‖X‖_F (a lower bound on the norm of every interpolant) is an error naming both numbers (from u = v = α on unit-scale data: α above about 10³); uv has no such cancellation.`,
  params: z.strictObject({
    d: numExpr,
    parametrization: z.enum(['u2-v2', 'uv']).default('u2-v2'),
    alpha: numExpr,
    shape: numExpr.default(1),
    w0: numExpr.default(0),
  }),
  expressions: { d: 'trial', alpha: 'trial', shape: { trialAnd: ['i'] }, w0: { trialAnd: ['i'] } },
  create: (p, ctx) => {
    const d = ctx.int(p.d);
    if (!(d >= 1)) throw new Error(`diagonal-linear: d must be at least 1, got ${d}`);
    if (ctx.data && ctx.data.X.cols !== d) throw new Error(`diagonal-linear: d = ${d} but the data have rows of ${ctx.data.X.cols} numbers`);
    checkModelSize('diagonal-linear', ctx, 2 * d, 1, `2 × d ${d} parameters`);
    const alpha = ctx.num(p.alpha);
    if (!(alpha >= ALPHA_LO && alpha <= ALPHA_HI))
      throw new Error(`diagonal-linear: alpha = ${alpha} is outside [${ALPHA_LO}, ${ALPHA_HI}] (the Q_α metrics' range)`);
    const shape = perCoordinate(p.shape, d, ctx, 'shape', (x) => x > 0 && Number.isFinite(x), 'positive and finite');
    for (let k = 0; k < d; k++) {
      const why = scaleProblem(alpha, shape[k], k + 1);
      if (why) throw new Error(`diagonal-linear: ${why}`);
    }
    const w0 = perCoordinate(p.w0, d, ctx, 'w0', Number.isFinite, 'finite');
    const o = { d, parametrization: p.parametrization, alpha, shape, w0 };
    const start = diagonalStart(o);
    if (!start.every(Number.isFinite)) throw new Error(`diagonal-linear: the start (alpha = ${alpha} with its shape and w0) is not finite in float64`);
    if (ctx.data) {
      const res = diagonalStartResolution(start, d, p.parametrization);
      const { X, y } = ctx.data;
      const fro = euclideanNorm(X.data);
      const least = fro > 0 ? euclideanNorm(y) / fro : 0;
      if (least > 0 && res > RESOLUTION * least)
        throw new Error(
          `diagonal-linear: at alpha = ${alpha}${shape.every((x) => x === 1) ? '' : ` with shape s_i up to ${shape.reduce((a, b) => Math.max(a, b))} (α s_i up to ${Number((alpha * shape.reduce((a, b) => Math.max(a, b))).toPrecision(6))})`} the u2-v2 start resolves w = u⊙u − v⊙v only to ${res.toPrecision(3)} (u ≈ v cancel), coarser than 2^-26 of ${least.toPrecision(3)}, a lower bound on the norm of every interpolant (‖y‖₂/‖X‖_F): float64 cannot follow this path; use parametrization: uv (the same path at half the step, without the cancellation) or a smaller alpha${shape.every((x) => x === 1) ? '' : ' or shape'}`,
        );
    }
    return diagonalLinear(o);
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const d = c.atLeast('d', p.d, 1);
    c.within('alpha', p.alpha, ALPHA_LO, ALPHA_HI);
    c.problems.push(...shapeProblems(p.shape, d, range(p.alpha), range));
    return { problems: c.problems, entries: d && { value: 2 * d.hi, field: 'd' }, perRow: 1, columns: d && d.lo === d.hi ? d : undefined };
  },
});
