// The trial journal: every finished trial is appended (one JSON line) as soon as it ends, keyed by
// what determines it — the engine's code, the search spec, the trial's values and options. A run
// that is killed resumes from it, and re-running an unchanged claim costs nothing. Timeouts, worker
// errors, retried trials and steps not checked are never journaled (they depend on the machine's
// load; decided from the typed outcome, not its message), and a line cut short by a kill is skipped.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrialOutcome, TrialRunner } from './pool.js';
import type { TrialStatus } from './trial.js';

const CACHEABLE = new Set<TrialStatus>(['pass', 'fail', 'out-of-regime', 'diverged']);

/** sha256 of the engine's own code (every .js or .ts file beside this module's parent folder, sorted): a changed engine never reuses old trials. */
export function engineFingerprint(): string {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const h = createHash('sha256');
  const files = (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(root, f)))
      .update('\0');
  return h.digest('hex');
}

const NONFINITE = '__nonfinite:';
const encode = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? NONFINITE + String(v) : v);
const decode = (_k: string, v: unknown) => (typeof v === 'string' && v.startsWith(NONFINITE) ? Number(v.slice(NONFINITE.length)) : v);

export interface JournalStats {
  /** results answered from the journal, or from the same computation already under way in this run */
  hits: number;
  /** results computed (and journaled if cacheable) */
  runs: number;
  /** entries read at start (current engine) and lines skipped (other engines or cut short) */
  loaded: number;
  skipped: number;
}

/** Results keyed by sha256(engine, key parts), each computed at most once per run; with a file, also kept across runs (append-only; entries of another engine are ignored). */
export interface Journal {
  stats: JournalStats;
  /** The result for these key parts: from the journal, from the same computation already under way, or from `compute` (journaled when `keep` says so). */
  once<T>(key: unknown[], compute: () => Promise<T>, keep: (r: T) => boolean): Promise<{ value: T; reused: boolean }>;
}

export function openJournal(file: string | undefined, engine = engineFingerprint()): Journal {
  const entries = new Map<string, unknown>();
  const pending = new Map<string, Promise<unknown>>();
  const stats: JournalStats = { hits: 0, runs: 0, loaded: 0, skipped: 0 };
  const tag = engine.slice(0, 16);
  if (file && existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const line of lines) {
      if (!line) continue;
      try {
        const e = JSON.parse(line, decode) as { e: string; k: string; r: unknown };
        if (e.e !== tag || typeof e.k !== 'string' || e.r === null || typeof e.r !== 'object') throw new Error('stale');
        entries.set(e.k, e.r);
        stats.loaded++;
      } catch {
        stats.skipped++;
      }
    }
    // keep the journal from growing with results no current engine can use
    if (stats.skipped > 1000 && stats.skipped > stats.loaded) {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, [...entries].map(([k, r]) => JSON.stringify({ e: tag, k, r }, encode) + '\n').join(''));
      renameSync(tmp, file);
    }
  } else if (file) mkdirSync(dirname(file), { recursive: true });
  return {
    stats,
    async once<T>(parts: unknown[], compute: () => Promise<T>, keep: (r: T) => boolean) {
      const k = createHash('sha256')
        .update(JSON.stringify([tag, ...parts], encode))
        .digest('hex');
      const under = pending.get(k);
      const known = entries.get(k) ?? (under && (await under));
      if (known !== undefined) {
        stats.hits++;
        return { value: known as T, reused: true };
      }
      const p = compute();
      pending.set(k, p);
      try {
        const value = await p;
        stats.runs++;
        if (keep(value)) {
          entries.set(k, value);
          if (file) appendFileSync(file, JSON.stringify({ e: tag, k, r: value }, encode) + '\n');
        }
        return { value, reused: false };
      } finally {
        pending.delete(k);
      }
    },
  };
}

/** Journaled: a trial that ran to a verdict on its first worker (never a timeout, a worker error, or a retry). */
const keepTrial = (o: TrialOutcome): boolean => CACHEABLE.has(o.result.status) && o.retriedAfter === undefined;

/** A runner that answers trials and symbolic steps from its journals when it can, and journals every cacheable result. */
export function journaledRunner(inner: TrialRunner, trials: Journal, steps: Journal): TrialRunner {
  const trial: TrialRunner['trial'] = async (spec, values, timeoutMs, options, faults) => {
    const { value, reused } = await trials.once(['trial', spec, values, options ?? {}], () => inner.trial(spec, values, timeoutMs, options, faults), keepTrial);
    // a reused result is a copy, so that no caller shares another's object
    return reused ? { ...value, result: { ...value.result }, reused: true } : value;
  };
  return {
    threads: inner.threads,
    step: async (step, seed) =>
      (
        await steps.once(
          ['step', step, seed],
          () => inner.step(step, seed),
          (o) => o.status === 'checked',
        )
      ).value,
    trial,
    run: async (spec, values, timeoutMs, options) => (await trial(spec, values, timeoutMs, options)).result,
    close: () => inner.close(),
  };
}
