// Symbols of one layer at one point of a path, shared by the path-watching metric (path-extreme),
// trajectory plots and their claim-file validation.
import { determinant, effectiveRankOf, frobeniusOf, nuclearOf, singularValues, spectralOf, type Mat } from '../numeric/linalg.js';

/** Symbols of a layer along a path (path-extreme, trajectory plots): entries e11… (1-based, up to 9×9), singular values s1…, and summaries. */
export const PATH_SYMBOLS = [
  'loss',
  'step',
  'det',
  'fro',
  'nuc',
  'spec',
  'erank',
  ...Array.from({ length: 9 }, (_, i) => `s${i + 1}`),
  ...Array.from({ length: 81 }, (_, k) => `e${Math.floor(k / 9) + 1}${(k % 9) + 1}`),
];
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
  sv.slice(0, 9).forEach((x, i) => (out[`s${i + 1}`] = x));
  for (let i = 0; i < Math.min(m.rows, 9); i++) for (let j = 0; j < Math.min(m.cols, 9); j++) out[`e${i + 1}${j + 1}`] = m.data[i * m.cols + j];
  return out;
}
