// The falsification search: a covering design over the declared variables, distinct random trials
// drawn by fast-check (seeded), then a guided phase that minimizes the property's robustness; the
// trials run on the pool; the first counterexample is shrunk with fast-check and re-checked (each
// block's stricter settings, the final inequality in 64-digit arithmetic) before it is called
// genuine. The evidence of a "holds" (distinct computations, coverage, failure-rate bound, tightness,
// vacuity) is computed here; ablation.ts re-runs it without each premise.
import fc from 'fast-check';
import { runsWholePath } from '../claims/early-decision.js';
import { planSearch } from '../claims/plan.js';
import { GUIDED_BATCH, guidedTrialCount, type SearchSpec } from '../claims/schema.js';
import { evaluateBig } from '../symbolic/cas.js';
import { describeFrequency, judgeFrequency, type FrequencyResult } from './frequency.js';
import { charged, type TrialRunner, type WorkerTime } from './pool.js';
import type { CoveringStrength } from './covering.js';
import { createGuide, pointKey, varKey } from './guided.js';
import { failureRateBound, planTrials, variableCoverage, type PlannedTrial, type TrialPhase, type VariableCoverage } from './phases.js';
import { domainSize, domainValue, spaceArbitrary, type TrialValues } from './space.js';
import { batchesTrials, type PrecisionParting, type TrialOptions, type TrialResult, type TrialStatus } from './trial.js';

export type SearchVerdict = 'holds' | 'refuted' | 'inconclusive';

export interface Witness {
  values: TrialValues;
  /** fast-check run seed and path: together they name this exact trial (random phase; a covering or guided witness is replayed by its values) */
  seed: number;
  path?: string;
  /** the phase that found the first failing trial */
  phase: TrialPhase;
  numShrinks: number;
  /** the first failing trial, before shrinking */
  original: { values: TrialValues; path?: string };
  result: TrialResult;
  /** the stricter re-run (discretization), the 64-digit final inequality, and the re-run in double-double along the same steps (rounding) */
  recheck: { result: TrialResult; bigNumberProperty?: string; note: string; precise?: TrialResult; preciseNote?: string };
  /** genuine: neither discretization nor rounding explains it; potential: one of them could not be ruled out; imprecise: double-double does not fail where float64 did (rounding explains it) */
  status: 'genuine' | 'potential' | 'imprecise';
  replay: string;
}

export interface SearchResult {
  seed: number;
  trialsRequested: number;
  /** trials judged: a contiguous prefix of the seed's sequence (up to the first failure, the budget, or the end) */
  trialsRun: number;
  counts: Record<TrialStatus, number>;
  /** for out-of-regime trials: how many failed each hypothesis */
  outOfRegimeBy: Record<string, number>;
  minInRegime: number;
  verdict: SearchVerdict;
  reason: string;
  witness?: Witness;
  /** up to 10 trials that diverged, timed out or threw, with their parameters */
  problems: TrialResult[];
  /** up to 10 imprecise trials (the arithmetic could not decide them), with why and a replay command */
  imprecise?: Array<{ values: TrialValues; message?: string; replay: string; part?: PrecisionParting }>;
  /** how strong a "holds" is: distinct in-regime trials, coverage, the failure-rate bound, the tightest trial */
  evidence: Evidence;
  space: Record<string, { size: number; first: number; last: number }>;
  spaceSize: number;
  budgetExhausted: boolean;
  /** for a frequency claim: how often the event held, with its interval and the claimed bound */
  frequency?: FrequencyResult;
  /** per judged trial, its status and the values of the collected metrics (for histograms) */
  samples?: Array<{ status: TrialStatus; values: Record<string, number | null> }>;
  /** judged trials run (not reused) per second of worker time, the whole search's (shrinking included); on the calling thread, per second of wall time */
  trialsPerSecond: number;
  /** the worker time of the search's pool tasks, in ms (wall time `ms` also counts time queued behind other claims' tasks) */
  workerMs?: number;
  /** judged trials answered from the trial journal instead of run (their time is not in ms) */
  reusedTrials: number;
  ms: number;
}

export interface Evidence {
  /** distinct in-regime computations (no trial runs twice; trials that draw no random number and differ only in seed count once) */
  inRegime: number;
  /** of those, the random phase's: the n of the failure-rate bound */
  randomInRegime: number;
  /** 95 % upper bound on the chance that a trial drawn as the random phase draws them is a counterexample (1 − 0.05^{1/n}, n = its distinct passing trials) */
  failureRateBound: number;
  /** judged trials that repeated an earlier computation (they drew no random number, so their seed did not matter) */
  repeated?: number;
  /** judged trials per phase: covering design, random (fast-check), guided */
  phases: Record<TrialPhase, number>;
  /** what the covering design promised over the declared variables */
  design?: CoveringStrength;
  /** which values of each declared variable ran in regime */
  coverage: Record<string, VariableCoverage>;
  /** set when the property looks unable to fail in this space (the vacuity check): why */
  vacuous?: string;
  /** the passing trial with the smallest robustness ρ, with the sides of its deciding comparison: a bound moved by |lhs − rhs| would have failed there */
  tightness?: {
    rho: number;
    values: TrialValues;
    /** the deciding comparison of the property at that trial */
    sides?: { lhs: number; op: string; rhs: number; conjunct?: string };
    trial: number;
    phase: TrialPhase;
    replay: string;
    trace: Array<{ trial: number; rho: number }>;
  };
  /** per path-watching metric with a stop condition or a required loss: how much of the path its watch saw, over the judged in-regime trials */
  watch?: Record<string, WatchSummary>;
  /** the arithmetic of the trials (absent in reports before it was recorded: float64) */
  precision?: 'float64' | 'double-double';
  /** judged trials that early decision (search.early_decision) stopped before the end of their run */
  stoppedEarly?: number;
}

/** How much of the path one watching metric saw, over the judged trials (pass, fail and imprecise). */
export interface WatchSummary {
  trials: number;
  /** smallest fraction of a trial's steps the watch saw before it stopped (`until`) */
  minFraction: number;
  /** trials whose watch stopped before the run ended, and the highest loss at which one stopped */
  stopped: number;
  highestStopLoss?: number;
  /** the lowest loss every trial's watch reached (the highest of the per-trial lowest losses) */
  reachedLoss?: number;
  /** watched_to_loss, when set */
  required?: number;
}

/**
 * The vacuity check: a property that cannot fail in the declared space is no evidence. Flagged when,
 * over at least 3 passing trials, both sides of its deciding comparison are the same in every trial
 * (it does not depend on the space), or its relative margin never falls below ½ (it never came within
 * a factor of 3 of failing). A sign property (one side 0 in every trial) has margin 1 whenever it
 * holds, so only the first test applies to it.
 */
export function vacuityReason(results: TrialResult[]): string | undefined {
  const passing = results.filter((r) => r.status === 'pass' && r.property?.robustness !== undefined);
  if (passing.length < 3) return undefined;
  const rhos = passing.map((r) => r.property!.robustness!);
  const rhoConstant = rhos.every((x) => Math.abs(x - rhos[0]) <= 1e-12 * Math.max(1, Math.abs(rhos[0])));
  const withSides = passing.filter((r) => r.property!.lhs !== undefined && r.property!.rhs !== undefined);
  if (withSides.length < passing.length)
    return rhoConstant
      ? `its robustness was ${Number(rhos[0].toPrecision(3))} in all ${passing.length} passing trials: it never came closer to failing anywhere in the space`
      : undefined;
  const p0 = passing[0].property!;
  const same = (f: (r: TrialResult) => number) => passing.every((r) => Object.is(f(r), f(passing[0])));
  if (same((r) => r.property!.lhs!) && same((r) => r.property!.rhs!))
    return `both sides of the property took the same values in all ${passing.length} passing trials (${p0.lhs} ${p0.op} ${p0.rhs}): it does not depend on the space`;
  if (passing.every((r) => r.property!.lhs === r.property!.rhs))
    return `its two sides were equal in every one of the ${passing.length} passing trials: it compares a quantity with itself`;
  const sign = passing.every((r) => r.property!.lhs === 0) || passing.every((r) => r.property!.rhs === 0);
  if (sign) return undefined;
  if (rhoConstant)
    return `its relative margin was ${Number(rhos[0].toPrecision(3))} in all ${passing.length} passing trials: the two sides scale together, so it never comes closer to failing`;
  const least = Math.min(...rhos);
  if (least >= 0.5)
    return `the property never came within a factor of 3 of failing: its smallest relative margin over ${passing.length} passing trials is ${Number(least.toPrecision(3))}`;
  return undefined;
}

/** Why a search got its verdict, before it is put into words (`describeFinding`); never part of the report. */
export type SearchFinding =
  | { kind: 'frequency'; frequency: FrequencyResult; outOfRegime: number }
  | { kind: 'counterexample'; status: Witness['status']; trial: number; of: number; shrinks: number; phase: TrialPhase }
  | { kind: 'troubled'; troubled: number; others: number }
  | { kind: 'imprecise'; imprecise: number; others: number; part?: string }
  | { kind: 'too-few-in-regime'; inRegime: number; judged: number; needed: number; repeated?: number }
  | { kind: 'no-counterexample'; inRegime: number; outOfRegime: number; budgetStopped?: { judged: number; of: number } };

export function findingVerdict(f: SearchFinding): SearchVerdict {
  switch (f.kind) {
    case 'frequency':
      return f.frequency.outcome === 'below' ? 'refuted' : 'holds';
    case 'counterexample':
      return 'refuted';
    case 'troubled':
    case 'imprecise':
    case 'too-few-in-regime':
      return 'inconclusive';
    case 'no-counterexample':
      return 'holds';
  }
}

/** The search's verdict reason in words (the report's text). */
export function describeFinding(f: SearchFinding): string {
  switch (f.kind) {
    case 'frequency':
      return `${describeFrequency(f.frequency)}${f.outOfRegime ? ` (${f.outOfRegime} trials out of regime, not counted)` : ''}`;
    case 'counterexample':
      return `counterexample (${f.status}) found at trial ${f.trial} of ${f.of} (${PHASE_WORDS[f.phase]}), shrunk ${f.shrinks} time(s)`;
    case 'troubled':
      return `${f.troubled} trial(s) diverged, timed out or failed to run; no counterexample among the other ${f.others}`;
    case 'imprecise':
      return `${f.imprecise} trial(s) imprecise (the arithmetic could not decide them${f.part ? `; ${f.part}` : ''}), not evidence either way${f.others ? `; no genuine counterexample among the other ${f.others}` : ''}`;
    case 'too-few-in-regime':
      return f.repeated
        ? `only ${f.inRegime} distinct computations were inside the hypotheses (at least ${f.needed} needed); ${f.repeated} of the ${f.judged} trials repeated an earlier one (they draw no random number, so their seed does not matter)`
        : `only ${f.inRegime} of ${f.judged} trials were inside the hypotheses (at least ${f.needed} needed)`;
    case 'no-counterexample':
      return `no counterexample in ${f.inRegime} in-regime trials (${f.outOfRegime} out of regime)${f.budgetStopped ? `; stopped by the time budget after ${f.budgetStopped.judged} of ${f.budgetStopped.of}` : ''}`;
  }
}

export interface SearchOptions {
  claimId: string;
  /** the search runs at the authors' scale (`--full`): the replay command says so */
  full?: boolean;
  runner: TrialRunner;
  trials?: number;
  seed?: number;
  budgetMs?: number;
  shrinkBudgetMs?: number;
  /** metrics whose per-trial values the result keeps (`samples`) */
  collect?: string[];
  onProgress?: (done: number, total: number) => void;
  /** the search runs without this premise (ablation): replay commands say so */
  dropped?: string;
  /** how replay commands name the claim (default claimId): its file when it is outside the built-in library (commandTarget in src/claims/load.ts) */
  target?: string;
  /** called once per judged trial, in order, when the search ends */
  onJudged?: (r: TrialResult) => void;
  /** the arithmetic of every trial (`--precision`); default: the claim's search.precision, else float64 */
  precision?: 'float64' | 'dd';
}

const emptyCounts = (): Record<TrialStatus, number> => ({ pass: 0, fail: 0, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0, imprecise: 0 });

/** The options every trial of the search runs with: its claim (journal key) and its arithmetic. */
const trialOptions = (spec: SearchSpec, o: SearchOptions): TrialOptions => {
  const precision = o.precision ?? spec.precision ?? 'float64';
  return { claim: o.claimId, ...(precision === 'dd' ? { precision } : {}) };
};

/** The flags that select the search a command replays: the authors' scale, a dropped premise, the arithmetic, whole paths (`--no-early`; implied by --drop). */
function scaleFlags(full = false, dropped?: string, precision?: 'float64' | 'dd', noEarly = false): string {
  return `${full ? ' --full' : ''}${dropped ? ` --drop ${dropped}` : ''}${precision ? ` --precision ${precision}` : ''}${noEarly && !dropped ? ' --no-early' : ''}`;
}

export function rerunCommand(
  claimId: string,
  seed: number,
  trials: number,
  full = false,
  dropped?: string,
  precision?: 'float64' | 'dd',
  noEarly = false,
): string {
  return `npx claimcheck run ${claimId} --seed ${seed} --trials ${trials}${scaleFlags(full, dropped, precision, noEarly)} --out reports/replay`;
}

/** A trial named by its values (a trial is a pure function of the search and its values). */
export function replayValuesCommand(
  claimId: string,
  values: TrialValues,
  full = false,
  dropped?: string,
  precision?: 'float64' | 'dd',
  noEarly = false,
): string {
  const v = Object.entries(values)
    .map(([k, x]) => `${k}=${x}`)
    .join(',');
  return `npx claimcheck replay ${claimId} --values ${v}${scaleFlags(full, dropped, precision, noEarly)}`;
}

export const PHASE_WORDS: Record<TrialPhase, string> = { cover: 'covering design', random: 'random phase', guided: 'guided phase' };

export function replayCommand(
  claimId: string,
  seed: number,
  path: string,
  full = false,
  dropped?: string,
  precision?: 'float64' | 'dd',
  noEarly = false,
): string {
  return `npx claimcheck replay ${claimId} --seed ${seed} --path ${path}${scaleFlags(full, dropped, precision, noEarly)}`;
}

/** The point of the space that fast-check's run (seed, path) visits. */
export function valuesAtPath(spec: SearchSpec, seed: number, path: string): TrialValues {
  const r = fc.check(
    fc.property(spaceArbitrary(spec.space), () => false),
    { seed, path, endOnFailure: true },
  );
  if (!r.failed || !r.counterexample) throw new Error(`no trial at seed ${seed}, path ${path}`);
  return r.counterexample[0] as TrialValues;
}

function sidesOf(r: TrialResult): NonNullable<Evidence['tightness']>['sides'] {
  const p = r.property;
  return p && p.lhs !== undefined && p.rhs !== undefined && p.op
    ? { lhs: p.lhs, op: p.op, rhs: p.rhs, ...(p.conjunct ? { conjunct: p.conjunct } : {}) }
    : undefined;
}

/** ρ of a judged trial: the property's robustness, when it was evaluated in regime. */
const rhoOf = (r: TrialResult): number | undefined => (r.status === 'pass' || r.status === 'fail' ? r.property?.robustness : undefined);

/** For each judged trial, the index of the first trial with the same computation (itself when it is new). */
export function distinctComputations(results: TrialResult[], trials: Array<{ values: TrialValues }>): number[] {
  const first = new Map<string, number>();
  return results.map((r, k) => {
    const key = r.seedless ? varKey(trials[k].values) : pointKey(trials[k].values);
    const j = first.get(key);
    if (j !== undefined) return j;
    first.set(key, k);
    return k;
  });
}

/**
 * What the guided phase minimizes: ρ, except for a property with several top-level conjuncts, where ρ is
 * their minimum and one conjunct that never moves (ρ = 5·10⁻⁴ in every trial, say) would hide another
 * that comes closer to failing with every step. There each conjunct's ρ is divided by its spread over the
 * trials so far (max − min), conjuncts with no spread are left out, and the score is the minimum: how
 * many spreads the nearest movable conjunct is from failing. Same sign as ρ; undefined where ρ is.
 */
export function guidanceScores(results: TrialResult[]): Array<number | undefined> {
  const rho = results.map(rhoOf);
  const parts = results.map((r, k) => (rho[k] !== undefined ? r.property?.parts : undefined));
  const n = parts.find((p) => p)?.length ?? 0;
  if (n < 2) return rho;
  const lo = new Array<number>(n).fill(Infinity),
    hi = new Array<number>(n).fill(-Infinity);
  for (const p of parts) if (p?.length === n) p.forEach((v, i) => ((lo[i] = Math.min(lo[i], v)), (hi[i] = Math.max(hi[i], v))));
  const moving = lo.map((_, i) => i).filter((i) => hi[i] > lo[i]);
  if (!moving.length) return rho;
  return parts.map((p, k) => {
    if (p?.length !== n) return rho[k];
    const score = Math.min(...moving.map((i) => p[i] / (hi[i] - lo[i])));
    // a trial that fails a conjunct left out still counts as failing
    return Math.min(score, rho[k]! < 0 ? rho[k]! : Infinity);
  });
}

/** Trials per pool task: where a batched kernel takes the search's trials, enough for two batches per thread, at most 64; else 1. */
export function trialBatchSize(spec: SearchSpec, trials: number, threads: number): number {
  return batchesTrials(spec) ? Math.max(1, Math.min(64, Math.ceil(trials / (2 * threads)))) : 1;
}

/** Runs `trials` on the pool — unbatched, at most threads×2 in flight; batched, after threads × 2 trials alone, up to threads batches of trialBatchSize trials, so that a failure stops the batches after it — stopping new ones at `stop.failAt` or when `stop.budget()` runs out; results by index. */
async function runAll(
  spec: SearchSpec,
  o: SearchOptions,
  values: TrialValues[],
  timeoutMs: number,
  stop: { failAt: number; budget: () => boolean },
  stopAtFailure: boolean,
  onDone: () => void,
): Promise<{ results: (TrialResult | undefined)[]; reused: boolean[]; budgetExhausted: boolean }> {
  const n = values.length;
  const results: (TrialResult | undefined)[] = new Array(n);
  const reused: boolean[] = new Array(n).fill(false);
  let next = 0,
    budgetExhausted = false;
  const threads = o.runner.threads,
    largest = trialBatchSize(spec, n, threads);
  let notFailed = 0;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const pump = (): void => {
      // one trial per task until threads × 2 trials came back without a failure, then batches of the largest size: a search
      // refuted by an early trial stops after about as much work as unbatched (pairs instead cost lyu2020.thm44-logistic-kkt
      // 40% more worker time: its JavaScript batched kernel does not pay at two lanes)
      const batch = notFailed < 2 * threads ? 1 : largest;
      const dispatch = batch > 1 ? { batch } : undefined;
      // batches are asked for whole (a trial or two topping up a batch would run alone), but for the last
      const room = batch > 1 ? threads * batch - inFlight : threads * 2 - inFlight,
        left = Math.min(n, stop.failAt) - next;
      const cap = inFlight + (batch > 1 && left > room ? Math.floor(room / batch) * batch : room);
      while (inFlight < cap && next < n && next < stop.failAt) {
        if (stop.budget()) {
          budgetExhausted = true;
          break;
        }
        const k = next++;
        inFlight++;
        void o.runner
          .trial(spec, values[k], timeoutMs, trialOptions(spec, o), undefined, dispatch)
          .catch((e: Error) => ({
            result: { status: 'error' as const, values: values[k], quantities: {}, hypotheses: {}, message: e.message, ms: 0 },
            reused: false,
          }))
          .then((t) => {
            const r = (results[k] = t.result);
            reused[k] = t.reused === true;
            inFlight--;
            if (r.status === 'fail' && stopAtFailure) stop.failAt = Math.min(stop.failAt, k);
            else notFailed++;
            onDone();
            pump();
          });
      }
      if (inFlight === 0) resolve();
    };
    pump();
  });
  return { results, reused, budgetExhausted };
}

export async function runSearch(spec: SearchSpec, o: SearchOptions): Promise<SearchResult> {
  const worker: WorkerTime = { ms: 0 };
  const r = await charged(worker, () => searchOnce(spec, o));
  const ran = r.trialsRun - r.reusedTrials;
  // nothing charged (the calling thread, or every trial from the journal): wall-time trials/s
  return { ...r, workerMs: worker.ms, trialsPerSecond: worker.ms > 0 ? ran / (worker.ms / 1000) : r.trialsPerSecond };
}

async function searchOnce(spec: SearchSpec, o: SearchOptions): Promise<SearchResult> {
  const t0 = performance.now();
  const seed = o.seed ?? spec.seed;
  const N = o.trials ?? spec.trials;
  // at least one in-regime trial, whatever the source of N: zero trials never hold
  // the claim's own min_in_regime is never lowered by a smaller --trials: too few trials is inconclusive
  const minInRegime = Math.max(1, spec.min_in_regime ?? Math.ceil(N / 4));
  const timeoutMs = spec.timeout_s * 1000;
  const plan = planTrials(spec, seed, N);
  // A frequency claim judges every trial: a trial where the event fails is data, not a counterexample.
  const stopAtFailure = !spec.frequency;
  const G = guidedTrialCount(spec, N);
  const total = plan.trials.length + G;
  let done = 0;
  const progress = () => o.onProgress?.(++done, total);
  const budget = () => o.budgetMs !== undefined && performance.now() - t0 > o.budgetMs;

  const main = { failAt: Infinity, budget };
  const first = await runAll(
    spec,
    o,
    plan.trials.map((t) => t.values),
    timeoutMs,
    main,
    stopAtFailure,
    progress,
  );
  const judgedTrials: PlannedTrial[] = [];
  const results: TrialResult[] = [];
  const reused: boolean[] = [];
  // Judge the contiguous prefix that is complete (and, after a failure, stop at the first one):
  // this makes counts independent of the number of workers.
  for (let k = 0; k < plan.trials.length && first.results[k] && k <= main.failAt; k++) {
    judgedTrials.push(plan.trials[k]);
    results.push(first.results[k]!);
    reused.push(first.reused[k]);
  }
  let budgetExhausted = first.budgetExhausted;
  let failAt = main.failAt < Infinity ? main.failAt : -1;

  // The guided phase: batches proposed from everything seen so far, each batch judged whole before the next (deterministic).
  let guidedRun = 0;
  if (G > 0 && failAt < 0 && !budgetExhausted && judgedTrials.length === plan.trials.length) {
    const seen = new Set<string>(judgedTrials.map((t) => pointKey(t.values)));
    // trials that draw no random number: a new seed at declared values already run is the same computation
    const seedless = results.length > 0 && results.every((r) => r.seedless);
    const seenValues = new Set<string>(judgedTrials.map((t) => varKey(t.values)));
    const alreadyRun = seedless
      ? {
          has: (key: string) =>
            seenValues.has(
              key
                .split(',')
                .filter((p) => !p.startsWith('seed='))
                .join(','),
            ),
        }
      : seen;
    // a fixed batch size, not the thread count: the proposals (and so the verdict) never depend on the number of workers
    const batch = GUIDED_BATCH;
    for (let round = 0; guidedRun < G && failAt < 0; round++) {
      if (budget()) {
        budgetExhausted = true;
        break;
      }
      // the guide sees every trial so far, scored with the conjuncts' current spreads (guidanceScores)
      const guide = createGuide(spec.space, spec.guided?.strategy ?? 'hill-climb', (seed ^ 0x67756964 ^ Math.imul(round, 0x9e3779b1)) >>> 0);
      const scores = guidanceScores(results);
      judgedTrials.forEach((t, k) => guide.observe(t.values, scores[k]));
      const proposed = guide.propose(Math.min(batch, G - guidedRun), alreadyRun);
      if (!proposed.length) break;
      const stop = { failAt: Infinity, budget: () => false };
      const r = await runAll(spec, o, proposed, timeoutMs, stop, stopAtFailure, progress);
      for (let k = 0; k < proposed.length && r.results[k] && k <= stop.failAt; k++) {
        seen.add(pointKey(proposed[k]));
        seenValues.add(varKey(proposed[k]));
        judgedTrials.push({ values: proposed[k], phase: 'guided' });
        results.push(r.results[k]!);
        reused.push(r.reused[k]);
        guidedRun++;
        if (r.results[k]!.status === 'fail' && stopAtFailure) failAt = results.length - 1;
      }
    }
  }

  let witness: Witness | undefined;
  // A failure that double-double does not reproduce is imprecise, never a counterexample: its trial's status says so.
  const markImprecise = (k: number, w: Witness) => {
    if (w.status === 'imprecise') results[k] = { ...results[k], status: 'imprecise', message: w.recheck.preciseNote };
  };
  if (failAt >= 0) {
    witness = await shrinkAndRecheck(spec, o, seed, judgedTrials[failAt], timeoutMs);
    markImprecise(failAt, witness);
  }
  // A witness that is only potential (its stricter re-run did not fail) may be an artefact of the
  // step, and an imprecise one of rounding: judge on through the rest of the planned trials for up to
  // two more failures, and keep the best (genuine, then potential, then imprecise).
  const rank = { genuine: 2, potential: 1, imprecise: 0 } as const;
  for (let more = 0; witness && witness.status !== 'genuine' && more < 2 && results.length < plan.trials.length; more++) {
    const from = results.length;
    const stop = { failAt: Infinity, budget };
    const rest = plan.trials.slice(from);
    const r = await runAll(
      spec,
      o,
      rest.map((t) => t.values),
      timeoutMs,
      stop,
      true,
      progress,
    );
    for (let k = 0; k < rest.length && r.results[k] && k <= stop.failAt; k++) {
      judgedTrials.push(rest[k]);
      results.push(r.results[k]!);
      reused.push(r.reused[k]);
    }
    if (stop.failAt === Infinity) break;
    const next = await shrinkAndRecheck(spec, o, seed, rest[stop.failAt], timeoutMs);
    markImprecise(from + stop.failAt, next);
    if (rank[next.status] > rank[witness.status]) {
      witness = next;
      failAt = from + stop.failAt;
    }
  }

  const judged = results.length;
  const counts = emptyCounts();
  const problems: TrialResult[] = [];
  const outOfRegimeBy: Record<string, number> = Object.create(null);
  let tightest: { rho: number; k: number } | undefined;
  const minRhoTrace: Array<{ trial: number; rho: number }> = [];
  for (let k = 0; k < judged; k++) {
    const r = results[k];
    counts[r.status]++;
    if (['diverged', 'timeout', 'error'].includes(r.status) && problems.length < 10) problems.push(r);
    if (r.status === 'out-of-regime') for (const [h, ok] of Object.entries(r.hypotheses)) if (!ok) outOfRegimeBy[h] = (outOfRegimeBy[h] ?? 0) + 1;
    if (r.status === 'pass') {
      const rho = rhoOf(r);
      if (rho !== undefined && (!tightest || rho < tightest.rho)) {
        tightest = { rho, k };
        minRhoTrace.push({ trial: k + 1, rho });
      }
    }
  }

  // Evidence counts computations, not trials: a trial that drew no random number repeats an earlier
  // one with the same declared values, whatever its seed, and is counted once.
  const firstOf = distinctComputations(results, judgedTrials);
  const distinct = (k: number) => firstOf[k] === k;
  let inRegime = 0,
    distinctPasses = 0,
    randomInRegime = 0,
    randomPasses = 0;
  results.forEach((r, k) => {
    if (!distinct(k) || (r.status !== 'pass' && r.status !== 'fail')) return;
    inRegime++;
    if (r.status === 'pass') distinctPasses++;
    if (judgedTrials[k].phase === 'random') {
      randomInRegime++;
      if (r.status === 'pass') randomPasses++;
    }
  });
  const repeated = results.filter((_, k) => !distinct(k)).length;
  const troubled = counts.diverged + counts.timeout + counts.error;
  const firstPart = results.find((r) => r.status === 'imprecise' && r.message)?.message;
  let frequency: FrequencyResult | undefined;
  if (spec.frequency && inRegime > 0) {
    const at = planSearch(spec).atLeast!;
    let sum = 0;
    results.forEach((r, k) => {
      if (distinct(k) && (r.status === 'pass' || r.status === 'fail')) sum += at.value(r.values);
    });
    frequency = judgeFrequency(
      distinctPasses,
      inRegime,
      sum / inRegime,
      spec.frequency.confidence,
      spec.frequency.at_least,
      rerunCommand(o.target ?? o.claimId, seed, N, o.full, o.dropped, o.precision, runsWholePath(spec)),
    );
  }
  const finding: SearchFinding =
    frequency && troubled === 0 && counts.imprecise === 0 && inRegime >= minInRegime
      ? { kind: 'frequency', frequency, outOfRegime: counts['out-of-regime'] }
      : witness && witness.status !== 'imprecise'
        ? { kind: 'counterexample', status: witness.status, trial: failAt + 1, of: total, shrinks: witness.numShrinks, phase: judgedTrials[failAt].phase }
        : troubled > 0
          ? { kind: 'troubled', troubled, others: judged - troubled }
          : counts.imprecise > 0
            ? { kind: 'imprecise', imprecise: counts.imprecise, others: judged - counts.imprecise, ...(firstPart ? { part: `the first: ${firstPart}` } : {}) }
            : inRegime < minInRegime
              ? { kind: 'too-few-in-regime', inRegime, judged, needed: minInRegime, ...(repeated ? { repeated } : {}) }
              : {
                  kind: 'no-counterexample',
                  inRegime,
                  outOfRegime: counts['out-of-regime'],
                  ...(budgetExhausted ? { budgetStopped: { judged, of: total } } : {}),
                };
  const verdict = findingVerdict(finding),
    reason = describeFinding(finding);

  const space: SearchResult['space'] = {};
  let spaceSize = 1;
  for (const [k, d] of Object.entries(spec.space)) {
    const size = domainSize(d);
    space[k] = { size, first: domainValue(d, 0), last: domainValue(d, size - 1) };
    spaceSize *= size;
  }
  const phases = { cover: 0, random: 0, guided: 0 };
  for (const t of judgedTrials) phases[t.phase]++;
  const evidence: Evidence = {
    precision: trialOptions(spec, o).precision === 'dd' ? 'double-double' : 'float64',
    inRegime,
    randomInRegime,
    // over the random phase only: covering and guided trials are chosen, not drawn
    failureRateBound: failureRateBound(randomPasses),
    phases,
    ...(repeated ? { repeated } : {}),
    ...(plan.coverage ? { design: plan.coverage.strength } : {}),
    coverage: variableCoverage(
      spec.space,
      judgedTrials.filter((_, k) => results[k].status === 'pass' || results[k].status === 'fail').map((t) => t.values),
    ),
    ...(tightest && !spec.frequency
      ? {
          tightness: {
            rho: tightest.rho,
            values: results[tightest.k].values,
            ...(sidesOf(results[tightest.k]) ? { sides: sidesOf(results[tightest.k]) } : {}),
            trial: tightest.k + 1,
            phase: judgedTrials[tightest.k].phase,
            replay: replayValuesCommand(o.target ?? o.claimId, results[tightest.k].values, o.full, o.dropped, o.precision, runsWholePath(spec)),
            trace: minRhoTrace,
          },
        }
      : {}),
  };
  const watch = watchSummary(results.filter((r) => r.status === 'pass' || r.status === 'fail' || r.status === 'imprecise'));
  if (watch) evidence.watch = watch;
  const stoppedEarly = results.filter((r) => r.stoppedEarlyAt).length;
  if (stoppedEarly) evidence.stoppedEarly = stoppedEarly;
  const imprecise = results
    .map((r, k) => ({ r, k }))
    .filter(({ r }) => r.status === 'imprecise')
    .slice(0, 10)
    .map(({ r, k }) => ({
      values: r.values,
      ...(r.message ? { message: r.message } : {}),
      replay: replayValuesCommand(o.target ?? o.claimId, results[k].values, o.full, o.dropped, o.precision, runsWholePath(spec)),
      ...(failAt === k && witness?.recheck.precise?.precision?.part ? { part: witness.recheck.precise.precision.part } : {}),
    }));
  const vacuous = spec.frequency || counts.fail ? undefined : vacuityReason(results.filter((_, k) => distinct(k)));
  if (vacuous) evidence.vacuous = vacuous;
  const samples = o.collect?.length
    ? results.map((r) => ({
        status: r.status,
        values: Object.fromEntries(o.collect!.map((m) => [m, Number.isFinite(r.quantities[m]) ? r.quantities[m] : null])),
      }))
    : undefined;
  if (o.onJudged) for (const r of results) o.onJudged(r);
  const ms = performance.now() - t0;
  const reusedTrials = reused.filter(Boolean).length;
  return {
    seed,
    trialsRequested: total,
    trialsRun: judged,
    counts,
    outOfRegimeBy,
    minInRegime,
    verdict,
    reason,
    witness,
    problems,
    ...(imprecise.length ? { imprecise } : {}),
    evidence,
    space,
    spaceSize,
    budgetExhausted,
    frequency,
    samples,
    trialsPerSecond: judged / (ms / 1000),
    reusedTrials,
    ms,
  };
}

async function shrinkAndRecheck(spec: SearchSpec, o: SearchOptions, seed: number, failing: PlannedTrial, timeoutMs: number): Promise<Witness> {
  const originalValues = failing.values;
  const base = trialOptions(spec, o);
  const fails = async (v: TrialValues) => (await o.runner.run(spec, v, timeoutMs, base)).status !== 'fail';
  // a random-phase trial is shrunk from its fast-check path; a covering or guided one from its values, given as an example
  const fromPath = failing.phase === 'random' && failing.path !== undefined;
  const check = await fc.check(fc.asyncProperty(spaceArbitrary(spec.space), fails), {
    seed,
    ...(fromPath ? { path: failing.path, numRuns: Number(failing.path) + 1 } : { examples: [[originalValues]], numRuns: 1 }),
    interruptAfterTimeLimit: o.shrinkBudgetMs ?? 120_000,
  });
  let values = check.failed && check.counterexample ? check.counterexample[0] : originalValues;
  let path = fromPath ? (check.failed && check.counterexamplePath ? check.counterexamplePath : failing.path!) : undefined;
  let numShrinks = check.numShrinks;
  let checked = await recheckAt(spec, o, values, timeoutMs);
  // shrinking follows float64 failures, and can walk into an artefact: then the unshrunk trial is checked on its own
  if (checked.status === 'imprecise' && pointKey(values) !== pointKey(originalValues)) {
    const unshrunk = await recheckAt(spec, o, originalValues, timeoutMs);
    if (unshrunk.status !== 'imprecise') {
      unshrunk.recheck.note += '; the shrunk point was imprecise, so the witness is the unshrunk trial';
      [checked, values, path, numShrinks] = [unshrunk, originalValues, failing.path, 0];
    }
  }
  return {
    values,
    seed,
    path,
    numShrinks,
    original: { values: originalValues, ...(failing.path !== undefined ? { path: failing.path } : {}) },
    phase: failing.phase,
    ...checked,
    replay:
      path !== undefined
        ? replayCommand(o.target ?? o.claimId, seed, path, o.full, o.dropped, o.precision, runsWholePath(spec))
        : replayValuesCommand(o.target ?? o.claimId, values, o.full, o.dropped, o.precision, runsWholePath(spec)),
  };
}

/** The three re-checks of a failing trial (discretization, the 64-digit final inequality, rounding) and the status they give it. */
async function recheckAt(spec: SearchSpec, o: SearchOptions, values: TrialValues, timeoutMs: number): Promise<Pick<Witness, 'result' | 'recheck' | 'status'>> {
  const base = trialOptions(spec, o);
  const searchInDD = base.precision === 'dd';
  const [result, refined, precise] = await Promise.all([
    o.runner.run(spec, values, timeoutMs, { ...base, keepTrajectory: true }),
    o.runner.run(spec, values, timeoutMs * 10, { ...base, refine: true, keepTrajectory: true }),
    // the same trial in double-double along the float64 run's own steps: does rounding explain the failure?
    // (a search already in double-double: the same steps from θ(0) perturbed far above double-double's rounding — a probe of how finely the outcome is decided)
    o.runner.run(spec, values, replayTimeoutMs(timeoutMs), {
      claim: o.claimId,
      precision: 'dd',
      sameSteps: true,
      ...(searchInDD ? { reference: 'dd' as const, perturb: DD_PROBE } : {}),
    }),
  ]);
  let bigNumberProperty: string | undefined;
  let note: string;
  let discretizationRuledOut = false;
  if (refined.status === 'fail') {
    try {
      bigNumberProperty = evaluateBig(planSearch(spec).property.node, { ...refined.values, ...refined.quantities });
      discretizationRuledOut = bigNumberProperty === 'false' || bigNumberProperty === '0';
      note = discretizationRuledOut
        ? 'the violation survives the stricter re-run (each block’s refined settings), and the final inequality is false in 64-digit arithmetic'
        : `the stricter re-run fails in float64, but the final inequality evaluates to ${bigNumberProperty} in 64-digit arithmetic`;
    } catch (e) {
      note = `the stricter re-run fails, but the 64-digit re-check could not run: ${(e as Error).message}`;
    }
  } else {
    note = `the stricter re-run gives "${refined.status}"${refined.message ? ` (${refined.message})` : ''}: the witness may be a discretization artefact`;
  }
  let { verdict: rounding, note: preciseNote } = roundingCheck(result, precise, searchInDD);
  // a failure taken after a determinant changed sign below its resolution counts only if both re-runs reproduce it
  const flip = Object.values(result.watch ?? {}).find((w) => w.signFlip)?.signFlip;
  if (flip && rounding !== 'explains' && !(sameSides(result, precise) && sameSides(result, refined))) {
    rounding = 'explains';
    preciseNote = `${flip.why}; the failure after it is not reproduced (double-double: ${fmtSides(precise?.property)}, stricter re-run: ${fmtSides(refined.property)}, first run: ${fmtSides(result.property)}): the sign flip, not the claim, made it — ${preciseNote}`;
  }
  const status: Witness['status'] = rounding === 'explains' ? 'imprecise' : discretizationRuledOut && rounding === 'ruled-out' ? 'genuine' : 'potential';
  return { result, recheck: { result: refined, bigNumberProperty, note, ...(precise ? { precise } : {}), preciseNote }, status };
}

/** Sides that the re-run reproduces within this fraction of the larger side are "the same"; otherwise the note says how far they moved. */
const REPRODUCED = 1e-6;
/** Whether a re-run fails with the first run's sides, to REPRODUCED of the larger side. */
function sameSides(first: TrialResult, again: TrialResult | undefined): boolean {
  const a = first.property,
    b = again?.property;
  if (!b || again!.status !== 'fail') return false;
  if (a?.lhs === undefined || b.lhs === undefined) return true;
  const scale = Math.max(Math.abs(a.lhs), Math.abs(a.rhs!), Math.abs(b.lhs), Math.abs(b.rhs!));
  return Math.abs(a.lhs - b.lhs) <= REPRODUCED * scale && Math.abs(a.rhs! - b.rhs!) <= REPRODUCED * scale;
}

const fmtSides = (p?: TrialResult['property']) =>
  p?.lhs !== undefined ? `${p.lhs.toPrecision(10)} ${p.op} ${p.rhs!.toPrecision(10)}` : `ρ = ${p?.robustness}`;

/** The rounding re-check's time limit: 30× the trial's (double-double costs 3–30× float64), at most 10 minutes unless the trial's own limit is longer. */
export const replayTimeoutMs = (timeoutMs: number) => Math.max(timeoutMs, Math.min(30 * timeoutMs, 600_000));

/** Relative perturbation of θ(0) by which a search already in double-double probes its witness (2⁻⁹⁰ ≈ 8·10⁻²⁸, 2¹⁴ times double-double's unit roundoff). */
export const DD_PROBE = 2 ** -90;

/** Whether the double-double re-run rules rounding out (the property fails there too), explains the failure (it passes, leaves the regime or is itself imprecise), or cannot tell. */
function roundingCheck(
  first: TrialResult,
  precise: TrialResult | undefined,
  searchInDD: boolean,
): { verdict: 'ruled-out' | 'explains' | 'unknown'; note: string } {
  if (!precise) return { verdict: 'unknown', note: 'no double-double re-run' };
  const names = searchInDD
    ? {
        first: 'double-double',
        again: `double-double from θ(0) perturbed by ${DD_PROBE.toPrecision(2)} (relative)`,
        cause: 'rounding at double-double’s resolution',
      }
    : { first: 'float64', again: 'double-double (about 32 digits) along the float64 run’s own steps', cause: 'float64 rounding' };
  const part = precise.precision?.part;
  const where = part ? `; the two paths part at step ${part.step} (loss ${part.loss.toPrecision(3)}): ${part.what}` : '';
  switch (precise.status) {
    case 'fail': {
      // the property is violated in both arithmetics: rounding did not make the failure, even where it moved the path (a chaotic or sensitive run)
      const a = first.property,
        b = precise.property;
      const scale = Math.max(Math.abs(a?.lhs ?? 0), Math.abs(a?.rhs ?? 0), Math.abs(b?.lhs ?? 0), Math.abs(b?.rhs ?? 0));
      const gap = (x?: number, y?: number) => (x === undefined || y === undefined ? 0 : Math.abs(x - y));
      const moved = Math.max(gap(a?.lhs, b?.lhs), gap(a?.rhs, b?.rhs));
      const sensitive =
        moved > REPRODUCED * scale ? ` — the path is sensitive to rounding (the sides moved by ${moved.toPrecision(3)}), but the violation survives` : '';
      return { verdict: 'ruled-out', note: `${names.again} fails too, with ${fmtSides(b)} (${names.first}: ${fmtSides(a)})${sensitive}${where}` };
    }
    case 'pass':
    case 'out-of-regime':
    case 'imprecise':
      return {
        verdict: 'explains',
        note: `${names.again} gives "${precise.status}"${precise.message ? ` (${precise.message})` : ''}: ${names.cause} explains the failure${where}`,
      };
    default:
      return {
        verdict: 'unknown',
        note: `${names.again} gives "${precise.status}"${precise.message ? ` (${precise.message})` : ''}: rounding is not ruled out`,
      };
  }
}

/** Per watching metric that stops (`until`) or requires a loss: how much of the path the judged trials' watches saw. */
export function watchSummary(results: TrialResult[]): Record<string, WatchSummary> | undefined {
  const out: Record<string, WatchSummary> = {};
  for (const r of results)
    for (const [name, w] of Object.entries(r.watch ?? {})) {
      if (w.watched === undefined && w.required === undefined) continue;
      const s = (out[name] ??= { trials: 0, minFraction: 1, stopped: 0, ...(w.required !== undefined ? { required: w.required } : {}) });
      s.trials++;
      if (w.watched !== undefined && w.steps > 0) s.minFraction = Math.min(s.minFraction, w.watched / w.steps);
      if (w.stoppedAt) {
        s.stopped++;
        s.highestStopLoss = Math.max(s.highestStopLoss ?? -Infinity, w.stoppedAt.loss);
      }
      if (w.lossReached !== undefined && Number.isFinite(w.lossReached)) s.reachedLoss = Math.max(s.reachedLoss ?? -Infinity, w.lossReached);
    }
  return Object.keys(out).length ? out : undefined;
}
