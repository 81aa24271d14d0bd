// Targeted falsification: propose the next trials of a search so as to drive the robustness ρ (ρ < 0 iff the
// property fails, src/core/robustness.ts) below zero, in the spirit of targeted property-based testing
// (Löscher & Sagonas 2017, PropEr's targeted PBT; Hypothesis's target()). Two strategies behind one
// interface, so they can be compared on the same budget:
//
//   cross-entropy  Rubinstein's cross-entropy method for combinatorial optimisation (Rubinstein 1999; de Boer,
//                  Kroese, Mannor & Rubinstein 2005, "A tutorial on the cross-entropy method"), which Wagner 2021,
//                  "Constructions in combinatorics via neural networks", used to find counterexamples. Each
//                  variable has a categorical distribution p_v over bins of its value indices (one value per bin
//                  when the domain has at most maxBins values, else maxBins equal runs of indices, a value drawn
//                  uniformly within its run). Every `generation` observations, the elite, the ⌈eliteFraction ·
//                  generation⌉ lowest ρ among that generation and the previous elite, gives empirical bin
//                  frequencies f_v, and p_v ← (1 − floor)·((1 − α)·p_v + α·f_v) + floor/B_v (α = smoothing), so
//                  every bin keeps probability ≥ floor/B_v: no value dies.
//   hill-climb     neighbour moves from the best points (PropEr's targeted PBT searches by such moves): from one of
//                  the `beam` lowest-ρ points, move one variable to an adjacent index (half the time; else a jump of
//                  2^j indices, j uniform up to log₂ of its domain size), or redraw the trial seed; with chance
//                  `restart`, or when every move tried is already run, a uniform random point instead.
//
// Both spend a share `reseedFraction` of their proposals (hill-climb: of its moves) re-running low-ρ points with
// fresh trial seeds, since ρ depends on the seed through the random initialisation. Proposals within a batch are
// distinct and never in `alreadyRun` (by pointKey, which includes the seed); the declared values of a proposal
// are new whenever the guide can find new ones within a few draws. Everything comes from the seeded Rng: the
// same seed and the same sequence of propose/observe calls give the same proposals, on every machine.
import { domainSize, domainValue, type Domain } from '../claims/schema.js';
import { Rng } from '../numeric/rng.js';
import { domainIndex, SEED_MAX, type TrialValues } from './space.js';

export const GUIDE_STRATEGIES = ['cross-entropy', 'hill-climb'] as const;
export type GuideStrategy = (typeof GUIDE_STRATEGIES)[number];

export interface GuideOptions {
  /** categories per variable; a larger domain is split into this many runs of indices (default 64) */
  maxBins?: number;
  /** cross-entropy: observations per distribution update (default 40) */
  generation?: number;
  /** cross-entropy: share of a generation kept as the elite (default 0.2) */
  eliteFraction?: number;
  /** cross-entropy: α, weight of the elite frequencies in each update (default 0.7) */
  smoothing?: number;
  /** cross-entropy: probability mass spread evenly over each variable's bins at every update (default 0.05) */
  floor?: number;
  /** share of proposals (hill-climb: of moves) that re-run a low-ρ point with a fresh seed (default 0.1) */
  reseedFraction?: number;
  /** hill-climb: moves start from one of this many lowest-ρ points (default 4) */
  beam?: number;
  /** hill-climb: chance of a uniform random point instead of a move (default 0.1) */
  restart?: number;
}

export interface Guide {
  readonly strategy: GuideStrategy;
  /** At most k new points (fewer only when no distinct point is found within a bounded number of draws). */
  propose(k: number, alreadyRun: { has(key: string): boolean }): TrialValues[];
  /** The robustness of a trial that ran (undefined: no value: out of regime, diverged, error). Any point may be observed, proposed or not. */
  observe(values: TrialValues, rho: number | undefined): void;
  /** The lowest ρ observed so far and its point. */
  best(): { values: TrialValues; rho: number } | undefined;
}

/** A trial's identity: its values (seed included) in name order. */
export function pointKey(values: TrialValues): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k]}`)
    .join(',');
}

/** A trial's declared values without its seed (a trial that draws no random number is identified by them). */
export function varKey(values: TrialValues): string {
  const { seed: _seed, ...vars } = values;
  return pointKey(vars);
}

interface Variable {
  name: string;
  domain: Domain;
  size: number;
  bins: number;
}

interface Observation {
  values: TrialValues;
  /** value indices, in variable order */
  idx: number[];
  rho: number;
  order: number;
}

/** How many draws a proposal may take to find a point not run before. */
const TRIES = 32;

const byRho = (a: Observation, b: Observation) => a.rho - b.rho || a.order - b.order;

/** A guide over the space (seeded: deterministic for the same sequence of calls). */
export function createGuide(space: Record<string, Domain>, strategy: GuideStrategy, seed: number, opts: GuideOptions = {}): Guide {
  const maxBins = opts.maxBins ?? 64;
  const generation = opts.generation ?? 40;
  const eliteFraction = opts.eliteFraction ?? 0.2;
  const alpha = opts.smoothing ?? 0.7;
  const floor = opts.floor ?? 0.05;
  const reseedFraction = opts.reseedFraction ?? 0.1;
  const beam = opts.beam ?? 4;
  const restart = opts.restart ?? 0.1;
  if (!(Number.isInteger(maxBins) && maxBins >= 1)) throw new RangeError(`maxBins must be a positive integer, not ${maxBins}`);
  if (!(Number.isInteger(generation) && generation >= 1)) throw new RangeError(`generation must be a positive integer, not ${generation}`);
  for (const [name, x] of Object.entries({ eliteFraction, smoothing: alpha, floor, reseedFraction, restart }))
    if (!(x >= 0 && x <= 1)) throw new RangeError(`${name} must be in [0, 1], not ${x}`);
  if (!(eliteFraction > 0 && floor > 0)) throw new RangeError('eliteFraction and floor must be positive');
  if (!(Number.isInteger(beam) && beam >= 1)) throw new RangeError(`beam must be a positive integer, not ${beam}`);
  if (!GUIDE_STRATEGIES.includes(strategy)) throw new RangeError(`unknown strategy ${strategy}`);

  const rng = new Rng(seed);
  const vars: Variable[] = Object.keys(space)
    .sort()
    .map((name) => {
      const size = domainSize(space[name]);
      return { name, domain: space[name], size, bins: Math.min(size, maxBins) };
    });
  const below = (m: number) => Math.floor(rng.uniform() * m);
  // bin b of a variable holds indices [⌊b·n/B⌋, ⌊(b+1)·n/B⌋)
  const binStart = (v: Variable, b: number) => Math.floor((b * v.size) / v.bins);
  const binOf = (v: Variable, i: number) => Math.ceil(((i + 1) * v.bins) / v.size) - 1;
  const pointOf = (idx: number[], trialSeed: number): TrialValues => {
    const p: TrialValues = {};
    vars.forEach((v, j) => (p[v.name] = domainValue(v.domain, idx[j])));
    p.seed = trialSeed;
    return p;
  };

  let observed = 0;
  const seenVars = new Set<string>();
  let best: Observation | undefined;
  // the lowest-ρ observations, one per set of declared values, sorted by byRho (kept short: beam and elite seeds)
  const top: Observation[] = [];
  const eliteSize = Math.max(1, Math.ceil(eliteFraction * generation));
  const topSize = Math.max(beam, eliteSize);
  function remember(o: Observation): void {
    const key = varKey(o.values);
    const same = top.findIndex((t) => varKey(t.values) === key);
    if (same >= 0) {
      if (byRho(o, top[same]) >= 0) return;
      top.splice(same, 1);
    }
    let at = top.length;
    while (at > 0 && byRho(o, top[at - 1]) < 0) at--;
    if (at < topSize) (top.splice(at, 0, o), (top.length = Math.min(top.length, topSize)));
  }
  // cross-entropy state
  const probs = vars.map((v) => new Array<number>(v.bins).fill(1 / v.bins));
  let elite: Observation[] = [];
  let pending: Observation[] = [];
  let pendingCount = 0;
  let reseedCredit = 0;

  function update(): void {
    const pool = [...pending, ...elite].sort(byRho);
    pending = [];
    pendingCount = 0;
    if (pool.length === 0) return;
    elite = pool.slice(0, eliteSize);
    vars.forEach((v, j) => {
      const f = new Array<number>(v.bins).fill(0);
      for (const o of elite) f[binOf(v, o.idx[j])] += 1 / elite.length;
      probs[j] = probs[j].map((p, b) => (1 - floor) * ((1 - alpha) * p + alpha * f[b]) + floor / v.bins);
    });
  }

  function observe(values: TrialValues, rho: number | undefined): void {
    seenVars.add(varKey(values));
    if (strategy === 'cross-entropy') pendingCount++;
    const idx = vars.map((v) => (values[v.name] === undefined ? -1 : domainIndex(v.domain, values[v.name])));
    if (rho !== undefined && !Number.isNaN(rho) && idx.every((i) => i >= 0)) {
      // ±∞ ranks as the largest finite magnitude, so ρ differences stay numbers
      const o: Observation = { values: { ...values }, idx, rho: Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, rho)), order: observed };
      observed++;
      if (!best || o.rho < best.rho) best = o;
      remember(o);
      if (strategy === 'cross-entropy') pending.push(o);
    }
    if (strategy === 'cross-entropy' && pendingCount >= generation) update();
  }

  /** The lowest-ρ observations, at most n (≤ topSize), one per set of declared values. */
  const lowest = (n: number): Observation[] => top.slice(0, n);

  function propose(k: number, alreadyRun: { has(key: string): boolean }): TrialValues[] {
    if (!(Number.isInteger(k) && k >= 0)) throw new RangeError(`k must be a non-negative integer, not ${k}`);
    const out: TrialValues[] = [];
    const batch = new Set<string>();
    /** Adds the point at these indices with a fresh seed, unless no seed gives a new key within TRIES draws. */
    const add = (idx: number[]): boolean => {
      for (let t = 0; t < TRIES; t++) {
        const p = pointOf(idx, below(SEED_MAX + 1));
        const key = pointKey(p);
        if (alreadyRun.has(key) || batch.has(key)) continue;
        (batch.add(key), seenVars.add(varKey(p)), out.push(p));
        return true;
      }
      return false;
    };
    const fresh = (idx: number[]) => !seenVars.has(varKey(pointOf(idx, 0)));
    const uniform = () => vars.map((v) => below(v.size));
    const sampleCE = () =>
      vars.map((v, j) => {
        let u = rng.uniform();
        let b = 0;
        while (b < v.bins - 1 && (u -= probs[j][b]) >= 0) b++;
        const lo = binStart(v, b);
        return lo + below(binStart(v, b + 1) - lo);
      });
    /** The first of TRIES draws whose declared values are new, else the last draw. */
    const firstFresh = (draw: () => number[]) => {
      let idx = draw();
      for (let t = 1; t < TRIES && !fresh(idx); t++) idx = draw();
      return idx;
    };
    const movable = vars.map((v, j) => j).filter((j) => vars[j].size > 1);
    const move = (from: number[]): number[] => {
      if (movable.length === 0) return from;
      const j = movable[below(movable.length)];
      const n = vars[j].size;
      const step = rng.uniform() < 0.5 ? 1 : Math.pow(2, below(Math.floor(Math.log2(n)) + 1));
      const dir = rng.uniform() < 0.5 ? -1 : 1;
      let i = from[j] + dir * step;
      if (i < 0 || i >= n) i = from[j] - dir * step;
      const to = from.slice();
      to[j] = Math.min(n - 1, Math.max(0, i));
      return to;
    };

    const elites = elite.length > 0 ? elite : lowest(eliteSize);
    const bases = lowest(beam);
    let attempts = 0;
    while (out.length < k && attempts++ < k * TRIES) {
      if (strategy === 'cross-entropy') {
        reseedCredit += reseedFraction;
        if (reseedCredit >= 1 && elites.length > 0) {
          reseedCredit -= 1;
          add(elites[below(elites.length)].idx);
        } else add(firstFresh(sampleCE));
        continue;
      }
      if (bases.length === 0 || rng.uniform() < restart) {
        add(firstFresh(uniform));
        continue;
      }
      const base = bases[below(bases.length)].idx;
      if (rng.uniform() < reseedFraction) {
        add(base);
        continue;
      }
      let idx = move(base);
      for (let t = 1; t < TRIES && !fresh(idx); t++) idx = move(bases[below(bases.length)].idx);
      add(fresh(idx) ? idx : firstFresh(uniform));
    }
    return out;
  }

  return {
    strategy,
    propose,
    observe,
    best: () => (best ? { values: { ...best.values }, rho: best.rho } : undefined),
  };
}
