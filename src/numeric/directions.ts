// Directions of linear predictors: the angle between two vectors (or two lines), and the hard-margin
// SVM direction through the origin that gradient descent on separable data approaches in direction
// (Soudry et al. 2018, JMLR, Thm 3), after an LP has checked that the data are separable.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { euclideanNorm, type Mat } from './linalg.js';

/** v/‖v‖; an error naming `what` for a zero (or non-finite) vector, which has no direction. */
export function unitVector(v: ArrayLike<number>, what: string): Float64Array {
  const n = euclideanNorm(v);
  if (!(n > 0 && Number.isFinite(n))) throw new Error(`${what} is ${n === 0 ? 'zero' : 'not finite'}, so it has no direction`);
  return Float64Array.from(v, (x) => x / n);
}

/** ‖â − b̂‖ and ‖â + b̂‖ of the unit vectors. */
function chords(a: ArrayLike<number>, b: ArrayLike<number>, what: [string, string]): [number, number] {
  if (a.length !== b.length) throw new Error(`${what[0]} has ${a.length} entries but ${what[1]} has ${b.length}`);
  const u = unitVector(a, what[0]),
    v = unitVector(b, what[1]);
  return [euclideanNorm(u.map((x, i) => x - v[i])), euclideanNorm(u.map((x, i) => x + v[i]))];
}

/**
 * The angle ∠(a, b) ∈ [0, π] as 2·atan2(‖â − b̂‖, ‖â + b̂‖), accurate near 0 and π (acos of the cosine
 * is not); `lines`: the angle between the lines spanned by a and b, in [0, π/2].
 */
export function angleBetween(a: ArrayLike<number>, b: ArrayLike<number>, lines = false, what: [string, string] = ['a', 'b']): number {
  const [minus, plus] = chords(a, b, what);
  const theta = 2 * Math.atan2(minus, plus);
  return lines ? Math.min(theta, Math.PI - theta) : theta;
}

/** 1 − cos ∠(a, b) = ‖â − b̂‖²/2 (no cancellation near 0); `lines`: 1 − |cos|. */
export function oneMinusCos(a: ArrayLike<number>, b: ArrayLike<number>, lines = false, what: [string, string] = ['a', 'b']): number {
  const [minus, plus] = chords(a, b, what);
  return Math.min(minus * minus, lines ? plus * plus : Infinity) / 2;
}

/** A relative gap σ₁ − σ₂ below which the top singular vector is not determined by the matrix. */
export const SINGULAR_GAP = 1e-8;

/** The top left or right singular vector of M (sign arbitrary: compare it as a line); an error when σ₁ = 0 or σ₂ > (1 − SINGULAR_GAP)·σ₁. */
export function topSingularVector(M: Mat, side: 'left' | 'right', what: string): Float64Array {
  const svd = new SingularValueDecomposition(Matrix.from1DArray(M.rows, M.cols, M.data), { autoTranspose: true });
  const s = svd.diagonal;
  const order = Array.from(s.keys()).sort((p, q) => s[q] - s[p]);
  const [s1, s2] = [s[order[0]] ?? 0, s[order[1]] ?? 0];
  if (!(s1 > 0)) throw new Error(`${what} is zero, so it has no top singular vector`);
  if (s2 > (1 - SINGULAR_GAP) * s1)
    throw new Error(`${what}: σ₂/σ₁ = ${s2 / s1}, so the top singular vector is not determined (relative gap below ${SINGULAR_GAP})`);
  return Float64Array.from((side === 'left' ? svd.leftSingularVectors : svd.rightSingularVectors).getColumn(order[0]));
}

/** Labels must be ±1 for the max-margin problem; an error naming the first other one. */
export function requireSignLabels(y: ArrayLike<number>, what: string): void {
  for (let i = 0; i < y.length; i++)
    if (y[i] !== 1 && y[i] !== -1)
      throw new Error(`${what}: the labels must be ±1 (row ${i + 1} has ${y[i]}); the max-margin problem is stated for y_i ∈ {−1, +1}`);
}
