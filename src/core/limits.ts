// The resource limits a claim file is held to, in one place. Validation refuses a claim whose
// declared sizes exceed them (an error at the offending field), before anything runs; the worker
// pool enforces the run-time ones (memory per worker, time per symbolic step). The sizes are enforced
// again when a trial builds each block (`checkSize`, called by src/blocks before they allocate):
// validation bounds a size only where its range over the space can be computed, and the worker heap
// limit does not count typed-array storage, so this run-time check is the real bound. Each limit can be
// raised (or lowered) for one run with its environment variable, e.g.
//   CLAIMCHECK_MAX_TRIALS=5000000 npx claimcheck run …
// Worker threads inherit the environment, so the main thread and the workers agree on them.

export interface Limit {
  /** the environment variable that overrides it */
  env: string;
  value: number;
  /** what it bounds, for error messages and `describeLimits` */
  what: string;
}

function limit(env: string, fallback: number, what: string): Limit {
  const raw = process.env[env];
  const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return { env, value: Number.isFinite(v) && v > 0 ? v : fallback, what };
}

export const LIMITS = {
  /** trials of one search, from the file (`trials`, `full.trials`) or the command line (`--trials`) */
  trials: limit('CLAIMCHECK_MAX_TRIALS', 1_000_000, 'trials per search'),
  /** values of one domain of the space (an int range may be large: it is sampled, never listed) */
  domainValues: limit('CLAIMCHECK_MAX_DOMAIN_VALUES', 1e15, 'values in one domain of the search space'),
  /** float64 entries one block may allocate in the worst case over the space: a data set's n×d, a model's parameters */
  entries: limit('CLAIMCHECK_MAX_ENTRIES', 2e7, 'numbers in one data set or model (n × d, or the parameter count)'),
  /** memory of one trial, estimated from its sizes: 16 copies of the model's parameters (gradients, integrator stages), the data, and two rows of activations per data row */
  trialMb: limit('CLAIMCHECK_MAX_TRIAL_MB', 512, 'MB of estimated memory per trial'),
  /** steps of one run of the dynamics (gradient descent steps, max_steps of an adaptive flow, time/eta of a fixed-step flow) */
  steps: limit('CLAIMCHECK_MAX_STEPS', 1e8, 'steps of one run of the dynamics'),
  /** a search's total work: trials × (variants + 1) × steps × (parameters + data entries) */
  work: limit('CLAIMCHECK_MAX_WORK', 1e12, 'work of one search (trials × runs × steps × numbers)'),
  /** the trials a boundary map runs: grid cells × seeds */
  boundaryTrials: limit('CLAIMCHECK_MAX_BOUNDARY_TRIALS', 50_000, 'trials of one boundary map (cells × seeds)'),
  /** memory the main thread keeps for one search's results: trials × the names each records */
  resultMb: limit('CLAIMCHECK_MAX_RESULT_MB', 600, 'MB of trial results one search keeps'),
  /** characters of one expression of a symbolic step, after its `where` definitions are substituted */
  stepChars: limit('CLAIMCHECK_MAX_STEP_CHARS', 20_000, 'characters of a symbolic step’s expression'),
  /** variables of one symbolic step */
  stepVariables: limit('CLAIMCHECK_MAX_STEP_VARIABLES', 24, 'variables of a symbolic step'),
  /** wall time of one symbolic step on a worker; past it the step is `not checked (timeout)` */
  stepSeconds: limit('CLAIMCHECK_STEP_TIMEOUT_S', 300, 'seconds one symbolic step may take'),
  /** V8 heap of one worker thread; a trial past it is `error: memory` */
  workerMb: limit('CLAIMCHECK_WORKER_MEMORY_MB', 768, 'MB of heap per worker thread'),
} satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/** "exceeds the limit of N <what> (raise it with ENV=…)": the tail of every limit error. */
export function overLimit(name: LimitName, found: number): string {
  const l = LIMITS[name];
  return `${fmtCount(found)} exceeds the limit of ${fmtCount(l.value)} ${l.what} (set ${l.env} to raise it)`;
}

export function fmtCount(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e6 ? x.toExponential(2).replace('e+', 'e') : String(Math.round(x * 100) / 100);
}

/** `--trials N` from the command line: the same cap as a claim file's own `trials`. */
export function checkCliTrials(n: number | undefined): number | undefined {
  if (n !== undefined && n > LIMITS.trials.value) throw new Error(`--trials ${n}: ${overLimit('trials', n)}`);
  return n;
}

/** The limits in force, one line each (for the README and `--help`-like output). */
export function describeLimits(): string[] {
  return Object.values(LIMITS).map((l) => `${l.env}=${fmtCount(l.value)}: ${l.what}`);
}

/** A block's real size at run time exceeds a limit: the trial is `error: size — …`, before anything is allocated. */
export class SizeLimitError extends Error {
  constructor(
    readonly limit: LimitName,
    readonly found: number,
    /** what was measured, e.g. "two-layer model: width 100004 × (d 10 + 2) parameters" */
    readonly what: string,
  ) {
    super(`size — ${what}: ${overLimit(limit, found)}`);
  }
}

/** Throws SizeLimitError unless `found` is within the limit (NaN and ∞ are over it); call before allocating. */
export function checkSize(limit: 'entries' | 'steps' | 'trialMb', found: number, what: string): void {
  if (!(found <= LIMITS[limit].value)) throw new SizeLimitError(limit, found, what);
}

/** Estimated memory of one trial in MB, the formula validation uses: 16 copies of the parameters, the data, two rows of activations per data row. */
export function trialMemoryMb(parameters: number, dataEntries: number, rows: number, perRow: number): number {
  return (8 * (16 * parameters + dataEntries + 2 * rows * perRow)) / 2 ** 20;
}
