// Checking one claim: its symbolic steps, then its search, combined into one verdict that is
// compared with what the paper asserts (`expect`).
import { commandTarget, type ClaimLoad, type ValidationError } from './claims/load.js';
import { hypothesesOf, searchAtScale, type Claim, type HistogramSpec } from './claims/schema.js';
import { ablatedSpec, runAblation, type PremiseAblation } from './search/ablation.js';
import { runBoundary, type BoundaryResult } from './search/boundary.js';
import { runTrajectory, type TrajectoryResult } from './search/trajectory.js';
import { runSearch, type SearchResult } from './search/search.js';
import { charged, type TrialRunner, type WorkerTime } from './search/pool.js';
import type { StepResult } from './symbolic/check.js';

export type Verdict = 'holds' | 'refuted' | 'inconclusive' | 'unstable' | 'invalid';

export interface ClaimResult {
  id: string;
  file: string;
  paperKey: string;
  hash?: string;
  /** how a printed command (replay, ablate) names the claim: its id, or its file outside the built-in library */
  target?: string;
  claim?: Omit<Claim, 'symbolic' | 'search' | 'boundary' | 'trajectory' | 'histogram'>;
  searchSpec?: Claim['search'];
  expect?: Claim['expect'];
  verdict: Verdict;
  /** does our verdict agree with what the claim file says the paper asserts? */
  matches: boolean;
  reason: string;
  symbolic: StepResult[];
  search?: SearchResult;
  /** the hypothesis-boundary grid, when the claim declares one and it was run */
  boundary?: BoundaryResult & { plot?: { spec: unknown; file: string } };
  /** the trajectory plot's traces, when the claim declares one and it was run */
  trajectory?: TrajectoryResult;
  /** the histogram the claim declares, of its search's judged trials */
  histogram?: HistogramSpec & { plot?: { spec: unknown; file: string } };
  errors?: ValidationError[];
  /** with `--ablate`: the search re-run with each premise dropped in turn */
  ablation?: PremiseAblation[];
  /** with `--drop P`: the search ran without premise P (its verdict is then not the claim's) */
  dropped?: string;
  /** with `--seeds K`: the verdict under each run seed (the search above is the first seed's); the claim is `unstable` when they differ */
  stability?: Array<{ seed: number; verdict: Verdict; reason: string; replay?: string }>;
  ms: number;
  /** worker time of the claim's pool tasks (steps, trials, grids), in ms; `ms` is wall time, which also counts time queued behind other claims */
  workerMs?: number;
}

export interface CheckOptions {
  runner: TrialRunner;
  trials?: number;
  seed?: number;
  budgetMs?: number;
  /** run the claims' boundary grids and trajectory plots (default true) */
  boundary?: boolean;
  /** run each search at the authors' scale (its `full` section) */
  full?: boolean;
  /** run each search under this many consecutive run seeds and report a verdict that differs between them as `unstable` */
  seeds?: number;
  onProgress?: (done: number, total: number) => void;
  /** re-run each search with each premise dropped in turn (hypothesis ablation) */
  ablate?: boolean;
  /** run the search without this premise (one claim, diagnostics and replays of ablation witnesses) */
  drop?: string;
  /** the arithmetic of every trial (`--precision`), overriding each claim's search.precision */
  precision?: 'float64' | 'dd';
}

/** The search without premise `name`, or an error naming the claim's premises. */
export function withoutPremise(spec: NonNullable<Claim['search']>, name: string): NonNullable<Claim['search']> {
  const premises = hypothesesOf(spec).filter((h) => h.role === 'premise');
  if (!premises.some((h) => h.name === name))
    throw new Error(`--drop ${name}: not a premise of this claim's search (its premises: ${premises.map((h) => h.name).join(', ') || 'none'})`);
  return ablatedSpec(spec, name);
}

export function invalidResult(c: Extract<ClaimLoad, { ok: false }>): ClaimResult {
  return {
    id: c.id ?? c.file,
    file: c.file,
    paperKey: c.paperKey,
    verdict: 'invalid',
    matches: false,
    reason: `${c.errors.length} validation error(s)`,
    symbolic: [],
    errors: c.errors,
    ms: 0,
  };
}

/** Why a claim got its verdict, before it is put into words (`describeBasis`); `search` is the search's own reason. */
export type VerdictBasis =
  | { verdict: 'refuted'; search?: string; refutedSteps: string[] }
  | { verdict: 'inconclusive'; search?: string; uncheckedSteps: string[] }
  | { verdict: 'holds'; steps?: { verified: number; total: number }; search?: string };

export function verdictBasis(symbolic: StepResult[], search?: SearchResult): VerdictBasis {
  const refutedSteps = symbolic.filter((s) => s.verdict === 'refuted' || s.verdict === 'cas-fault').map((s) => s.id);
  const uncheckedSteps = symbolic.filter((s) => s.verdict === 'error').map((s) => s.id);
  if (search?.verdict === 'refuted' || refutedSteps.length)
    return { verdict: 'refuted', search: search?.verdict === 'refuted' ? search.reason : undefined, refutedSteps };
  if (search?.verdict === 'inconclusive' || uncheckedSteps.length)
    return { verdict: 'inconclusive', search: search?.verdict === 'inconclusive' ? search.reason : undefined, uncheckedSteps };
  const verified = symbolic.filter((s) => s.verdict === 'verified').length;
  return { verdict: 'holds', steps: symbolic.length ? { verified, total: symbolic.length } : undefined, search: search?.reason };
}

/** The verdict's reason in words (the report's text). */
export function describeBasis(b: VerdictBasis): string {
  const parts: string[] = [];
  if (b.verdict === 'refuted') {
    if (b.search !== undefined) parts.push(`search: ${b.search}`);
    if (b.refutedSteps.length) parts.push(`symbolic: ${b.refutedSteps.join(', ')} refuted`);
  } else if (b.verdict === 'inconclusive') {
    if (b.search !== undefined) parts.push(`search: ${b.search}`);
    if (b.uncheckedSteps.length) parts.push(`symbolic: ${b.uncheckedSteps.join(', ')} could not be checked`);
  } else {
    if (b.steps)
      parts.push(
        `${b.steps.verified}/${b.steps.total} symbolic step(s) verified${b.steps.verified < b.steps.total ? `, ${b.steps.total - b.steps.verified} numeric-only` : ''}`,
      );
    if (b.search !== undefined) parts.push(b.search);
  }
  return parts.join('; ');
}

export function combineVerdict(symbolic: StepResult[], search?: SearchResult): { verdict: Verdict; reason: string } {
  const b = verdictBasis(symbolic, search);
  return { verdict: b.verdict, reason: describeBasis(b) };
}

/** How the verdicts under several run seeds relate: one verdict, or which seeds gave which (in order of first appearance). */
export type Stability = { stable: true; seeds: number[] } | { stable: false; bySeed: Array<{ verdict: Verdict; seeds: number[] }> };

export function stabilityOf(runs: Array<{ seed: number; verdict: Verdict }>): Stability {
  const kinds = [...new Set(runs.map((x) => x.verdict))];
  if (kinds.length === 1) return { stable: true, seeds: runs.map((x) => x.seed) };
  return { stable: false, bySeed: kinds.map((verdict) => ({ verdict, seeds: runs.filter((x) => x.verdict === verdict).map((x) => x.seed) })) };
}

/** The reason of a verdict checked under several run seeds, given the first seed's reason. */
export function describeStability(s: Stability, reason: string): string {
  if (!s.stable) return `the verdict flips between run seeds: ${s.bySeed.map((k) => `${k.verdict} under ${k.seeds.join(', ')}`).join('; ')}`;
  return `${reason}; the same verdict under all ${s.seeds.length} run seeds ${s.seeds[0]}…${s.seeds.at(-1)!}`;
}

/** One claim checked; anything it throws (e.g. a RangeError of its own sizes) makes it `invalid` with the error, and the run goes on with the other claims. */
export async function checkClaim(loaded: Extract<ClaimLoad, { ok: true }>, o: CheckOptions): Promise<ClaimResult> {
  const t0 = performance.now();
  const worker: WorkerTime = { ms: 0 };
  try {
    const r = await charged(worker, () => checkLoadedClaim(loaded, o));
    return { ...r, workerMs: worker.ms };
  } catch (e) {
    const message = `the claim could not be checked: ${(e as Error)?.message ?? String(e)}`;
    return {
      ...invalidResult({
        ok: false,
        file: loaded.file,
        paperKey: loaded.paperKey,
        id: loaded.claim.id,
        errors: [{ file: loaded.file, line: 1, column: 1, path: '', message }],
      }),
      reason: message,
      expect: loaded.claim.expect,
      ms: performance.now() - t0,
    };
  }
}

async function checkLoadedClaim(loaded: Extract<ClaimLoad, { ok: true }>, o: CheckOptions): Promise<ClaimResult> {
  const t0 = performance.now();
  const { claim } = loaded;
  const baseSeed = o.seed ?? claim.search?.seed ?? 1;
  // the symbolic steps run on the workers alongside the search
  // only each step's result goes into the report (a not-checked step's result is an `error`)
  const symbolicDone = Promise.all(claim.symbolic.map(async (s, i) => (await o.runner.step(s, baseSeed + i)).result));
  const atScale = claim.search && searchAtScale(claim.search, !!o.full);
  const searchSpec = atScale && o.drop ? withoutPremise(atScale, o.drop) : atScale;
  const searchSeed = o.seed ?? searchSpec?.seed ?? 1;
  const full = !!o.full && !!claim.search?.full;
  const target = commandTarget(loaded.file, claim.id);
  // everything below is independent; the pool's slots keep every worker busy
  const [symbolic, search, extra, boundary, trajectory, ablation] = await Promise.all([
    symbolicDone,
    searchSpec
      ? runSearch(searchSpec, {
          claimId: claim.id,
          target,
          full,
          dropped: o.drop,
          runner: o.runner,
          trials: o.trials,
          seed: o.seed,
          budgetMs: o.budgetMs,
          collect: claim.histogram ? [claim.histogram.metric] : undefined,
          onProgress: o.onProgress,
          ...(o.precision ? { precision: o.precision } : {}),
        })
      : undefined,
    Promise.all(
      Array.from({ length: searchSpec ? (o.seeds ?? 1) - 1 : 0 }, (_, j) =>
        runSearch(searchSpec!, {
          claimId: claim.id,
          target,
          full,
          dropped: o.drop,
          runner: o.runner,
          trials: o.trials,
          seed: searchSeed + j + 1,
          budgetMs: o.budgetMs,
          ...(o.precision ? { precision: o.precision } : {}),
        }),
      ),
    ),
    claim.boundary && searchSpec && o.boundary !== false
      ? runBoundary(searchSpec, claim.boundary, o.runner, undefined, claim.id, o.precision ?? searchSpec.precision)
      : undefined,
    claim.trajectory && searchSpec && o.boundary !== false
      ? runTrajectory(searchSpec, claim.trajectory, o.runner, claim.id, o.precision ?? searchSpec.precision)
      : undefined,
    o.ablate && searchSpec && !o.drop && hypothesesOf(searchSpec).some((h) => h.role === 'premise')
      ? runAblation(searchSpec, { claimId: claim.id, target, full, runner: o.runner, trials: o.trials, seed: o.seed, budgetMs: o.budgetMs })
      : undefined,
  ]);
  let { verdict, reason } = combineVerdict(symbolic, search);
  if (o.drop) reason = `the search without its premise ${o.drop} (a diagnostic, not the claim's verdict): ${reason}`;
  let stability: ClaimResult['stability'];
  if (search && extra.length) {
    stability = [search, ...extra].map((x) => {
      const v = combineVerdict(symbolic, x);
      const replay = x.witness?.replay ?? (x.frequency && x.verdict === 'refuted' ? x.frequency.replay : undefined);
      return { seed: x.seed, verdict: v.verdict, reason: v.reason, ...(replay ? { replay } : {}) };
    });
    const s = stabilityOf(stability);
    if (!s.stable) verdict = 'unstable';
    reason = describeStability(s, reason);
  }
  const { symbolic: _s, search: _search, boundary: _b, trajectory: _t, histogram, ...meta } = claim;
  return {
    id: claim.id,
    file: loaded.file,
    paperKey: loaded.paperKey,
    hash: loaded.hash,
    target,
    claim: meta,
    searchSpec,
    expect: claim.expect,
    verdict,
    matches: verdict === claim.expect,
    reason,
    symbolic,
    search,
    boundary,
    trajectory,
    stability,
    ...(ablation ? { ablation } : {}),
    ...(o.drop ? { dropped: o.drop } : {}),
    histogram: histogram && search?.samples ? { ...histogram } : undefined,
    ms: performance.now() - t0,
  };
}
