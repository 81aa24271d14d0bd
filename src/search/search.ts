// The falsification search: sample the declared space with fast-check (seeded), run the trials on
// the pool, shrink the first counterexample with fast-check, and re-check it (smaller step,
// tighter tolerance, the final inequality in 64-digit arithmetic) before calling it genuine.
import fc from 'fast-check';
import { planSearch } from '../claims/plan.js';
import type { SearchSpec } from '../claims/schema.js';
import { evaluateBig } from '../symbolic/cas.js';
import { describeFrequency, judgeFrequency, type FrequencyResult } from './frequency.js';
import type { TrialRunner } from './pool.js';
import { domainSize, domainValue, sampleSpace, spaceArbitrary, type TrialValues } from './space.js';
import type { TrialResult, TrialStatus } from './trial.js';

export type SearchVerdict = 'holds' | 'refuted' | 'inconclusive';

export interface Witness {
  values: TrialValues;
  /** fast-check run seed and path: together they name this exact trial */
  seed: number;
  path: string;
  numShrinks: number;
  /** the first failing trial, before shrinking */
  original: { values: TrialValues; path: string };
  result: TrialResult;
  recheck: { result: TrialResult; bigNumberProperty?: string; note: string };
  status: 'genuine' | 'potential';
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
  /** the in-regime trial whose property held with the least relative slack */
  closest?: TrialResult & { slack: number };
  space: Record<string, { size: number; first: number; last: number }>;
  spaceSize: number;
  budgetExhausted: boolean;
  /** for a frequency claim: how often the event held, with its interval and the claimed bound */
  frequency?: FrequencyResult;
  /** per judged trial, its status and the values of the collected metrics (for histograms) */
  samples?: Array<{ status: TrialStatus; values: Record<string, number | null> }>;
  /** judged trials per second of wall time (the whole search, shrinking included) */
  trialsPerSecond: number;
  /** judged trials answered from the trial journal instead of run (their time is not in ms) */
  reusedTrials: number;
  ms: number;
}

/** Why a search got its verdict, before it is put into words (`describeFinding`); never part of the report. */
export type SearchFinding =
  | { kind: 'frequency'; frequency: FrequencyResult; outOfRegime: number }
  | { kind: 'counterexample'; status: Witness['status']; trial: number; of: number; shrinks: number }
  | { kind: 'troubled'; troubled: number; others: number }
  | { kind: 'too-few-in-regime'; inRegime: number; judged: number; needed: number }
  | { kind: 'no-counterexample'; inRegime: number; outOfRegime: number; budgetStopped?: { judged: number; of: number } };

export function findingVerdict(f: SearchFinding): SearchVerdict {
  switch (f.kind) {
    case 'frequency':
      return f.frequency.outcome === 'below' ? 'refuted' : 'holds';
    case 'counterexample':
      return 'refuted';
    case 'troubled':
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
      return `counterexample (${f.status}) found at trial ${f.trial} of ${f.of}, shrunk ${f.shrinks} time(s)`;
    case 'troubled':
      return `${f.troubled} trial(s) diverged, timed out or failed to run; no counterexample among the other ${f.others}`;
    case 'too-few-in-regime':
      return `only ${f.inRegime} of ${f.judged} trials were inside the hypotheses (at least ${f.needed} needed)`;
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
}

const emptyCounts = (): Record<TrialStatus, number> => ({ pass: 0, fail: 0, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0 });

export function relativeSlack(r: TrialResult): number | undefined {
  const p = r.property;
  if (!p || p.lhs === undefined || p.rhs === undefined || !p.op) return undefined;
  const scale = Math.abs(p.lhs) + Math.abs(p.rhs) || 1;
  const s = p.op.startsWith('<') ? p.rhs - p.lhs : p.op.startsWith('>') ? p.lhs - p.rhs : -Math.abs(p.lhs - p.rhs);
  return s / scale;
}

export function rerunCommand(claimId: string, seed: number, trials: number, full = false): string {
  return `npx claimcheck run ${claimId} --seed ${seed} --trials ${trials}${full ? ' --full' : ''} --out reports/replay`;
}

export function replayCommand(claimId: string, seed: number, path: string, full = false): string {
  return `npx claimcheck replay ${claimId} --seed ${seed} --path ${path}${full ? ' --full' : ''}`;
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

export async function runSearch(spec: SearchSpec, o: SearchOptions): Promise<SearchResult> {
  const t0 = performance.now();
  const seed = o.seed ?? spec.seed;
  const N = o.trials ?? spec.trials;
  // at least one in-regime trial, whatever the source of N: zero trials never hold
  const minInRegime = Math.max(1, Math.min(N, spec.min_in_regime ?? Math.ceil(N / 4)));
  const timeoutMs = spec.timeout_s * 1000;
  const points = sampleSpace(spec.space, seed, N);
  const results: (TrialResult | undefined)[] = new Array(N);
  const reused: boolean[] = new Array(N).fill(false);
  // A frequency claim judges every trial: a trial where the event fails is data, not a counterexample.
  const stopAtFailure = !spec.frequency;
  let next = 0,
    done = 0,
    firstFail = Infinity,
    budgetExhausted = false;

  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const pump = (): void => {
      while (inFlight < o.runner.threads * 2 && next < N && next < firstFail) {
        if (o.budgetMs !== undefined && performance.now() - t0 > o.budgetMs) {
          budgetExhausted = true;
          break;
        }
        const k = next++;
        inFlight++;
        void o.runner.trial(spec, points[k], timeoutMs, { claim: o.claimId }).then((t) => {
          const r = (results[k] = t.result);
          reused[k] = t.reused === true;
          inFlight--;
          done++;
          if (r.status === 'fail' && stopAtFailure) firstFail = Math.min(firstFail, k);
          o.onProgress?.(done, N);
          pump();
        });
      }
      if (inFlight === 0) resolve();
    };
    pump();
  });

  // Judge the contiguous prefix that is complete (and, after a failure, stop at the first one):
  // this makes counts independent of the number of workers.
  let prefix = 0;
  while (prefix < N && results[prefix] && prefix <= firstFail) prefix++;
  const counts = emptyCounts();
  const problems: TrialResult[] = [];
  const outOfRegimeBy: Record<string, number> = Object.create(null);
  let closest: SearchResult['closest'];
  for (let k = 0; k < prefix; k++) {
    const r = results[k]!;
    counts[r.status]++;
    if (['diverged', 'timeout', 'error'].includes(r.status) && problems.length < 10) problems.push(r);
    if (r.status === 'out-of-regime') for (const [h, ok] of Object.entries(r.hypotheses)) if (!ok) outOfRegimeBy[h] = (outOfRegimeBy[h] ?? 0) + 1;
    if (r.status === 'pass') {
      const s = relativeSlack(r);
      if (s !== undefined && (!closest || s < closest.slack)) closest = { ...r, slack: s };
    }
  }

  let witness: Witness | undefined;
  if (firstFail < Infinity) witness = await shrinkAndRecheck(spec, o, seed, firstFail, points[firstFail], timeoutMs);

  const inRegime = counts.pass + counts.fail;
  const troubled = counts.diverged + counts.timeout + counts.error;
  let frequency: FrequencyResult | undefined;
  if (spec.frequency && inRegime > 0) {
    const at = planSearch(spec).atLeast!;
    let sum = 0;
    for (let k = 0; k < prefix; k++) if (['pass', 'fail'].includes(results[k]!.status)) sum += at.value(results[k]!.values);
    frequency = judgeFrequency(
      counts.pass,
      inRegime,
      sum / inRegime,
      spec.frequency.confidence,
      spec.frequency.at_least,
      rerunCommand(o.claimId, seed, N, o.full),
    );
  }
  const finding: SearchFinding =
    frequency && troubled === 0 && inRegime >= minInRegime
      ? { kind: 'frequency', frequency, outOfRegime: counts['out-of-regime'] }
      : witness
        ? { kind: 'counterexample', status: witness.status, trial: firstFail + 1, of: N, shrinks: witness.numShrinks }
        : troubled > 0
          ? { kind: 'troubled', troubled, others: prefix - troubled }
          : inRegime < minInRegime
            ? { kind: 'too-few-in-regime', inRegime, judged: prefix, needed: minInRegime }
            : {
                kind: 'no-counterexample',
                inRegime,
                outOfRegime: counts['out-of-regime'],
                ...(budgetExhausted ? { budgetStopped: { judged: prefix, of: N } } : {}),
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
  const samples = o.collect?.length
    ? results.slice(0, prefix).map((r) => ({
        status: r!.status,
        values: Object.fromEntries(o.collect!.map((m) => [m, Number.isFinite(r!.quantities[m]) ? r!.quantities[m] : null])),
      }))
    : undefined;
  const ms = performance.now() - t0;
  const reusedTrials = reused.slice(0, prefix).filter(Boolean).length;
  return {
    seed,
    trialsRequested: N,
    trialsRun: prefix,
    counts,
    outOfRegimeBy,
    minInRegime,
    verdict,
    reason,
    witness,
    problems,
    closest: spec.frequency ? undefined : closest,
    space,
    spaceSize,
    budgetExhausted,
    frequency,
    samples,
    trialsPerSecond: prefix / (ms / 1000),
    reusedTrials,
    ms,
  };
}

async function shrinkAndRecheck(spec: SearchSpec, o: SearchOptions, seed: number, k: number, originalValues: TrialValues, timeoutMs: number): Promise<Witness> {
  const check = await fc.check(
    fc.asyncProperty(spaceArbitrary(spec.space), async (v) => (await o.runner.run(spec, v, timeoutMs, { claim: o.claimId })).status !== 'fail'),
    { seed, path: String(k), numRuns: k + 1, interruptAfterTimeLimit: o.shrinkBudgetMs ?? 120_000 },
  );
  const values = check.failed && check.counterexample ? check.counterexample[0] : originalValues;
  const path = check.failed && check.counterexamplePath ? check.counterexamplePath : String(k);
  const [result, refined] = await Promise.all([
    o.runner.run(spec, values, timeoutMs, { keepTrajectory: true, claim: o.claimId }),
    o.runner.run(spec, values, timeoutMs * 10, { refine: true, keepTrajectory: true, claim: o.claimId }),
  ]);
  let bigNumberProperty: string | undefined;
  let note: string;
  let genuine = false;
  if (refined.status === 'fail') {
    try {
      bigNumberProperty = evaluateBig(planSearch(spec).property.node, { ...refined.values, ...refined.quantities });
      genuine = bigNumberProperty === 'false' || bigNumberProperty === '0';
      note = genuine
        ? 'the violation survives the stricter re-run (each block’s refined settings), and the final inequality is false in 64-digit arithmetic'
        : `the stricter re-run fails in float64, but the final inequality evaluates to ${bigNumberProperty} in 64-digit arithmetic`;
    } catch (e) {
      note = `the stricter re-run fails, but the 64-digit re-check could not run: ${(e as Error).message}`;
    }
  } else {
    note = `the stricter re-run gives "${refined.status}"${refined.message ? ` (${refined.message})` : ''}: the float64 witness may be a discretization artefact`;
  }
  return {
    values,
    seed,
    path,
    numShrinks: check.numShrinks,
    original: { values: originalValues, path: String(k) },
    result,
    recheck: { result: refined, bigNumberProperty, note },
    status: genuine ? 'genuine' : 'potential',
    replay: replayCommand(o.claimId, seed, path, o.full),
  };
}
