// The trial journal: every finished trial is appended (one JSON line) as soon as it ends, keyed by
// what determines it — the engine's code, the search spec, the trial's values and options. A run
// that is killed resumes from it, and re-running an unchanged claim costs nothing. Timeouts and
// worker errors are never journaled (they depend on the machine's load), and a line cut short by a
// kill is skipped.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrialRunner } from './pool.js';
import type { TrialResult } from './trial.js';

const CACHEABLE = new Set(['pass', 'fail', 'out-of-regime', 'diverged']);

/** sha256 of the engine's own code (every .js or .ts file beside this module's parent folder, sorted): a changed engine never reuses old trials. */
export function engineFingerprint(): string {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const h = createHash('sha256');
  const files = (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return h.digest('hex');
}

const NONFINITE = '__nonfinite:';
const encode = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? NONFINITE + String(v) : v);
const decode = (_k: string, v: unknown) => (typeof v === 'string' && v.startsWith(NONFINITE) ? Number(v.slice(NONFINITE.length)) : v);

export interface JournalStats {
  /** trials answered from the journal */
  hits: number;
  /** trials run (and journaled if cacheable) */
  runs: number;
  /** entries read at start (current engine) and lines skipped (other engines or cut short) */
  loaded: number;
  skipped: number;
}

export function journaledRunner(inner: TrialRunner, file: string, engine = engineFingerprint()): TrialRunner & { stats: JournalStats } {
  const entries = new Map<string, TrialResult>();
  const stats: JournalStats = { hits: 0, runs: 0, loaded: 0, skipped: 0 };
  const tag = engine.slice(0, 16);
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const line of lines) {
      if (!line) continue;
      try {
        const e = JSON.parse(line, decode) as { e: string; k: string; r: TrialResult };
        if (e.e !== tag || typeof e.k !== 'string' || !e.r?.status) throw new Error('stale');
        entries.set(e.k, e.r);
        stats.loaded++;
      } catch {
        stats.skipped++;
      }
    }
    // keep the journal from growing with trials no current engine can use
    if (stats.skipped > 1000 && stats.skipped > stats.loaded) {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, [...entries].map(([k, r]) => JSON.stringify({ e: tag, k, r }, encode) + '\n').join(''));
      renameSync(tmp, file);
    }
  } else mkdirSync(dirname(file), { recursive: true });
  const keyOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts, encode)).digest('hex');
  return {
    threads: inner.threads,
    stats,
    async run(spec, values, timeoutMs, options, faults) {
      const key = keyOf(tag, spec, values, options ?? {});
      const hit = entries.get(key);
      if (hit) {
        stats.hits++;
        // marked for the search's count; not enumerable, so reports stay identical to a fresh run's
        const r = { ...hit };
        Object.defineProperty(r, 'reused', { value: true, enumerable: false });
        return r;
      }
      const r = await inner.run(spec, values, timeoutMs, options, faults);
      stats.runs++;
      if (CACHEABLE.has(r.status) && !r.message?.includes('worker died')) {
        entries.set(key, r);
        appendFileSync(file, JSON.stringify({ e: tag, k: key, r }, encode) + '\n');
      }
      return r;
    },
    close: () => inner.close(),
  };
}


/** Whether a trial result came from the journal rather than a run. */
export const wasReused = (r: TrialResult): boolean => (r as { reused?: boolean }).reused === true;
