// Symbols of one layer at one point of a path, shared by the path-watching metric (path-extreme),
// trajectory plots and their claim-file validation.
import { ddDeterminant, ddMatRound, type DDMat, type PrecisePoint } from '../numeric/dd-model.js';
import { determinant, effectiveRankOf, frobeniusOf, nuclearOf, singularValues, spectralOf, type Mat } from '../numeric/linalg.js';
import { layerOf, type Model } from '../numeric/models.js';

/** The singular values' names s1…s9, and the entries' e11…e99 (1-based, by row). */
const S_NAMES = Array.from({ length: 9 }, (_, i) => `s${i + 1}`),
  E_NAMES = Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, j) => `e${i + 1}${j + 1}`));

/** Symbols of a layer along a path (path-extreme, trajectory plots): entries e11… (1-based, up to 9×9), singular values s1…, and summaries. */
export const PATH_SYMBOLS = ['loss', 'step', 'det', 'fro', 'nuc', 'spec', 'erank', ...S_NAMES, ...E_NAMES.flat()];
export const PATH_SYMBOLS_DOC =
  'loss (the objective), step (accepted steps so far; 0 at the start), det (square layers; NaN otherwise), fro, nuc, spec (= s1), erank (effective rank), singular values s1 ≥ s2 ≥ …, entries e11, e12, … (1-based)';

export function pathSymbols(m: Mat, loss: number, step: number): Record<string, number> {
  const sv = singularValues(m);
  const out: Record<string, number> = {
    loss,
    step,
    det: m.rows === m.cols ? determinant(m) : NaN,
    fro: frobeniusOf(sv),
    nuc: nuclearOf(sv),
    spec: spectralOf(sv),
    erank: effectiveRankOf(sv),
  };
  for (let i = 0; i < Math.min(sv.length, 9); i++) out[S_NAMES[i]] = sv[i];
  for (let i = 0; i < Math.min(m.rows, 9); i++) for (let j = 0; j < Math.min(m.cols, 9); j++) out[E_NAMES[i][j]] = m.data[i * m.cols + j];
  return out;
}

/** Steps of a path whose per-step decisions a run logs for comparison with another precision (the logs of longer paths stop there). */
export const PATH_LOG_STEPS = 250_000;

/** 2^-53: float64's unit roundoff. */
export const FLOAT64_UNIT = 2 ** -53;

/** The path symbols of a layer formed in double-double: det in double-double, and for a square layer whose other singular values are clear of rounding the smallest one as |det|/Π(the others), both then rounded; the rest from the rounded matrix. */
export function precisePathSymbols(m: DDMat, loss: number, step: number): Record<string, number> {
  const out = pathSymbols(ddMatRound(m), loss, step);
  if (m.rows !== m.cols) return out;
  const det = ddDeterminant(m);
  out.det = det.hi + det.lo;
  const n = m.rows;
  if (n >= 2 && n <= 9) {
    let others = 1;
    for (let i = 1; i < n; i++) others *= out[`s${i}`];
    if (out[`s${n - 1}`] > 1e-8 * out.s1 && others > 0) out[`s${n}`] = Math.abs(out.det) / others;
  }
  return out;
}

/**
 * The symbols of layer `name` at one point of a path, and the unit roundoff they were computed with:
 * from θ in float64, or from the double-double point a double-double run passes.
 */
export function symbolsAt(
  model: Model,
  theta: Float64Array,
  name: string,
  loss: () => number,
  step: number,
  point?: PrecisePoint,
): { symbols: Record<string, number>; unit: number } {
  if (!point) return { symbols: pathSymbols(layerOf(model, theta, name), loss(), step), unit: FLOAT64_UNIT };
  const layers = point.layers();
  if (!Object.hasOwn(layers, name)) layerOf(model, theta, name, {}); // the float64 model's error naming the missing layer
  return { symbols: precisePathSymbols(layers[name], point.loss.hi + point.loss.lo, step), unit: point.unit };
}

/**
 * Rounding-level perturbations of path symbols: the symbols shifted up and down by a bound on their
 * rounding error at unit roundoff u — det by 100u·fro^n (n×n), every singular value but the first by
 * 100u·s1, the loss by (100u)²·max(1, fro²). `unresolved` names the symbols that lie inside their own
 * band (their size is not resolved at all). A decision (when, until) that differs between the
 * perturbations while a symbol it reads is unresolved was made by a difference smaller than its
 * rounding error; a resolved value merely near a threshold is not.
 */
export function roundingPerturbations(
  sym: Record<string, number>,
  unit: number,
): {
  /** writes the symbols `names` of the two variants (those of them that sym has) into up and down */
  fillVariants: (names: readonly string[], up: Record<string, number>, down: Record<string, number>) => void;
  unresolved: Set<string>;
} {
  const k = 100 * unit;
  const unresolved = new Set<string>();
  const shifts: Array<[string, number, number]> = [];
  const shift = (name: string, d: number, floor = -Infinity) => {
    shifts.push([name, d, floor]);
    if (Math.abs(sym[name]) < d) unresolved.add(name);
  };
  const fro = sym.fro;
  if (Number.isFinite(sym.det)) {
    let n = 0;
    while (Number.isFinite(sym[`s${n + 1}`]) && n < 9) n++;
    shift('det', k * fro ** n);
  }
  for (let i = 2; i <= 9 && sym[`s${i}`] !== undefined; i++) shift(`s${i}`, k * sym.s1, 0);
  shift('loss', k * k * Math.max(1, fro * fro), 0);
  const fillVariants = (names: readonly string[], up: Record<string, number>, down: Record<string, number>) => {
    for (const name of names) if (Object.hasOwn(sym, name)) up[name] = down[name] = sym[name];
    for (const [name, d, floor] of shifts)
      if (names.includes(name)) {
        up[name] = sym[name] + d;
        down[name] = Math.max(floor, sym[name] - d);
      }
  };
  return { fillVariants, unresolved };
}
