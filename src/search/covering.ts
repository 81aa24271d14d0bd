// Covering designs over a claim's declared variables, run before any random trial, so a small grid is
// seen whole and a large space has every pair of levels of every two variables tried at least once.
//
// Levels. A variable's levels are all its values when its domain has at most `maxLevels` of them;
// otherwise `maxLevels` values at evenly spaced indices round(i·(n−1)/(m−1)), i = 0..m−1, which always
// include both ends of the domain. Values are computed by index (domainValue), never listed, so an int
// range of 10¹² values costs as little as a grid of 3.
//
// Strength, strongest that fits in `maxTrials` points:
//   all-combinations  the full factorial: Π_v L_v points.
//   pairwise          a strength-2 covering array CA(N; 2, k, (L_v)): every pair of levels of every two
//                     variables appears in some point. Built by the deterministic in-parameter-order greedy
//                     IPOG (Lei, Kacker, Kuhn, Okun & Lawrence 2007, "IPOG: a general strategy for t-way
//                     software testing"; the one-test-at-a-time greedy of AETG is Cohen, Dalal, Fredman &
//                     Patton 1997). N ≥ L₁·L₂ (the two largest level counts) and grows like L₁·L₂·log k:
//                     here 3⁵ → 14 points (optimum 11), 3¹³ → 21 (optimum 15), 2¹⁰ → 10 (optimum 6),
//                     4¹⁵ → 35, 10⁴ → 142 (optimum 100), 2·3·4·5·6·7 → 42 (bound 42), 64²·3 → 4096,
//                     64¹⁰ → 7824 (in about a second; the construction stops as soon as it passes maxTrials).
//   each-value        every level of every variable at least once: point i takes level i mod L_v of each
//                     variable, so max_v L_v points. When that exceeds maxTrials, the levels are re-spread to
//                     maxTrials per variable (both ends kept when maxTrials ≥ 2).
// Points never repeat, and the design depends on nothing but its input. Points carry the declared variables
// only: the caller gives each one its trial seed.
import { domainSize, domainValue, type Domain } from '../claims/schema.js';
import type { TrialValues } from './space.js';

export type CoveringStrength = 'all-combinations' | 'pairwise' | 'each-value';

export interface CoveringOptions {
  /** the most points the design may have (a positive integer) */
  maxTrials: number;
  /** the most levels per variable (≥ 2; default 64): larger domains are spread, both ends kept */
  maxLevels?: number;
}

export interface CoveringDesign {
  points: TrialValues[];
  strength: CoveringStrength;
  /** the levels (values) of each variable that the design covers, as `strength` promises */
  levels: Record<string, number[]>;
}

export const DEFAULT_MAX_LEVELS = 64;

/** At most m indices of 0..n−1, evenly spaced, both ends included when m ≥ 2 and n ≥ 2; all of them when n ≤ m. */
export function spreadIndices(n: number, m: number): number[] {
  if (n <= m) return Array.from({ length: n }, (_, i) => i);
  if (m <= 1) return [0];
  // the step (n−1)/(m−1) exceeds 1, so rounding keeps the indices strictly increasing
  return Array.from({ length: m }, (_, i) => Math.round((i * (n - 1)) / (m - 1)));
}

/** The levels of a domain: its values at spreadIndices(domainSize, maxLevels), duplicates (a grid listing a value twice) dropped. */
export function domainLevels(d: Domain, maxLevels = DEFAULT_MAX_LEVELS): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const i of spreadIndices(domainSize(d), maxLevels)) {
    const v = domainValue(d, i);
    if (!seen.has(v)) (seen.add(v), out.push(v));
  }
  return out;
}

/** Π counts, or Infinity as soon as it passes cap (no overflow, no huge loop). */
function productUpTo(counts: number[], cap: number): number {
  let p = 1;
  for (const c of counts) {
    p *= c;
    if (p > cap) return Infinity;
  }
  return p;
}

/** Every combination of level indices, the last variable varying fastest. */
function fullFactorial(counts: number[]): number[][] {
  const rows: number[][] = [];
  const row = counts.map(() => 0);
  if (counts.some((c) => c === 0)) return rows;
  for (;;) {
    rows.push(row.slice());
    let v = counts.length - 1;
    while (v >= 0 && ++row[v] === counts[v]) row[v--] = 0;
    if (v < 0) return rows;
  }
}

const DONT_CARE = -1;

/**
 * A strength-2 covering array over variables with the given level counts, by IPOG (Lei et al. 2007):
 * start from the full factorial of the first two variables (largest counts first), then add one variable
 * at a time: horizontal growth gives each existing row the level of the new variable that covers the most
 * still-uncovered pairs (ties: the level used least so far, then the smallest), vertical growth covers each remaining pair by filling a
 * don't-care of a row where one fits, else by adding a row. Remaining don't-cares become level 0,
 * and duplicate rows are dropped (a duplicate covers no pair its twin does not). Returns undefined as soon
 * as the array would exceed `cap` rows. Rows are indexed like `counts`.
 */
export function pairwiseArray(counts: number[], cap = Infinity): number[][] | undefined {
  const k = counts.length;
  if (k < 2) return fullFactorial(counts);
  // largest level counts first (IPOG's order): the first two give the lower bound L₁·L₂ exactly
  const order = counts.map((_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const c = order.map((i) => counts[i]);
  if (c[0] * c[1] > cap) return undefined;
  const rows: number[][] = [];
  for (let a = 0; a < c[0]; a++) for (let b = 0; b < c[1]; b++) rows.push([a, b, ...new Array<number>(k - 2).fill(DONT_CARE)]);
  for (let p = 2; p < k; p++) {
    // uncovered[q][x·c[p] + v]: the pair (q = x, p = v) is not covered yet
    const uncovered = Array.from({ length: p }, (_, q) => new Uint8Array(c[q] * c[p]).fill(1));
    let left = 0;
    for (let q = 0; q < p; q++) left += c[q] * c[p];
    const cover = (row: number[]) => {
      for (let q = 0; q < p; q++)
        if (row[q] !== DONT_CARE && row[p] !== DONT_CARE && uncovered[q][row[q] * c[p] + row[p]]) ((uncovered[q][row[q] * c[p] + row[p]] = 0), left--);
    };
    // horizontal growth
    const used = new Array<number>(c[p]).fill(0);
    for (const row of rows) {
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < c[p]; v++) {
        let gain = 0;
        for (let q = 0; q < p; q++) if (row[q] !== DONT_CARE && uncovered[q][row[q] * c[p] + v]) gain++;
        if (gain > bestGain || (gain === bestGain && used[v] < used[best])) ((best = v), (bestGain = gain));
      }
      row[p] = best;
      used[best]++;
      cover(row);
    }
    // vertical growth: rows that still have a don't-care (from this step or an earlier one), by their level of p
    const holes: number[][][] = Array.from({ length: c[p] }, () => []);
    for (const row of rows) if (row.includes(DONT_CARE)) holes[row[p]].push(row);
    for (let q = 0; q < p && left > 0; q++)
      for (let x = 0; x < c[q]; x++)
        for (let v = 0; v < c[p]; v++) {
          if (!uncovered[q][x * c[p] + v]) continue;
          let row = holes[v].find((r) => r[q] === DONT_CARE);
          if (!row) {
            if (rows.length >= cap) return undefined;
            row = new Array<number>(k).fill(DONT_CARE);
            row[p] = v;
            (rows.push(row), holes[v].push(row));
          }
          row[q] = x;
          cover(row);
        }
  }
  const seen = new Set<string>();
  const out: number[][] = [];
  for (const row of rows) {
    const filled = row.map((x) => (x === DONT_CARE ? 0 : x));
    const key = filled.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const back = new Array<number>(k);
    order.forEach((orig, j) => (back[orig] = filled[j]));
    out.push(back);
  }
  return out.length <= cap ? out : undefined;
}

/**
 * A covering design over the declared variables: every combination of their levels when that fits in
 * maxTrials, else a pairwise covering array (IPOG) when that fits, else each level of each variable once.
 * See the head of this file for the levels and the sizes. Deterministic; no point repeats.
 */
export function coveringDesign(space: Record<string, Domain>, opts: CoveringOptions): CoveringDesign {
  const { maxTrials } = opts;
  const maxLevels = opts.maxLevels ?? DEFAULT_MAX_LEVELS;
  if (!(Number.isInteger(maxTrials) && maxTrials >= 1)) throw new RangeError(`maxTrials must be a positive integer, not ${maxTrials}`);
  if (!(Number.isInteger(maxLevels) && maxLevels >= 2)) throw new RangeError(`maxLevels must be an integer ≥ 2, not ${maxLevels}`);
  const names = Object.keys(space).sort();
  let levels = names.map((n) => domainLevels(space[n], maxLevels));
  const counts = levels.map((l) => l.length);
  const design = (strength: CoveringStrength, rows: number[][]): CoveringDesign => ({
    strength,
    levels: Object.fromEntries(names.map((n, v) => [n, levels[v]])),
    points: rows.map((r) => Object.fromEntries(names.map((n, v) => [n, levels[v][r[v]]]))),
  });
  if (productUpTo(counts, maxTrials) <= maxTrials) return design('all-combinations', fullFactorial(counts));
  const pairs = names.length >= 2 ? pairwiseArray(counts, maxTrials) : undefined;
  if (pairs) return design('pairwise', pairs);
  if (Math.max(...counts) > maxTrials) levels = names.map((n) => domainLevels(space[n], Math.max(2, maxTrials)).slice(0, maxTrials));
  const n = Math.max(...levels.map((l) => l.length));
  return design(
    'each-value',
    Array.from({ length: n }, (_, i) => levels.map((l) => i % l.length)),
  );
}
