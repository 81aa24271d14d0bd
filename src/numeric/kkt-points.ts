// Constructing KKT points of the max-margin problem (P) of a two-layer leaky-ReLU net with a fixed
// output layer a (Frei et al. note §1): for a fixed activation pattern and support, the KKT
// conditions are linear in the multipliers λ, so each (pattern, support) is one LP (HiGHS).
import { mat, singularValues, type Mat } from './linalg.js';
import { highs } from './lp.js';
import { kktResidual } from './maxmargin.js';
import type { Rng } from './rng.js';

/** Where ⟨w_j, x_i⟩ sits: below the kink (≤ 0, φ′ = γ), above it (≥ 0, φ′ = 1), or on it (= 0, φ′ ∈ [γ, 1] free). */
export const BELOW = 0,
  ABOVE = 1,
  KINK = 2;

/** A candidate: state[j·n + i] ∈ {BELOW, ABOVE, KINK}; support[i]: λ_i > 0 (then y_i f(x_i) = 1; off it λ_i = 0 and y_i f(x_i) ≥ 1). */
export interface Pattern {
  state: Uint8Array;
  support: Uint8Array;
}

export interface KktPoint {
  lambda: Float64Array;
  /** W = [a_j Σ_i y_i μ_ji x_i]_j, m × d, μ_ji = φ′_ji λ_i */
  W: Mat;
}

const fmt = (c: number): string => (c >= 0 ? `+ ${c}` : `- ${-c}`);

interface LpOutcome {
  lambda: Float64Array;
  W: Mat;
  /** the LP objective: t (exact) or the total slack (phase 1) */
  objective: number;
}

/**
 * The LP of a pattern. Stationarity w_j = a_j Σ_i y_i μ_ji x_i is linear in the multipliers:
 * μ_ji = λ_i above the kink, γλ_i below, a variable in [γλ_i, λ_i] on it. The pre-activations must
 * match the pattern (≥ 0, ≤ 0, = 0; a zero off the kink is allowed, φ′ ∈ [γ, 1] admits either
 * value there), y_i f(x_i) = 1 on the support and ≥ 1 off it. exact: maximize t ≤ λ_i on the
 * support. phase1: every condition gets a slack, minimize their sum (0 iff the pattern is feasible).
 */
function solvePattern(X: Mat, y: Float64Array, a: ArrayLike<number>, gamma: number, pat: Pattern, mode: 'exact' | 'phase1'): LpOutcome | undefined {
  const n = X.rows,
    d = X.cols,
    m = a.length;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += X.data[i * d + c] * X.data[k * d + c];
      G[i * n + k] = s;
    }
  const S = Array.from({ length: n }, (_, i) => i).filter((i) => pat.support[i]);
  if (S.length === 0) return undefined;
  let gmax = 0;
  for (let i = 0; i < n; i++) gmax = Math.max(gmax, G[i * n + i]);
  // μ_ji as (coefficient, variable)
  const mu = (j: number, i: number): [number, string] => {
    const st = pat.state[j * n + i];
    return st === ABOVE ? [1, `l${i}`] : st === BELOW ? [gamma, `l${i}`] : [1, `u${j}_${i}`];
  };
  // z_jk = a_j Σ_{i∈S} y_i μ_ji G_ik, scaled by 1/gmax
  const zTerms = (j: number, k: number, scale: number): string[] =>
    S.map((i) => {
      const [c, v] = mu(j, i);
      return `${fmt((scale * c * a[j] * y[i] * G[i * n + k]) / gmax)} ${v}`;
    });
  const slacks: string[] = [];
  const slack = (name: string, rel: string): string => {
    if (mode === 'exact') return '';
    if (rel === '=') {
      slacks.push(`p${name}`, `n${name}`);
      return ` + p${name} - n${name}`;
    }
    slacks.push(`p${name}`);
    return rel === '>=' ? ` + p${name}` : ` - p${name}`;
  };
  const body: string[] = [];
  for (let j = 0; j < m; j++)
    for (let k = 0; k < n; k++) {
      const st = pat.state[j * n + k];
      const rel = st === ABOVE ? '>=' : st === BELOW ? '<=' : '=';
      body.push(` c${j}_${k}: ${zTerms(j, k, 1).join(' ')}${slack(`c${j}_${k}`, rel)} ${rel} 0`);
    }
  // y_k f(x_k) = y_k Σ_j a_j φ′_jk z_jk (kink entries contribute φ(0) = 0)
  for (let k = 0; k < n; k++) {
    const terms: string[] = [];
    for (let j = 0; j < m; j++) {
      const st = pat.state[j * n + k];
      if (st === KINK) continue;
      terms.push(...zTerms(j, k, gmax * y[k] * a[j] * (st === ABOVE ? 1 : gamma)));
    }
    if (terms.length === 0) terms.push('+ 0 t');
    const rel = pat.support[k] ? '=' : '>=';
    body.push(` q${k}: ${terms.join(' ')}${slack(`q${k}`, rel)} ${rel} 1`);
  }
  if (mode === 'exact') for (const i of S) body.push(` s${i}: l${i} - t >= 0`);
  for (let j = 0; j < m; j++)
    for (const i of S) if (pat.state[j * n + i] === KINK) body.push(` ka${j}_${i}: u${j}_${i} - l${i} <= 0`, ` kb${j}_${i}: u${j}_${i} - ${gamma} l${i} >= 0`);
  const head = mode === 'exact' ? ['Maximize', ' obj: t'] : ['Minimize', ` obj: ${slacks.join(' + ')}`];
  const bounds = mode === 'exact' ? [` 0 <= t <= ${1e6 / gmax}`] : [' t = 0'];
  const lines = [...head, 'Subject To', ...body, 'Bounds', ...bounds, ...S.map((i) => ` l${i} >= 0`), 'End'];
  const r = highs.solve(lines.join('\n'));
  if (r.Status !== 'Optimal') return undefined;
  const val = (v: string): number => r.Columns[v]?.Primal ?? 0;
  const lambda = new Float64Array(n);
  for (const i of S) lambda[i] = Math.max(0, val(`l${i}`));
  const W = mat(m, d);
  for (let j = 0; j < m; j++)
    for (const i of S) {
      const [c, v] = mu(j, i);
      const w = a[j] * y[i] * c * (v.startsWith('l') ? lambda[i] : val(v));
      for (let k = 0; k < d; k++) W.data[j * d + k] += w * X.data[i * d + k];
    }
  return { lambda, W, objective: mode === 'exact' ? val('t') : r.ObjectiveValue };
}

/** The KKT point of (P) with this pattern and exactly this support (λ in the relative interior), if one exists: undefined when infeasible or when min λ on the support is below minSupport · max λ. */
export function kktPointForPattern(X: Mat, y: Float64Array, a: ArrayLike<number>, gamma: number, pat: Pattern, minSupport = 1e-6): KktPoint | undefined {
  const r = solvePattern(X, y, a, gamma, pat, 'exact');
  if (!r) return undefined;
  const lmax = r.lambda.reduce((u, v) => Math.max(u, v), 0);
  return lmax > 0 && r.objective >= minSupport * lmax ? { lambda: r.lambda, W: r.W } : undefined;
}

/**
 * Repair a pattern toward a feasible one: solve its phase-1 LP, read the pattern the least-violating
 * multipliers induce (|cos ∠(w_j, x_i)| < kinkCos → KINK; support: λ_i > 1e-6 max λ), repeat.
 */
export function repairPattern(X: Mat, y: Float64Array, a: ArrayLike<number>, gamma: number, pat: Pattern, rounds: number, kinkCos = 1e-3): Pattern {
  const n = X.rows,
    d = X.cols,
    m = a.length;
  let cur = pat;
  for (let r = 0; r < rounds; r++) {
    const out = solvePattern(X, y, a, gamma, cur, 'phase1');
    if (!out || out.objective <= 1e-12) return cur;
    const lmax = out.lambda.reduce((u, v) => Math.max(u, v), 0);
    const support = Uint8Array.from(out.lambda, (l) => (l > 1e-6 * lmax ? 1 : 0));
    if (!support.some((v) => v)) return cur;
    const state = new Uint8Array(m * n);
    for (let j = 0; j < m; j++) {
      let wn = 0;
      for (let k = 0; k < d; k++) wn += out.W.data[j * d + k] ** 2;
      for (let i = 0; i < n; i++) {
        let s = 0,
          xn = 0;
        for (let k = 0; k < d; k++) {
          s += out.W.data[j * d + k] * X.data[i * d + k];
          xn += X.data[i * d + k] ** 2;
        }
        const c = s / (Math.sqrt(wn * xn) || 1);
        state[j * n + i] = Math.abs(c) < kinkCos ? KINK : c > 0 ? ABOVE : BELOW;
      }
    }
    cur = { state, support };
  }
  return cur;
}

/** φ′ pattern sign⟨w_j, x_i⟩ = sign(a_j y_i), the one of the L1 structure (rank ≤ 2). */
export function alignedPattern(a: ArrayLike<number>, y: Float64Array): Uint8Array {
  const n = y.length;
  return Uint8Array.from({ length: a.length * n }, (_, t) => (a[Math.floor(t / n)] * y[t % n] > 0 ? 1 : 0));
}

/** The pattern a first layer induces on the data: ABOVE iff ⟨w_j, x_i⟩ ≥ 0, else BELOW. */
export function inducedPattern(W: Mat, X: Mat): Uint8Array {
  const m = W.rows,
    n = X.rows,
    d = X.cols;
  const out = new Uint8Array(m * n);
  for (let j = 0; j < m; j++)
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += W.data[j * d + k] * X.data[i * d + k];
      out[j * n + i] = s >= 0 ? ABOVE : BELOW;
    }
  return out;
}

export type PatternKind = 'aligned' | 'flipped' | 'kinked' | 'random' | 'induced';
export const PATTERN_KINDS: readonly PatternKind[] = ['aligned', 'flipped', 'kinked', 'random', 'induced'];

/**
 * One candidate of the given kind. aligned: sign(a_j y_i) (the first aligned candidate of a search
 * is exactly that, full support, no kinks). flipped: aligned with each entry flipped with
 * probability 0.02, 0.1 or 0.3. kinked: aligned with each BELOW entry put on the kink with probability 1
 * (half the draws) or U(0, 1), then 0–3 ABOVE entries turned BELOW, full support in half the draws
 * (the shape of the kink-heavy KKT points gradient flow reaches at small κ; one turned entry gives rank 3 there). random: uniform ABOVE/BELOW. induced: the pattern that a random
 * λ′ ≥ 0 on the support and a random pattern induce through stationarity, iterated three times.
 * Then (all kinds but kinked) each entry becomes KINK with probability 0 (one draw in three) or U(0, 0.6), and each point
 * leaves the support with probability 0 (one in three) or U(0, 0.7), at least one staying.
 */
export function samplePattern(kind: PatternKind, X: Mat, y: Float64Array, a: ArrayLike<number>, gamma: number, rng: Rng, plain = false): Pattern {
  const n = y.length,
    m = a.length,
    d = X.cols;
  const support = new Uint8Array(n).fill(1);
  const rate = (max: number): number => (plain || rng.uniform() < 1 / 3 ? 0 : rng.uniformIn(0, max));
  const drop = rate(0.7);
  for (let i = 0; i < n; i++) support[i] = rng.uniform() < drop ? 0 : 1;
  if (!support.some((v) => v)) support[Math.floor(rng.uniform() * n)] = 1;
  let state: Uint8Array;
  if (kind === 'aligned' || kind === 'flipped') {
    state = alignedPattern(a, y);
    if (kind === 'flipped') {
      const p = [0.02, 0.1, 0.3][Math.floor(rng.uniform() * 3)];
      for (let t = 0; t < state.length; t++) if (rng.uniform() < p) state[t] ^= 1;
    }
  } else if (kind === 'kinked') {
    state = alignedPattern(a, y);
    if (rng.uniform() < 0.5) support.fill(1);
    const pk = rng.uniform() < 0.5 ? 1 : rng.uniform();
    for (let t = 0; t < state.length; t++) if (state[t] === BELOW && rng.uniform() < pk) state[t] = KINK;
    const above = Array.from(state.keys()).filter((t) => state[t] === ABOVE);
    const flips = Math.floor(rng.uniform() * 4);
    for (let f = 0; f < flips && above.length > 0; f++) state[above[Math.floor(rng.uniform() * above.length)]] = BELOW;
    return { state, support };
  } else {
    state = Uint8Array.from({ length: m * n }, () => (rng.uniform() < 0.5 ? ABOVE : BELOW));
    if (kind === 'induced') {
      const lam = Float64Array.from({ length: n }, (_, i) => (support[i] ? rng.uniform() : 0));
      for (let it = 0; it < 3; it++) {
        const W = mat(m, d);
        for (let j = 0; j < m; j++)
          for (let i = 0; i < n; i++) {
            const c = a[j] * lam[i] * y[i] * (state[j * n + i] === ABOVE ? 1 : gamma);
            for (let k = 0; k < d; k++) W.data[j * d + k] += c * X.data[i * d + k];
          }
        state = inducedPattern(W, X);
      }
    }
  }
  const kink = rate(0.6);
  for (let t = 0; t < state.length; t++) if (rng.uniform() < kink) state[t] = KINK;
  return { state, support };
}

export interface KktSearchResult {
  tried: number;
  /** candidates whose LP gave a KKT point that kktResidual confirms */
  feasible: number;
  /** LP-feasible candidates that kktResidual rejects (residual or slackness above tol) */
  unconfirmed: number;
  /** distinct confirmed points (‖W − W′‖_F > 1e-6 ‖W‖_F) */
  distinct: number;
  /** max over confirmed points of σ₃/σ₁ of W */
  maxSv3: number;
  /** max over confirmed points of the numerical rank of W (singular values above 1e-9 σ₁) */
  maxRank: number;
  /** max kktResidual residual over confirmed points */
  maxResidual: number;
  /** the confirmed point with the largest σ₃/σ₁ */
  witness?: KktPoint;
}

/**
 * Try the aligned pattern and `perKind` candidates of each kind; build each KKT point by LP and
 * confirm it with kktResidual (residual and slackness ≤ tol; kink cosine eps).
 */
export function searchKktPoints(
  X: Mat,
  y: Float64Array,
  a: ArrayLike<number>,
  gamma: number,
  rng: Rng,
  perKind: number,
  kinds: readonly PatternKind[] = ['flipped', 'kinked', 'random', 'induced'],
  repairRounds = 0,
  tol = 1e-6,
  eps = 1e-6,
): KktSearchResult {
  const res: KktSearchResult = { tried: 0, feasible: 0, unconfirmed: 0, distinct: 0, maxSv3: 0, maxRank: 0, maxResidual: 0 };
  const seen: Mat[] = [];
  const candidates: Pattern[] = [samplePattern('aligned', X, y, a, gamma, rng, true)];
  for (const kind of kinds) for (let r = 0; r < perKind; r++) candidates.push(samplePattern(kind, X, y, a, gamma, rng));
  for (const pat of candidates) {
    res.tried++;
    const pt = kktPointForPattern(X, y, a, gamma, repairRounds > 0 ? repairPattern(X, y, a, gamma, pat, repairRounds) : pat);
    if (!pt) continue;
    const k = kktResidual(pt.W, a, X, y, gamma, eps);
    if (!(k.residual <= tol && k.slackness <= tol)) {
      res.unconfirmed++;
      continue;
    }
    res.feasible++;
    res.maxResidual = Math.max(res.maxResidual, k.residual);
    const s = singularValues(pt.W);
    const sv3 = s.length >= 3 && s[0] > 0 ? s[2] / s[0] : 0;
    res.maxRank = Math.max(res.maxRank, s.filter((v) => v > 1e-9 * s[0]).length);
    if (sv3 >= res.maxSv3) {
      res.maxSv3 = sv3;
      res.witness = pt;
    }
    const norm = Math.hypot(...pt.W.data);
    if (!seen.some((V) => Math.hypot(...V.data.map((v, t) => v - pt.W.data[t])) <= 1e-6 * norm)) seen.push(pt.W);
  }
  res.distinct = seen.length;
  return res;
}
