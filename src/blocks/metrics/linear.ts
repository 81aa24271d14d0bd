// Linear predictors against the solutions theory says training reaches: the minimum-ℓ2 and minimum-ℓ1
// interpolants and the minimizer of the hypentropy potential Q_α (Woodworth et al. 2020, §4, Thm 1),
// the hard-margin SVM direction (Soudry et al. 2018), angles between directions, and norms. A model's
// effective linear predictor is its layer "w" (1×d: x ↦ ⟨w, x⟩); the reference solutions depend on
// the data alone and are computed once per data set.
import { z } from 'zod';
import type { Dataset } from '../../numeric/data.js';
import { angleBetween, oneMinusCos, requireSignLabels, topSingularVector } from '../../numeric/directions.js';
import { euclideanNorm, type Mat } from '../../numeric/linalg.js';
import {
  HYPENTROPY_ALPHA_RANGE,
  HYPENTROPY_TOLERANCE,
  hypentropyPotential,
  minHypentropySolution,
  minL1Solution,
  minNormSolution,
  requireInterpolant,
  rowSpace,
  UNIQUENESS_MARGIN,
  type RowSpace,
} from '../../numeric/interpolants.js';
import { hardMarginSvm, linearMarginScaled, separableThroughOrigin, unscaled, type Scaled } from '../../numeric/maxmargin.js';
import { layerOf, type LayerName } from '../../numeric/models.js';
import { FLOAT64_UNIT } from '../path.js';
import { checkSize } from '../limits.js';
import { numExpr, staticProblems, type MetricProduct, type RangeOf, type SimState } from '../types.js';
import { at, defineMetric, needData, resolvedMetric, thetaAt } from './common.js';

const PREDICTOR: LayerName = 'w';

/** The trained model's effective linear predictor w at θ (layer "w", 1×d, d = the data's columns). */
function predictor(s: SimState, theta: Float64Array, what: string): Float64Array {
  const layers = s.model.layers(theta);
  const w = layerOf(s.model, theta, PREDICTOR, layers);
  if (w.rows !== 1) throw new Error(`${what}: layer "w" of model "${s.model.name}" is ${w.rows}×${w.cols}, not a 1×d linear predictor`);
  if (Object.hasOwn(layers, 'b'))
    throw new Error(
      `${what}: model "${s.model.name}" has a bias (layer "b"); these references are for x ↦ ⟨w, x⟩ through the origin (append a constant column to the data instead)`,
    );
  const d = needData(s).X.cols;
  if (w.cols !== d) throw new Error(`${what}: the predictor w has ${w.cols} entries but the data have ${d} columns`);
  return w.data;
}

// reference solutions (or the error computing them), once per data set
const solved = new WeakMap<Dataset, Map<string, { value?: unknown; error?: unknown }>>();
function perData<T>(data: Dataset, key: string, make: () => T): T {
  let byKey = solved.get(data);
  if (!byKey) solved.set(data, (byKey = new Map()));
  let r = byKey.get(key);
  if (!r) {
    try {
      r = { value: make() };
    } catch (error) {
      r = { error };
    }
    byKey.set(key, r);
  }
  if ('error' in r) throw r.error;
  return r.value as T;
}

function systemOf(data: Dataset, what: string): RowSpace {
  const { rows: n, cols: d } = data.X;
  // ml-matrix copies X (and its transpose) besides the factors U and V
  checkSize('entries', 3 * n * d + Math.min(n, d) * (n + d), `${what}: thin SVD of X (n ${n} × d ${d})`);
  return perData(data, 'row-space', () => rowSpace(data.X, data.y));
}

/** ‖a − b‖₂, or divided by ‖b‖₂ (an error when b = 0). */
function distanceTo(a: ArrayLike<number>, b: Float64Array, relative: boolean, what: string): number {
  const dist = euclideanNorm(Float64Array.from(b, (x, i) => a[i] - x));
  if (!relative) return dist;
  const nb = euclideanNorm(b);
  if (nb === 0) throw new Error(`${what}: the reference solution is 0, so a relative distance is undefined`);
  return dist / nb;
}

const relative = z.boolean().default(false);
/** a solution computed to relative accuracy e moves a distance to it by e·‖solution‖ (÷‖solution‖ when relative) */
const solutionError = (e: number, sol: Float64Array, rel: boolean): number => (rel ? e : e * euclideanNorm(sol));

export const minNormDistance = defineMetric({
  name: 'min-norm-distance',
  summary:
    'distance ‖w − w₂‖₂ from the trained linear predictor (layer "w", 1×d) to the minimum-ℓ2-norm interpolant w₂ = X⁺y, from the thin SVD of X (singular values above max(n, d)·ε·σ₁ kept, ε = 2⁻⁵²); relative divides by ‖w₂‖₂; output "norm" gives ‖w₂‖₂ instead. A trial error when Xw = y has no solution (y off the range of X by more than 1e-9·‖y‖), unless least_squares: true, which takes X⁺y, the minimum-norm least-squares solution (where gradient descent from 0 on the square loss goes). Its rounding error (θ moved by 100 ulp, plus 100u·κ(X)·‖w₂‖, u = 2⁻⁵³) counts against a verdict it decides',
  params: z.strictObject({ relative, least_squares: z.boolean().default(false), output: z.enum(['distance', 'norm']).default('distance'), at }),
  expressions: {},
  needs: { layers: [PREDICTOR] },
  create: (p) => {
    const what = 'min-norm-distance';
    const reference = (s: SimState) => {
      const rs = systemOf(needData(s), what);
      if (!p.least_squares) requireInterpolant(rs, what);
      return { rs, w2: perData(needData(s), 'min-norm', () => minNormSolution(rs)) };
    };
    return resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        const w = predictor(s, theta, what);
        const { w2 } = reference(s);
        return p.output === 'norm' ? euclideanNorm(w2) : distanceTo(w, w2, p.relative, what);
      },
      (s) => {
        const { rs, w2 } = reference(s);
        return solutionError(100 * FLOAT64_UNIT * rs.condition, w2, p.relative && p.output === 'distance');
      },
    );
  },
});

/** The LP has 2·rank·d coefficients; each costs about 8 numbers' memory (its text in JS and in WebAssembly, HiGHS's copies) */
function checkLpSize(rs: RowSpace, what: string): void {
  checkSize(
    'entries',
    16 * rs.rank * rs.d,
    `${what}: HiGHS LP of 2d = ${2 * rs.d} variables and ${rs.rank} rows (2·rank·d coefficients, ~8 numbers of memory each)`,
  );
}

export const minL1Distance = defineMetric({
  name: 'min-l1-distance',
  summary:
    'distance ‖w − w₁‖₂ from the trained linear predictor (layer "w") to the minimum-ℓ1 interpolant w₁ = argmin ‖v‖₁ s.t. Xv = y: the LP min Σ p_k + q_k s.t. A(p − q) = b, p, q ≥ 0 in HiGHS on the reduced system (A = V_rᵀ, b = Σ_r⁻¹U_rᵀy from the thin SVD, right side scaled to norm 1), its vertex re-solved exactly on its support. w₁ must be unique: certified by a second LP (ν with A_Sᵀν = sign w₁ on the support S and |A_kᵀν| ≤ 1 − t off it, t > 1e-7 — Zhang, Yin & Cheng 2015), else a trial error. relative divides by ‖w₁‖₂; output "l1" gives the optimal value ‖w₁‖₁ (defined also when w₁ is not unique), to compare ‖w‖₁ with. A trial error when Xw = y has no solution. Its rounding error (θ moved by 100 ulp, plus 100u·(κ(X) + κ(A_S))·‖w₁‖, or 1e-6·‖w₁‖ when the vertex could not be re-solved) counts against a verdict it decides',
  params: z.strictObject({ relative, output: z.enum(['distance', 'l1']).default('distance'), at }),
  expressions: {},
  needs: { layers: [PREDICTOR] },
  create: (p) => {
    const what = 'min-l1-distance';
    const reference = (s: SimState) => {
      const rs = systemOf(needData(s), what);
      requireInterpolant(rs, what);
      checkLpSize(rs, what);
      const sol = perData(needData(s), 'min-l1', () => minL1Solution(rs));
      if (p.output === 'distance' && !sol.unique)
        throw new Error(
          `${what}: the minimum-ℓ1 interpolant is not unique (uniqueness certificate t* = ${sol.certificate.toExponential(2)} ≤ ${UNIQUENESS_MARGIN}${sol.certificate < 0 ? ': no dual certificate exists' : ''}), so the distance to it is undefined; output "l1" gives the minimum value`,
        );
      return { rs, sol };
    };
    return resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        const w = predictor(s, theta, what);
        const { sol } = reference(s);
        return p.output === 'l1' ? sol.l1 : distanceTo(w, sol.w, p.relative, what);
      },
      (s) => {
        const { rs, sol } = reference(s);
        const e = sol.polished ? 100 * FLOAT64_UNIT * (rs.condition + sol.supportCondition) : 1e-6;
        return p.output === 'l1' ? e * sol.l1 : solutionError(e, sol.w, p.relative);
      },
    );
  },
});

/** α from its expression, in the range where α² and w/α² stay finite (Q_α needs α > 0) */
function alphaOf(v: z.infer<typeof numExpr>, num: (v: z.infer<typeof numExpr>) => number, what: string): number {
  const alpha = num(v);
  const [lo, hi] = HYPENTROPY_ALPHA_RANGE;
  if (!(alpha >= lo && alpha <= hi)) throw new Error(`${what}: alpha = ${alpha} is outside [${lo}, ${hi}]`);
  return alpha;
}

/** alpha's range checked at validation, over the space (the trial's check, alphaOf, as a file:line:column error) */
function alphaCheck(p: { alpha: z.infer<typeof numExpr> }, range: RangeOf) {
  const c = staticProblems(range);
  c.within('alpha', p.alpha, ...HYPENTROPY_ALPHA_RANGE);
  return { problems: c.problems };
}

export const hypentropyPotentialMetric = defineMetric({
  name: 'hypentropy-potential',
  summary:
    'Q_α(w) = α² Σ_i q(w_i/α²), q(z) = 2 − √(4 + z²) + z·arcsinh(z/2), of the trained linear predictor (layer "w"): the potential that gradient flow on the diagonal network w = u⊙u − v⊙v from u(0) = v(0) = α·1 minimizes among interpolants (Woodworth et al. 2020, Thm 1, w₀ = 1); alpha (a trial expression, in [1e-100, 1e100]) must be the model’s initialization scale. q is evaluated as z·arcsinh(z/2) − z²/(2 + √(4 + z²)) (no cancellation or overflow). Its rounding error (θ moved by 100 ulp) counts against a verdict it decides',
  params: z.strictObject({ alpha: numExpr, at }),
  expressions: { alpha: 'trial' },
  check: alphaCheck,
  needs: { layers: [PREDICTOR] },
  create: (p, ctx) => {
    const alpha = alphaOf(p.alpha, ctx.num, 'hypentropy-potential');
    return resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => hypentropyPotential(predictor(s, theta, 'hypentropy-potential'), alpha),
    );
  },
});

export const minHypentropyDistance = defineMetric({
  name: 'min-hypentropy-distance',
  summary: `distance ‖w − w_α‖₂ from the trained linear predictor (layer "w") to w_α = argmin Q_α(v) s.t. Xv = y (Q_α as in hypentropy-potential; alpha a trial expression in [1e-100, 1e100], the diagonal network’s initialization scale): the limit of gradient flow on w = u⊙u − v⊙v from u(0) = v(0) = α·1 when it interpolates (Woodworth et al. 2020, Thm 1), which tends to the minimum-ℓ2 interpolant as α → ∞ and to the minimum-ℓ1 one as α → 0. Solved by damped Newton on the dual (w = 2α² sinh(Aᵀν) on the reduced system A = V_rᵀ from the thin SVD), stopped when a full step changes w by at most ${HYPENTROPY_TOLERANCE}·‖w‖∞. relative divides by ‖w_α‖₂; output "potential" gives Q_α(w_α). A trial error when Xw = y has no solution. Its rounding error (θ moved by 100 ulp, plus the last Newton step and 100u·κ(X)·‖w_α‖) counts against a verdict it decides`,
  params: z.strictObject({ alpha: numExpr, relative, output: z.enum(['distance', 'potential']).default('distance'), at }),
  expressions: { alpha: 'trial' },
  check: alphaCheck,
  needs: { layers: [PREDICTOR] },
  create: (p, ctx) => {
    const what = 'min-hypentropy-distance';
    const alpha = alphaOf(p.alpha, ctx.num, what);
    const reference = (s: SimState) => {
      const rs = systemOf(needData(s), what);
      requireInterpolant(rs, what);
      checkSize('entries', rs.rank * rs.rank + 2 * rs.rank * rs.d, `${what}: Newton systems of rank ${rs.rank} over d ${rs.d}`);
      return { rs, sol: perData(needData(s), `hypentropy ${alpha}`, () => minHypentropySolution(rs, alpha)) };
    };
    return resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        const w = predictor(s, theta, what);
        const { sol } = reference(s);
        return p.output === 'potential' ? sol.potential : distanceTo(w, sol.w, p.relative, what);
      },
      (s) => {
        const { rs, sol } = reference(s);
        const nw = euclideanNorm(sol.w);
        const e = sol.lastStep + 100 * FLOAT64_UNIT * rs.condition * nw;
        // |ΔQ_α| ≤ ‖∇Q_α(w_α)‖₂·e, ∇Q_α(w)_i = arcsinh(w_i/2α²)
        if (p.output === 'potential') return e * euclideanNorm(sol.w.map((x) => Math.asinh(x / (2 * alpha * alpha))));
        return p.relative ? e / (nw || 1) : e;
      },
    );
  },
});

/**
 * The relative duality gap above which the SVM dual's ŵ is refused: the direction of ŵ is then certain
 * only to √(gap/(1 − gap)) (relative distance, about radians), and its margin to a relative gap/2. At
 * 1e-10 that is 1e-5 rad, far below the angles and norms the claims compare (≥ 1e-3), and far above
 * where the sweeps stop (a gap of ~1e-16, float64's rounding of the margins).
 */
export const SVM_GAP_TOLERANCE = 1e-10;

/** Why a metric that needs the SVM is NaN on data no line through the origin separates. */
const NOT_SEPARABLE =
  'the data are not linearly separable through the origin to the LP’s resolution (an LP in HiGHS on the rows scaled to unit length found no w with y_i⟨w, x_i⟩ > 0 for every row; a normalized margin below ~1e-9, HiGHS’s tolerance, cannot be told from none), so there is no max-margin direction';

/** The SVM: its direction w (ŵ up to a power of two, scale-safe), γ̂ (NaN outside float64's range) and γ̂ as m·2^e. */
interface Svm {
  /** ŵ·2^e: the direction of ŵ = argmin ‖w‖ s.t. y_i⟨w, x_i⟩ ≥ 1 */
  w: Float64Array;
  /** γ̂ = min_i y_i⟨ŵ, x_i⟩/‖ŵ‖ = 1/‖ŵ‖ */
  margin: number;
  marginScaled: Scaled;
}

/** ŵ and γ̂, or undefined when the data are not separable through the origin (the metric is then NaN). */
function svmOf(s: SimState, what: string): Svm | undefined {
  const data = needData(s);
  checkSize('entries', data.X.rows * (data.X.rows + data.X.cols), `${what}: the SVM dual's n × n Gram matrix (n ${data.X.rows}, d ${data.X.cols})`);
  requireSignLabels(data.y, what);
  return perData(data, 'svm', () => {
    if (!separableThroughOrigin(data.X, data.y)) return undefined;
    const svm = hardMarginSvm(data.X, data.y);
    if (!(svm.gap <= SVM_GAP_TOLERANCE))
      throw new Error(
        `${what}: the SVM dual stopped after ${svm.sweeps} sweeps with a relative duality gap of ${svm.gap.toExponential(2)} > ${SVM_GAP_TOLERANCE}, so ŵ's direction is certain only to within ${Math.sqrt(svm.gap / (1 - svm.gap)).toExponential(2)} (relative distance): too coarse to report`,
      );
    return { w: svm.direction, margin: svm.margin, marginScaled: svm.marginScaled };
  });
}

/** m·2^e as a float64, or NaN with the reason where it leaves float64's range (or m is undefined). */
function rangeChecked(name: string, v: Scaled, nan: (why: string) => number): number {
  const r = unscaled(v);
  if (!Number.isNaN(r)) return r;
  return nan(
    Number.isFinite(v.m)
      ? `${name} is ${v.m}·2^${v.e}, outside float64's range (it ${v.e > 0 ? 'overflows to ±∞' : 'underflows to 0'})`
      : `${name} is undefined (${v.m})`,
  );
}

/**
 * min_i y_i⟨u, x_i⟩/‖u‖ over the SVM's γ̂ (1 at the max-margin direction), through svmOf (separability LP, duality
 * gap, per-data cache), as the ratio of the two m·2^e; NaN with the reason (`nan`) on data not separable through
 * the origin, for u = 0, or where the ratio leaves float64's range.
 */
export function marginOverSvm(s: SimState, u: ArrayLike<number>, what: string, nan: (why: string) => number): number {
  const svm = svmOf(s, what);
  if (!svm) return nan(`${what}: ${NOT_SEPARABLE}`);
  if (euclideanNorm(u) === 0) return nan(`${what}: the direction is zero, so its normalized margin is undefined`);
  const d = needData(s);
  const m = linearMarginScaled(u, d.X, d.y);
  return rangeChecked(`${what}: the ratio of the margins`, { m: m.m / svm.marginScaled.m, e: m.e - svm.marginScaled.e }, nan);
}

/** A metric of the SVM direction: NaN, with the reason, where the data are not separable or a value leaves float64's range (`nan(why)`). */
function svmMetric(
  what: string,
  thetaOf: (s: SimState) => Float64Array,
  value: (s: SimState, w: Float64Array, svm: Svm, nan: (why: string) => number) => number,
): MetricProduct {
  let reason: string | undefined;
  const nan = (why: string): number => ((reason = why), NaN);
  const f = ((s: SimState) => {
    const w = predictor(s, thetaOf(s), what);
    const svm = svmOf(s, what);
    reason = svm ? undefined : `${what}: ${NOT_SEPARABLE}`;
    return svm ? value(s, w, svm, nan) : NaN;
  }) as MetricProduct;
  f.nanReason = () => reason;
  return f;
}

export const svmDistance = defineMetric({
  name: 'svm-distance',
  summary:
    'distance ‖w/‖w‖ − ŵ/‖ŵ‖‖₂ between the directions of the trained linear predictor (layer "w") and of the hard-margin SVM through the origin, ŵ = argmin ‖v‖ s.t. y_i⟨v, x_i⟩ ≥ 1 (the direction gradient descent on separable data converges to: Soudry et al. 2018, Thm 3); ŵ from the SVM dual by exact coordinate descent (data scaled by a power of two to unit size, tolerance 1e-13), after an LP in HiGHS on the rows scaled to unit length has found the data separable; a trial error when the dual’s relative duality gap is above 1e-10 (ŵ’s direction then uncertain beyond ~1e-5). NaN, with the reason in the trial’s message, on data not separable through the origin; a trial error for labels other than ±1 or w = 0',
  params: z.strictObject({ at }),
  expressions: {},
  needs: { layers: [PREDICTOR] },
  create: (p) =>
    // ‖â − b̂‖ = 2 sin(θ/2)
    svmMetric(
      'svm-distance',
      (s) => thetaAt(s, p.at),
      (_s, w, svm) => 2 * Math.sin(angleBetween(w, svm.w, false, ['the predictor w', 'the SVM direction']) / 2),
    ),
});

const measure = z.enum(['angle', 'one-minus-cos']).default('angle');

export const svmAngle = defineMetric({
  name: 'svm-angle',
  summary:
    'angle ∠(w, ŵ) in radians (or 1 − cos with measure "one-minus-cos") between the trained linear predictor (layer "w") and the hard-margin SVM direction ŵ through the origin (as in svm-distance), computed as 2·atan2(‖ŵ/‖ŵ‖ − w/‖w‖‖, ‖ŵ/‖ŵ‖ + w/‖w‖‖) and ‖·‖²/2, accurate near 0. NaN (with the reason) on data not separable through the origin; a trial error for labels other than ±1 or w = 0',
  params: z.strictObject({ measure, at }),
  expressions: {},
  needs: { layers: [PREDICTOR] },
  create: (p) =>
    svmMetric(
      'svm-angle',
      (s) => thetaAt(s, p.at),
      (_s, w, svm) => {
        const what: [string, string] = ['the predictor w', 'the SVM direction'];
        return p.measure === 'angle' ? angleBetween(w, svm.w, false, what) : oneMinusCos(w, svm.w, false, what);
      },
    ),
});

export const svmMargin = defineMetric({
  name: 'svm-margin',
  summary:
    'output "svm": the hard-margin SVM’s margin γ̂ = max_{‖v‖=1} min_i y_i⟨v, x_i⟩ = 1/‖ŵ‖ through the origin (as in svm-distance); "model": the normalized margin min_i y_i⟨w, x_i⟩/‖w‖ of the trained linear predictor (layer "w"); "ratio": model/svm (1 at the max-margin direction). Computed on w/‖w‖ and the data scaled by a power of two (exact), so any scale float64 holds gives the same digits; NaN (with the reason) where the value itself leaves float64’s range, and on data not separable through the origin; a trial error for labels other than ±1',
  params: z.strictObject({ output: z.enum(['svm', 'model', 'ratio']).default('svm'), at }),
  expressions: {},
  needs: { layers: [PREDICTOR] },
  create: (p) =>
    svmMetric(
      'svm-margin',
      (s) => thetaAt(s, p.at),
      (s, w, svm, nan) => {
        if (p.output === 'svm') return rangeChecked('svm-margin: the SVM margin γ̂', svm.marginScaled, nan);
        if (euclideanNorm(w) === 0) throw new Error('svm-margin: the predictor w is zero, so its normalized margin is undefined');
        const m = linearMarginScaled(w, needData(s).X, needData(s).y);
        if (p.output === 'model') return rangeChecked('svm-margin: the normalized margin of w', m, nan);
        // the ratio of the two m·2^e, never formed from values that could over- or underflow
        return rangeChecked('svm-margin: the ratio of the margins', { m: m.m / svm.marginScaled.m, e: m.e - svm.marginScaled.e }, nan);
      },
    ),
});

const direction = z.strictObject({
  layer: z.string().default('w'),
  at,
  take: z.enum(['all', 'row', 'column', 'top-left-singular', 'top-right-singular']).default('all'),
  index: z.number().int().min(0).default(0),
});
type Direction = z.infer<typeof direction>;

/** The vector a direction spec names, and whether it is a line (a singular vector's sign is arbitrary). */
function directionOf(s: SimState, spec: Direction): { v: Float64Array; line: boolean; what: string } {
  const M: Mat = layerOf(s.model, thetaAt(s, spec.at), spec.layer);
  const what =
    `layer "${spec.layer}" at ${spec.at}` + (spec.take === 'all' ? '' : spec.take.endsWith('singular') ? ` (${spec.take})` : ` (${spec.take} ${spec.index})`);
  if (spec.take === 'all') return { v: M.data, line: false, what };
  if (spec.take === 'row' || spec.take === 'column') {
    const count = spec.take === 'row' ? M.rows : M.cols;
    if (spec.index >= count) throw new Error(`angle: ${what}: the layer is ${M.rows}×${M.cols}, it has no ${spec.take} ${spec.index} (counted from 0)`);
    const v =
      spec.take === 'row'
        ? M.data.slice(spec.index * M.cols, (spec.index + 1) * M.cols)
        : Float64Array.from({ length: M.rows }, (_, i) => M.data[i * M.cols + spec.index]);
    return { v, line: false, what };
  }
  return { v: topSingularVector(M, spec.take === 'top-left-singular' ? 'left' : 'right', `angle: ${what}`), line: true, what };
}

export const angle = defineMetric({
  name: 'angle',
  summary:
    'angle between two directions a and b, each {layer (default "w"), at (final, initial, step1, decade), take, index}: take "all" (the layer’s entries as one vector, e.g. the predictor w), "row"/"column" index (from 0), or "top-left-singular"/"top-right-singular" (the layer’s top singular vector; its sign is arbitrary, so the angle is then between lines, in [0, π/2]; a trial error when σ₂ > (1 − 1e-8)σ₁). Defaults: a = w at initial, b = w at final. measure "angle" (radians, 2·atan2(‖â − b̂‖, ‖â + b̂‖), accurate near 0), "one-minus-cos" (‖â − b̂‖²/2) or "cos"; a trial error for a zero vector or different lengths',
  params: z.strictObject({
    a: direction.default({ layer: 'w', at: 'initial', take: 'all', index: 0 }),
    b: direction.default({ layer: 'w', at: 'final', take: 'all', index: 0 }),
    measure: z.enum(['angle', 'one-minus-cos', 'cos']).default('angle'),
  }),
  expressions: {},
  needs: (p) => ({ layers: [p.a.layer as LayerName, p.b.layer as LayerName] }),
  create: (p) => (s) => {
    const a = directionOf(s, p.a),
      b = directionOf(s, p.b);
    const lines = a.line || b.line;
    const what: [string, string] = [a.what, b.what];
    if (p.measure === 'angle') return angleBetween(a.v, b.v, lines, what);
    const omc = oneMinusCos(a.v, b.v, lines, what);
    return p.measure === 'cos' ? 1 - omc : omc;
  },
});

export const norm = defineMetric({
  name: 'norm',
  summary:
    'entrywise ℓp norm (Σ|x|^p)^{1/p} of a layer (default "w", the effective linear predictor: ‖w‖₁, ‖w‖₂, …); p ≥ 1 (default 2) or "inf" (max |x|); computed scaled by max |x| (no overflow). Its rounding error (θ moved by 100 ulp) counts against a verdict it decides',
  params: z.strictObject({ layer: z.string().default('w'), p: z.union([z.number().min(1), z.literal('inf')]).default(2), at }),
  expressions: {},
  needs: { layers: ['$layer'] },
  create: (p) =>
    resolvedMetric(
      (s) => thetaAt(s, p.at),
      (s, theta) => {
        const x = layerOf(s.model, theta, p.layer).data;
        let top = 0;
        for (const v of x) top = Math.max(top, Math.abs(v));
        if (p.p === 'inf' || top === 0 || !Number.isFinite(top)) return top;
        let sum = 0;
        for (const v of x) sum += (Math.abs(v) / top) ** p.p;
        return top * sum ** (1 / p.p);
      },
    ),
});
