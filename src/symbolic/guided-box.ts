// The least margin of an inequality over its box, searched after the random points: Hooke–Jeeves
// pattern searches (coordinate moves with shrinking steps, then moves along the last improvement),
// kept in the box as the random points are, [lo, hi) per variable, from the lowest-margin random
// points and from a few fresh random points.
// Points outside the conditions (or where the margin is not a finite number) are rejected.
import type { Scope } from '../core/expr.js';
import type { Rng } from '../numeric/rng.js';

export interface MarginPoint {
  point: Scope;
  margin: number;
}

export interface LeastMarginSearch {
  box: Record<string, [number, number]>;
  /** the margin at p (negative: violated), or undefined where p is outside the conditions or the margin is not finite */
  margin: (p: Scope) => number | undefined;
  /** points already evaluated (the random points); the lowest ones are starts */
  evaluated: MarginPoint[];
  rng: Rng;
  /** margin evaluations to spend, rejected points included */
  budget: number;
  /** pattern searches from the lowest evaluated points */
  starts?: number;
  /** pattern searches from fresh random points of the box */
  restarts?: number;
}

export interface LeastMarginResult {
  evaluations: number;
  /** evaluations rejected: outside the conditions, or the margin not finite */
  rejected: number;
  /** the least margin this search evaluated (the evaluated points' own are not repeated here) */
  least?: MarginPoint;
}

export const GUIDED_BOX_DEFAULTS = { budget: 300, starts: 4, restarts: 2 } as const;
/** first coordinate step, as a fraction of each variable's range */
const FIRST_STEP = 0.1;
/** a pattern search stops when its steps fall below this fraction of every range */
const LAST_STEP = 1e-9;
/** draws allowed to find one fresh start inside the conditions */
const RESTART_DRAWS = 50;

export function searchLeastMargin(s: LeastMarginSearch): LeastMarginResult {
  const names = Object.keys(s.box);
  const lo = names.map((k) => s.box[k][0]);
  const hi = names.map((k) => s.box[k][1]);
  const range = names.map((_, i) => hi[i] - lo[i]);
  let evaluations = 0,
    rejected = 0;
  let least: MarginPoint | undefined;

  const toScope = (x: number[]): Scope => Object.fromEntries(names.map((k, i) => [k, x[i]]));
  const f = (x: number[]): number => {
    evaluations++;
    const point = toScope(x);
    const m = s.margin(point);
    if (m === undefined || !Number.isFinite(m)) {
      rejected++;
      return Infinity;
    }
    if (!least || m < least.margin) least = { point, margin: m };
    return m;
  };
  // the random points are drawn from [lo, hi): a guided point never reaches a closed upper end either
  const top = names.map((_, i) => (hi[i] > lo[i] ? floatBelow(hi[i]) : lo[i]));
  const clamp = (v: number, i: number) => Math.min(top[i], Math.max(lo[i], v));

  /** one sweep of coordinate moves around x; returns the best point found and its margin */
  const explore = (x: number[], fx: number, h: number[], stop: number): [number[], number] => {
    let best = x.slice(),
      fb = fx;
    for (let i = 0; i < names.length && evaluations < stop; i++) {
      for (const dir of [1, -1]) {
        const v = clamp(best[i] + dir * h[i], i);
        if (v === best[i] || evaluations >= stop) continue;
        const y = best.slice();
        y[i] = v;
        const fy = f(y);
        if (fy < fb) {
          best = y;
          fb = fy;
          break;
        }
      }
    }
    return [best, fb];
  };

  const patternSearch = (x0: number[], f0: number, stop: number) => {
    const h = range.map((r) => FIRST_STEP * r);
    let base = x0,
      fbase = f0;
    while (evaluations < stop && h.some((step, i) => step > LAST_STEP * range[i])) {
      let [x, fx] = explore(base, fbase, h, stop);
      if (fx < fbase) {
        // move along the improvement while it keeps improving
        while (evaluations < stop) {
          const p = x.map((v, i) => clamp(2 * v - base[i], i));
          base = x;
          fbase = fx;
          const [y, fy] = explore(p, f(p), h, stop);
          if (!(fy < fbase)) break;
          [x, fx] = [y, fy];
        }
      } else for (let i = 0; i < h.length; i++) h[i] /= 2;
    }
  };

  const starts = [...s.evaluated]
    .filter((e) => Number.isFinite(e.margin))
    .sort((a, b) => a.margin - b.margin)
    .slice(0, s.starts ?? GUIDED_BOX_DEFAULTS.starts);
  const restarts = s.restarts ?? GUIDED_BOX_DEFAULTS.restarts;
  const runs = starts.length + restarts;
  for (let r = 0; r < runs && evaluations < s.budget; r++) {
    // each run gets an equal share of what is left
    const stop = evaluations + Math.floor((s.budget - evaluations) / (runs - r));
    let x0: number[] | undefined,
      f0 = Infinity;
    if (r < starts.length) {
      x0 = names.map((k) => starts[r].point[k]);
      f0 = starts[r].margin;
    } else {
      for (let d = 0; d < RESTART_DRAWS && evaluations < stop && f0 === Infinity; d++) {
        x0 = names.map((_, i) => clamp(s.rng.uniformIn(lo[i], hi[i]), i));
        f0 = f(x0);
      }
    }
    if (x0 && f0 < Infinity) patternSearch(x0, f0, stop);
  }
  return { evaluations, rejected, least };
}

/** The largest float64 below x (x finite). */
export function floatBelow(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += x > 0 ? -1n : 1n;
  return new Float64Array(bits.buffer)[0];
}
