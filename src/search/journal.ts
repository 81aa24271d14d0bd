// The trial journal: every finished trial is appended (one JSON line) as soon as it ends, keyed by
// what determines it — the engine (its code in dist/ and src/, package-lock.json, the Node major
// version), the claim, the search spec, the trial's values and options. A run that is killed resumes
// from it, and re-running an unchanged claim costs nothing. Timeouts, worker errors, retried trials
// and steps not checked are never journaled (they depend on the machine's load; decided from the
// typed outcome, not its message), and a line cut short by a kill is skipped.
//
// What the journal trusts: nothing in the journal file itself. Each line carries an HMAC-SHA256 of its
// key and content under a per-user secret kept outside the repository (journalKeyFile()); a line whose
// MAC does not verify (committed in a pull request, appended by hand, from another user) or that does
// not match the result schema is skipped and counted. A journal can only save time: a reused result
// is used as it is only when it cannot decide a verdict against the claim (a trial that passed or
// was out of regime, a step verified); a fail, a divergence or a refuted step is re-run before it is
// reported, and when the re-run differs the fresh result wins and the mismatch is counted.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { StepOutcome } from '../symbolic/check.js';
import type { TrialOutcome, TrialRunner } from './pool.js';
import type { TrialStatus } from './trial.js';

const CACHEABLE = new Set<TrialStatus>(['pass', 'fail', 'out-of-regime', 'diverged']);
/** A journal file larger than this is not read (nor written). */
export const JOURNAL_MAX_BYTES = 128 * 1024 * 1024;

/** The package's root folder (above dist/ or src/, whichever this module runs from). */
const packageRoot = () => dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** sha256 of everything that can change a result besides the claim: the engine's code (every .js, .ts, .mjs or .wasm file under dist/ and src/, sorted), package-lock.json and the Node major version. */
export function engineFingerprint(root = packageRoot(), nodeVersion = process.versions.node): string {
  const h = createHash('sha256');
  for (const dir of ['dist', 'src']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    const files = (readdirSync(base, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => /\.(js|mjs|ts|wasm)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const f of files)
      h.update(`${dir}/${f}`)
        .update('\0')
        .update(readFileSync(join(base, f)))
        .update('\0');
  }
  const lock = join(root, 'package-lock.json');
  h.update('package-lock.json\0').update(existsSync(lock) ? readFileSync(lock) : 'none');
  h.update(`\0node ${nodeVersion.split('.')[0]}`);
  return h.digest('hex');
}

/** Where the per-user journal secret lives: $XDG_CACHE_HOME/claimcheck/journal.key, else ~/.cache/claimcheck/journal.key (never inside a repository's .cache/). */
export function journalKeyFile(): string {
  const cache = process.env.XDG_CACHE_HOME && isAbsolute(process.env.XDG_CACHE_HOME) ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'claimcheck', 'journal.key');
}

/** The per-user journal secret, created (mode 0600) on first use; refused when another user could read or replace it. */
export function journalSecret(file = journalKeyFile()): Buffer {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 1024) throw new Error(`${file} is not a journal key file`);
    if (st.mode & 0o077 || (process.getuid && st.uid !== process.getuid()))
      throw new Error(`${file} must be owned by you and private (chmod 600); delete it to have a new one made`);
    const text = readFileSync(fd, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${file} does not hold a journal key; delete it to have a new one made`);
    return Buffer.from(text, 'hex');
  } finally {
    closeSync(fd);
  }
}

// JSON loses -0 (written "0"), NaN and ±Infinity (written null): each is written as a tagged string, and a
// string that itself begins with the tag is tagged too, so that encoding is one-to-one (a key for x = -0
// never equals the key for x = 0, nor a number a string).
const NONFINITE = '__nonfinite:';
const STRING_TAG = NONFINITE + 'str:';
const encode = (_k: string, v: unknown) =>
  typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))
    ? NONFINITE + (Object.is(v, -0) ? '-0' : String(v))
    : typeof v === 'string' && v.startsWith(NONFINITE)
      ? STRING_TAG + v
      : v;
const decode = (_k: string, v: unknown) =>
  typeof v === 'string' && v.startsWith(NONFINITE) ? (v.startsWith(STRING_TAG) ? v.slice(STRING_TAG.length) : Number(v.slice(NONFINITE.length))) : v;

/** JSON with every object's keys sorted (non-finite numbers encoded): equal exactly when the values are. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (k, x) => {
    const y = encode(k, x);
    if (!y || typeof y !== 'object' || Array.isArray(y)) return y;
    return Object.fromEntries(Object.entries(y as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

export interface JournalStats {
  /** results answered from the journal, or from the same computation already under way in this run */
  hits: number;
  /** results computed (and journaled if cacheable) */
  runs: number;
  /** entries read at start (current engine, valid MAC) */
  loaded: number;
  /** lines skipped at start: another engine, cut short, or not a journal line */
  skipped: number;
  /** lines of the current engine whose MAC does not verify (forged, copied from elsewhere, edited) or whose result fails the schema */
  rejected: number;
  /** reused results that could decide a verdict, re-run before use */
  rechecked: number;
  /** of those, how many came out different (the fresh result was used) */
  mismatches: number;
}

/** How a journal may use what it holds for one kind of result. */
export interface ReusePolicy<T> {
  /** the shape a journaled result must have to be used at all */
  schema?: z.ZodType<T>;
  /** a reused result that may be used as it is (one that cannot decide a verdict against the claim); any other is re-run */
  trusted?: (r: T) => boolean;
  /** whether a re-run agrees with the journaled result (default: the same JSON) */
  same?: (journaled: T, fresh: T) => boolean;
}

export interface JournalOptions {
  /** the HMAC secret (default journalSecret(): per user, outside the repository) */
  secret?: Buffer;
  /** one line per problem (default: console.error) */
  warn?: (message: string) => void;
}

/** Results keyed by sha256(engine, key parts), each computed at most once per run; with a file, also kept across runs (append-only; entries of another engine or without a valid MAC are ignored). */
export interface Journal {
  stats: JournalStats;
  /** The result for these key parts: from the journal, from the same computation already under way, or from `compute` (journaled when `keep` says so). */
  once<T>(key: unknown[], compute: () => Promise<T>, keep: (r: T) => boolean, policy?: ReusePolicy<T>): Promise<{ value: T; reused: boolean }>;
}

/** A journal line: {e: engine tag, k: key, r: the result's JSON, m: its MAC}, all strings (checked by hand: a journal may hold a million lines). */
interface JournalLine {
  e: string;
  k: string;
  r: string;
  m: string;
}
const HEX64 = /^[0-9a-f]{64}$/;
function journalLine(text: string): JournalLine | undefined {
  const x = JSON.parse(text) as Partial<JournalLine> | null;
  if (!x || typeof x !== 'object' || Array.isArray(x) || Object.keys(x).length !== 4) return undefined;
  const { e, k, r, m } = x;
  return typeof e === 'string' && typeof k === 'string' && typeof r === 'string' && typeof m === 'string' && HEX64.test(k) && HEX64.test(m)
    ? { e, k, r, m }
    : undefined;
}

/** The lines of an open file, read 1 MB at a time (a large journal is never one string). */
function* linesOf(fd: number): Generator<string> {
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) {
    const parts = (rest + decoder.write(buf.subarray(0, n))).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/** Why a journal file may not be used: a symlink anywhere on its path, or anything but a regular file. */
function unusablePath(file: string): string | undefined {
  const abs = resolve(file);
  const rel = relative(process.cwd(), abs);
  const within = !rel.startsWith('..') && !isAbsolute(rel);
  // each folder from the working directory down (or the file's own folder), then the file
  const parts = within ? rel.split(/[\\/]/) : [abs];
  let at = within ? process.cwd() : '';
  for (let i = 0; i < parts.length; i++) {
    at = within ? join(at, parts[i]) : abs;
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return undefined; // not there yet: it will be created
    }
    if (st.isSymbolicLink()) return `${at} is a symbolic link`;
    if (i === parts.length - 1 && !st.isFile()) return `${file} is not a regular file`;
    if (i < parts.length - 1 && !st.isDirectory()) return `${at} is not a folder`;
  }
  return undefined;
}

export function openJournal(file: string | undefined, engine = engineFingerprint(), options: JournalOptions = {}): Journal {
  const warn = options.warn ?? ((m: string) => console.error(`claimcheck: ${m}`));
  const entries = new Map<string, { r: unknown; line?: string; fromFile: boolean }>();
  const pending = new Map<string, Promise<unknown>>();
  const stats: JournalStats = { hits: 0, runs: 0, loaded: 0, skipped: 0, rejected: 0, rechecked: 0, mismatches: 0 };
  const tag = engine.slice(0, 16);
  let secret: Buffer | undefined = options.secret;
  let fd: number | undefined;
  const stop = (why: string) => {
    if (file) warn(`the journal ${file} is not used: ${why}; continuing without it`);
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already unusable
      }
    }
    fd = undefined;
    file = undefined;
  };
  if (file) {
    try {
      secret ??= journalSecret();
    } catch (e) {
      stop(`no journal key (${(e as Error).message})`);
    }
  }
  const mac = (k: string, r: string) => createHmac('sha256', secret!).update(`${tag}\n${k}\n${r}`).digest();
  const lineOf = (k: string, r: string) => JSON.stringify({ e: tag, k, r, m: mac(k, r).toString('hex') }) + '\n';
  if (file) {
    const why = unusablePath(file);
    if (why) stop(why);
  }
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error('not a regular file');
      if (st.size > JOURNAL_MAX_BYTES) throw new Error(`larger than ${JOURNAL_MAX_BYTES / 2 ** 20} MB; delete it`);
      for (const line of linesOf(fd)) {
        if (!line) continue;
        let parsed: JournalLine | undefined;
        try {
          parsed = journalLine(line);
        } catch {
          parsed = undefined;
        }
        if (!parsed) {
          stats.skipped++;
          continue;
        }
        if (parsed.e !== tag) {
          stats.skipped++;
          continue;
        }
        let r: unknown;
        try {
          const m = Buffer.from(parsed.m, 'hex');
          if (!timingSafeEqual(m, mac(parsed.k, parsed.r))) throw new Error('bad MAC');
          r = JSON.parse(parsed.r, decode);
          if (r === null || typeof r !== 'object') throw new Error('not a result');
        } catch {
          stats.rejected++;
          continue;
        }
        entries.set(parsed.k, { r, line: line + '\n', fromFile: true });
        stats.loaded++;
      }
      if (stats.rejected)
        warn(
          `${stats.rejected} line(s) of the journal ${file} carry no valid MAC for this user and engine: ignored (a journal from elsewhere is never trusted)`,
        );
    } catch (e) {
      stop((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
    // keep the journal from growing with results no current engine can use
    if (file && stats.skipped + stats.rejected > 1000 && stats.skipped + stats.rejected > stats.loaded) {
      // a fresh temporary file, created exclusively (O_EXCL: never through a symlink or over a file planted
      // there) under a random name; only a file this run created is ever removed
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(8).toString('hex')}`;
      let created = false;
      try {
        const tfd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        created = true;
        try {
          writeFileSync(tfd, [...entries.values()].map((x) => x.line!).join(''));
        } finally {
          closeSync(tfd);
        }
        renameSync(tmp, file);
        created = false;
        closeSync(fd!);
        fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
      } catch (e) {
        try {
          if (created) unlinkSync(tmp);
        } catch {
          // nothing more to do
        }
        stop((e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
    }
  }
  const append = (line: string) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, line);
    } catch (e) {
      stop(`cannot write to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  return {
    stats,
    async once<T>(parts: unknown[], compute: () => Promise<T>, keep: (r: T) => boolean, policy: ReusePolicy<T> = {}) {
      // canonical: the same key whatever the order of an object's fields (a spec, values, options)
      const k = createHash('sha256')
        .update(canonical([tag, ...parts]))
        .digest('hex');
      const under = pending.get(k);
      if (under) {
        stats.hits++;
        return { value: (await under) as T, reused: true };
      }
      const entry = entries.get(k);
      let journaled: T | undefined;
      if (entry) {
        // the schema only checks: the result used is the journaled object itself, keys in their order
        if (policy.schema && !policy.schema.safeParse(entry.r).success) {
          stats.rejected++;
          entries.delete(k);
        } else if (!entry.fromFile || !policy.trusted || policy.trusted(entry.r as T)) {
          stats.hits++;
          return { value: entry.r as T, reused: true };
        } else {
          journaled = entry.r as T;
          stats.rechecked++;
        }
      }
      const p = compute();
      pending.set(k, p);
      try {
        const value = await p;
        stats.runs++;
        const agrees = journaled !== undefined && (policy.same ? policy.same(journaled, value) : canonical(journaled) === canonical(value));
        if (journaled !== undefined && !agrees) {
          stats.mismatches++;
          if (stats.mismatches === 1) warn('a journaled result differs from its re-run: the fresh result is used (is the journal from another machine?)');
        }
        if (keep(value)) {
          const line = secret ? lineOf(k, JSON.stringify(value, encode)) : undefined;
          entries.set(k, { r: value, line, fromFile: false });
          if (line && !agrees) append(line);
        } else if (journaled !== undefined) entries.delete(k);
        return { value, reused: false };
      } finally {
        pending.delete(k);
      }
    },
  };
}

// The shapes a journaled result must have (numbers may be ±Infinity or NaN: the journal encodes them).
const num = z.custom<number>((v) => typeof v === 'number');
const trialResultSchema = z.object({
  status: z.enum(['pass', 'fail', 'out-of-regime', 'diverged']),
  values: z.record(z.string(), num),
  quantities: z.record(z.string(), num),
  hypotheses: z.record(z.string(), z.boolean()),
  seedless: z.literal(true).optional(),
  property: z
    .object({
      holds: z.boolean(),
      robustness: num.optional(),
      op: z.string().optional(),
      lhs: num.optional(),
      rhs: num.optional(),
      conjunct: z.string().optional(),
      parts: z.array(num).optional(),
    })
    .optional(),
  message: z.string().optional(),
  watch: z
    .record(
      z.string(),
      z.object({
        steps: num,
        watched: num.optional(),
        stoppedAt: z.object({ step: num, loss: num }).optional(),
        lossReached: num.optional(),
        required: num.optional(),
        signFlip: z.object({ step: num, loss: num, why: z.string() }).optional(),
      }),
    )
    .optional(),
  precision: z.object({ arithmetic: z.literal('double-double') }).optional(),
  trajectory: z.array(z.unknown()).optional(),
  trace: z.array(z.unknown()).optional(),
  ms: num,
});
const trialOutcomeSchema = z.object({ result: trialResultSchema }) as unknown as z.ZodType<TrialOutcome>;
const stepOutcomeSchema = z.object({
  status: z.literal('checked'),
  result: z.object({
    id: z.string(),
    kind: z.string(),
    statement: z.string().optional(),
    verdict: z.enum(['verified', 'refuted', 'numeric-only', 'cas-fault', 'error']),
    cases: z.array(z.unknown()),
    message: z.string(),
    seed: num,
    sharedFrom: z.string().optional(),
  }),
}) as unknown as z.ZodType<StepOutcome>;

/** A trial's result without its timing, for comparing a journaled result with its re-run. */
const withoutTiming = (o: TrialOutcome) => canonical({ ...o.result, ms: 0 });

/** Journaled: a trial that ran to a verdict on its first worker (never a timeout, a worker error, or a retry). */
const keepTrial = (o: TrialOutcome): boolean => CACHEABLE.has(o.result.status) && o.retriedAfter === undefined;

/** Reused as they are: trials that passed or were out of regime (for a frequency claim, the event held), and steps verified or numeric-only; everything else is re-run. */
const TRIAL_REUSE: ReusePolicy<TrialOutcome> = {
  schema: trialOutcomeSchema,
  trusted: (o) => o.result.status === 'pass' || o.result.status === 'out-of-regime',
  same: (a, b) => withoutTiming(a) === withoutTiming(b),
};
const STEP_REUSE: ReusePolicy<StepOutcome> = {
  schema: stepOutcomeSchema,
  trusted: (o) => (o.result.verdict === 'verified' || o.result.verdict === 'numeric-only') && o.result.cases.length > 0 && o.result.cases.every(checkedCase),
};

/** A case checked at finite sample points: a verified or numeric-only verdict, points checked, a finite error, no non-finite point (symbolic/check.ts). */
function checkedCase(c: unknown): boolean {
  if (!c || typeof c !== 'object') return false;
  const k = c as { verdict?: unknown; nonFinite?: unknown; numeric?: { points?: unknown; maxError?: unknown } };
  return (
    (k.verdict === 'verified' || k.verdict === 'numeric-only') &&
    k.nonFinite === undefined &&
    typeof k.numeric?.points === 'number' &&
    k.numeric.points > 0 &&
    typeof k.numeric.maxError === 'number' &&
    Number.isFinite(k.numeric.maxError)
  );
}

/** A runner that answers trials and symbolic steps from its journals when it can, and journals every cacheable result. */
export function journaledRunner(inner: TrialRunner, trials: Journal, steps: Journal): TrialRunner {
  const trial: TrialRunner['trial'] = async (spec, values, timeoutMs, options, faults, dispatch) => {
    const { value, reused } = await trials.once(
      ['trial', spec, values, options ?? {}],
      () => inner.trial(spec, values, timeoutMs, options, faults, dispatch),
      keepTrial,
      TRIAL_REUSE,
    );
    // a reused result is a copy, so that no caller shares another's object
    return reused ? { ...value, result: { ...value.result }, reused: true } : value;
  };
  return {
    threads: inner.threads,
    slotUse: inner.slotUse,
    step: async (step, seed) =>
      (
        await steps.once(
          ['step', step, seed],
          () => inner.step(step, seed),
          (o) => o.status === 'checked',
          STEP_REUSE,
        )
      ).value,
    trial,
    run: async (spec, values, timeoutMs, options) => (await trial(spec, values, timeoutMs, options)).result,
    close: () => inner.close(),
  };
}
