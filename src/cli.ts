// The command line: run, ablate, validate, replay, list, diff, merge, blocks, new, schema.
// Exit codes: 0 every verdict agrees with the paper, 1 a verdict disagrees (or, for diff, changed),
// 2 invalid input (a claim file, a flag, a report given), 3 the report or another output cannot be written.
// Every line goes to the terminal through say/warn, which escape control characters (claim files are untrusted).
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { defineCommand, runCommand, runMain, showUsage, type ArgsDef, type CommandDef } from 'citty';
import { SingleBar, Presets } from 'cli-progress';
import { editDistance } from './core/did-you-mean.js';
import { blockTable } from './blocks/table.js';
import { checkCliTrials, LIMITS, fmtCount, overLimit } from './claims/limits.js';
import { planSearch, trialCountWords, trialResultMb } from './claims/plan.js';
import { commandTarget, formatError, loadClaims, PROJECT_CLAIMS_DIR, type ClaimLoad } from './claims/load.js';
import { claimSkeleton, paperSkeleton, skeletonNameError } from './claims/skeleton.js';
import { CLAIM_SCHEMA_PATH, claimJsonSchemaText, schemaLine, withSchemaLine } from './claims/json-schema.js';
import { guidedTrialCount, searchAtScale, type Domain } from './claims/schema.js';
import { environment, mergeProblems } from './report/environment.js';
import { fmt, terminalSafe, verdictLine } from './report/format.js';
import { diffReports, formatDiffLines } from './report/diff.js';
import { buildReport, checkReportDir, mergeReports, OutputError, readReportFile, writeReport, type Report } from './report/report.js';
import { earlyStopNote, wholePathCommand, withoutEarlyDecision } from './claims/early-decision.js';
import { checkClaim, invalidResult, withoutPremise, type ClaimResult } from './runner.js';
import { engineFingerprint, journaledRunner, openJournal } from './search/journal.js';
import { createPool, withPriority, type SlotUse } from './search/pool.js';
import { DD_PROBE, replayCommand, replayTimeoutMs, replayValuesCommand, valuesAtPath } from './search/search.js';
import { domainIndex, SEED_MAX, type TrialValues } from './search/space.js';

const EXIT_MISMATCH = 1;
const JOURNAL = join('.cache', 'claimcheck', 'trials.jsonl');
const STEP_JOURNAL = join('.cache', 'claimcheck', 'steps.jsonl');
const EXIT_INPUT = 2;
const EXIT_OUTPUT = 3;

/** A line to stdout / stderr, control characters escaped (see terminalSafe). */
const say = (line = '') => console.log(terminalSafe(line));
const warn = (line: string) => console.error(terminalSafe(line));

/** A malformed command line: the CLI prints the message and exits with EXIT_INPUT, before any work. */
class UsageError extends Error {
  override name = 'UsageError';
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The first option in `argv` that the command's `args` do not declare, as an error with the nearest declared one
 * (citty ignores unknown options, so `--no-cahce` would quietly run with the journal), or the first
 * option given twice. A string option's value is the next word, as citty reads it; `--` ends the options.
 */
export function optionError(command: string, args: ArgsDef, argv: string[]): string | undefined {
  const declared = new Map<string, string>();
  for (const [k, d] of Object.entries(args)) {
    if (d.type === 'positional') continue;
    for (const name of [k, kebab(k), ...['alias' in d && d.alias ? [d.alias].flat() : []].flat()]) {
      declared.set(name, d.type ?? 'string');
      if (d.type === 'boolean') declared.set(`no-${name}`, 'boolean');
    }
  }
  declared.set('help', 'boolean').set('h', 'boolean');
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') continue;
    const [name, value] = a.replace(/^--?/, '').split(/=(.*)/s);
    const type = declared.get(name);
    if (type === undefined) {
      const dash = a.startsWith('--') ? '--' : '-';
      const near = [...declared.keys()].filter((k) => k.length > 1).sort((x, y) => editDistance(name, x) - editDistance(name, y))[0];
      const hint = near && editDistance(name, near) <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean --${near}?` : '';
      return `unknown option ${dash}${name}${hint} (claimcheck ${command} --help lists the options)`;
    }
    // one spelling per option: a second --threads (or --cache after --no-cache) would silently win
    const negated = name.startsWith('no-') && declared.get(name.slice(3)) === 'boolean';
    const option = kebab(negated ? name.slice(3) : name);
    if (seen.has(option)) return `option --${option} given more than once`;
    seen.add(option);
    if (type === 'string' && value === undefined) i++;
  }
  return undefined;
}

/** A whole number in [min, max] from the flag --name, or undefined when the flag is absent; anything else is a UsageError. */
function intFlag(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (s === '') throw new UsageError(`--${name} needs a value`);
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, got "${s}"`);
  return n;
}

/** The largest run seed: fast-check seeds are 32-bit, so a larger one would alias a smaller. */
const MAX_SEED = 2 ** 32 - 1;
const MAX_THREADS = 1024;

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`cannot read the duration "${s}" (examples: 30s, 5m, 1h)`);
  const k = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * k;
  if (!(ms >= 1) || !Number.isFinite(ms) || ms > 2 ** 31 - 1) throw new UsageError(`a duration must be from 1 ms to about 24 days, got "${s}"`);
  return ms;
}

/** The report folder of --out: refused when empty or blank, before any work. */
function outFlag(v: unknown): string {
  const s = String(v ?? '');
  if (s.trim() === '') throw new UsageError('--out needs a folder name (it was empty)');
  return s;
}

/** A fast-check path as the report prints it: whole numbers separated by colons (e.g. 0 or 12:3:0). */
function parsePath(s: string): string {
  const t = s.trim();
  if (!/^\d+(:\d+)*$/.test(t) || t.split(':').some((p) => !Number.isSafeInteger(Number(p))) || t.length > 10_000)
    throw new UsageError(
      `--path takes the fast-check path printed with a counterexample (whole numbers joined by ":", e.g. 0 or 12:3:0), got "${s.slice(0, 200)}"`,
    );
  return t;
}

/**
 * The largest first component of a replayed path: fast-check draws that many points to reach it, so
 * it is bounded by what a search can have drawn (planTrials draws at most 128·max(trials, 16) points;
 * at least 10^6, about a second, for a run given a larger --trials).
 */
export function maxPathRun(trials: number): number {
  return Math.max(1_000_000, 128 * Math.max(trials, 16));
}

/** A trial named by its values, as the report prints it: name=value pairs joined by commas, every declared variable and `seed` (e.g. gamma=2,kappa=0.5,seed=13). */
export function parseValues(s: string, space: Record<string, Domain>): TrialValues {
  const out: TrialValues = {};
  const bad = (why: string) =>
    new UsageError(`--values takes name=value pairs joined by "," (every variable of the space and seed), got "${s.slice(0, 200)}": ${why}`);
  for (const pair of s.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(pair);
    if (!m) throw bad(`"${pair.slice(0, 40)}" is not name=value`);
    const v = Number(m[2]);
    if (!Number.isFinite(v)) throw bad(`${m[1]} is not a finite number`);
    if (!Object.hasOwn(space, m[1]) && m[1] !== 'seed') throw bad(`${m[1]} is not a variable of the space`);
    if (Object.hasOwn(out, m[1])) throw bad(`${m[1]} given twice`);
    // a value outside the declared domain names no trial of this search (and may be one no block expects)
    if (m[1] === 'seed' ? !(Number.isInteger(v) && v >= 0 && v <= SEED_MAX) : domainIndex(space[m[1]], v) < 0)
      throw bad(m[1] === 'seed' ? `seed must be a whole number from 0 to ${SEED_MAX}` : `${m[1]} = ${v} is not a value of its declared domain`);
    out[m[1]] = v;
  }
  const missing = [...Object.keys(space), 'seed'].filter((k) => !Object.hasOwn(out, k));
  if (missing.length) throw bad(`missing ${missing.join(', ')}`);
  return out;
}

/**
 * --trials and --seeds change how many trials a search runs, so validation's work and result-memory
 * limits (src/claims/plan.ts, checked with the file's own trials) are checked again with the
 * effective count, (trials + guided trials) × seeds, before any claim runs.
 */
function checkEffectiveTrials(loads: ClaimLoad[], trials: number | undefined, seeds: number | undefined, full: boolean): void {
  if (trials === undefined && (seeds ?? 1) <= 1) return;
  for (const l of loads) {
    if (!l.ok || !l.claim.search) continue;
    const spec = searchAtScale(l.claim.search, full);
    const plan = planSearch(spec);
    const N = trials ?? spec.trials;
    const G = guidedTrialCount(spec, N);
    const S = seeds ?? 1;
    const n = (N + G) * S;
    const how = `${trials === undefined ? `${spec.trials} trials` : `--trials ${trials}`}${S > 1 ? ` × --seeds ${S}` : ''}`;
    const { steps, entries } = plan.footprint;
    const work = n * (1 + plan.variants.length) * Math.max(1, steps) * Math.max(1, entries);
    if (!(work <= LIMITS.work.value))
      throw new UsageError(
        `claim ${l.claim.id}: ${how}: ${trialCountWords(N, G, S)} × ${1 + plan.variants.length} run(s) × ${fmtCount(Math.max(1, steps))} steps × ${fmtCount(Math.max(1, entries))} numbers: ${overLimit('work', work)}`,
      );
    const resultMb = trialResultMb(n, plan.names.length);
    if (!(resultMb <= LIMITS.resultMb.value))
      throw new UsageError(`claim ${l.claim.id}: ${how}: ${trialCountWords(N, G, S)}, of ${plan.names.length} names each: ${overLimit('resultMb', resultMb)}`);
  }
}

function intArg(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(String(v).trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

const isFolder = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Where claim ids are looked up: the claims/ folder of the current folder when there is one, else the
 * built-in library (the claims/ folder that ships with claimcheck).
 */
function idRoot(): string {
  return isFolder('claims') ? 'claims' : PROJECT_CLAIMS_DIR;
}

/** What run and validate check when given no claim: the current folder's claims/, which must exist. */
function defaultRoot(command: string): string {
  if (isFolder('claims')) return 'claims';
  throw new UsageError(
    `no claims/ folder here: name a paper folder or claim files (claimcheck ${command} smith2024), or write a first claim with claimcheck new smith2024/first-claim`,
  );
}

/** Positional arguments are files/folders, or claim ids (selecting from `root`: by default claims/ here, else the built-in library). */
function select(
  targets: string[],
  root?: string,
  command = 'run',
): { loads: ClaimLoad[]; papers: ReturnType<typeof loadClaims>['papers']; paperErrors: ReturnType<typeof loadClaims>['paperErrors'] } {
  const isPath = (t: string) => {
    try {
      return !!lstatSync(t);
    } catch {
      return false;
    }
  };
  const paths = targets.filter(isPath);
  const ids = targets.filter((t) => !isPath(t));
  const from = paths.length ? paths : [root ?? (ids.length ? idRoot() : defaultRoot(command))];
  const { claims, papers, paperErrors } = loadClaims(from);
  if (!claims.length) throw new UsageError(`no claim files (*.yaml) in ${from.join(', ')}`);
  if (!ids.length) return { loads: claims, papers, paperErrors };
  const chosen = claims.filter((c) => ids.includes(c.ok ? c.claim.id : (c.id ?? '')));
  const missing = ids.filter((id) => !chosen.some((c) => (c.ok ? c.claim.id : c.id) === id));
  if (missing.length) {
    const known = claims.map((c) => (c.ok ? c.claim.id : c.id)).filter((id): id is string => !!id);
    const near = (m: string) => {
      const close = known
        .map((k) => ({ k, d: Math.min(editDistance(m, k), k.endsWith(m) || k.includes(`.${m}`) ? 0 : Infinity) }))
        .filter(({ k, d }) => d <= Math.max(2, Math.floor(m.length / 4)) || k.includes(m))
        .sort((a, b) => a.d - b.d)
        .slice(0, 5)
        .map(({ k }) => k);
      return close.length ? ` (did you mean ${close.join(', ')}?)` : '';
    };
    throw new UsageError(
      `no claim file or claim id ${missing.map((m) => `"${m}"${near(m)}`).join(', ')}; ${known.length} claim ids are known in ${from.map((f) => (f === PROJECT_CLAIMS_DIR ? 'claimcheck’s own claims/' : f)).join(', ')} (\`claimcheck list\` shows them; name a claim file, or the folder to look in with --claims for replay)`,
    );
  }
  return { loads: chosen, papers, paperErrors };
}

export function parseShard(s: string): { i: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const i = Number(m?.[1]),
    n = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(n) || n < 1 || i < 1 || i > n) throw new UsageError(`--shard takes i/N with 1 ≤ i ≤ N (e.g. 2/4), got "${s}"`);
  return { i, n };
}

const merge = defineCommand({
  meta: { name: 'merge', description: 'combine the report.json files of shards (run --shard i/N) into one report, as an unsharded run writes it' },
  args: {
    reports: { type: 'positional', required: true, description: 'the shards’ report.json files' },
    out: { type: 'string', default: 'reports/latest', description: 'report folder' },
    force: {
      type: 'boolean',
      default: false,
      description: 'merge even shards whose lock files, Node major versions or engine fingerprints differ, or that come from trees with uncommitted changes',
    },
  },
  async run({ args }) {
    const files = (args._ as string[]) ?? [];
    checkReportDir(outFlag(args.out));
    const parts = files.map((f) => readReportFile(f));
    const problems = mergeProblems(
      parts.map((p) => p.environment),
      files,
    );
    if (problems.length && !args.force) throw new UsageError(`merge: the shards are not one run (--force merges them anyway): ${problems.join('; ')}`);
    for (const p of problems) warn(`merge --force: ${p}`);
    const merged = mergeReports(parts);
    const written = await writeReport(merged, args.out);
    const s = merged.summary;
    say(`Merged ${files.length} shard report(s): ${s.claims} claims, ${s.matching} agree with the paper's assertion.`);
    say(`Report: ${written.html} (also ${written.md}; data: ${written.json})`);
    process.exitCode = s.invalid ? EXIT_INPUT : s.matching === s.claims ? 0 : EXIT_MISMATCH;
  },
});

const runArgs = {
  targets: { type: 'positional', required: false, description: 'claim files, folders or ids' },
  trials: { type: 'string', description: 'trials per search (default: each claim file’s own)' },
  seed: { type: 'string', description: 'run seed for every search (default: each claim file’s own)' },
  budget: { type: 'string', description: 'time budget per search, e.g. 30s or 5m' },
  out: { type: 'string', description: 'report folder (default reports/latest; with --drop P, reports/without-P)' },
  threads: { type: 'string', description: 'worker threads (default: all cores)' },
  boundary: { type: 'boolean', default: true, description: 'run the claims’ hypothesis-boundary grids and trajectory plots (--no-boundary to skip)' },
  full: { type: 'boolean', default: false, description: 'run each search at the authors’ scale (the claim file’s `full` section; slow)' },
  shard: {
    type: 'string',
    description:
      'run shard i of N (e.g. 2/4): every N-th claim starting at the i-th, in the loader’s order; combine the shards’ reports with `claimcheck merge`',
  },
  seeds: {
    type: 'string',
    description: 'run each search under K consecutive run seeds; a verdict that differs between them is reported as unstable, with the seeds',
  },
  cache: {
    type: 'boolean',
    default: true,
    description: `reuse trials and symbolic steps from the journals ${JOURNAL} and ${STEP_JOURNAL} (keyed by engine code, search and trial, or step and seed; a killed run resumes from them); --no-cache runs everything afresh (a trial asked for twice in one run still runs once)`,
  },
  ablate: {
    type: 'boolean',
    default: false,
    description:
      're-run each search with each premise dropped in turn (hypothesis ablation: needed, not needed in this space, or untestable); costs one search per premise',
  },
  early: {
    type: 'boolean',
    default: true,
    description:
      'let a claim with search.early_decision stop a trial once its property or a hypothesis is decided for good (--no-early runs every path to its end)',
  },
  drop: { type: 'string', description: 'run the search of one claim without this premise (the replay of an ablation witness)' },
  precision: {
    type: 'string',
    description:
      'the arithmetic of every trial: float64, or dd (double-double, about 32 digits; models, losses and dynamics with a double-double version only); default: each claim’s search.precision, else float64',
  },
} satisfies ArgsDef;

type RunArgs = {
  [K in keyof typeof runArgs]: K extends 'targets' ? unknown : K extends 'boundary' | 'full' | 'cache' | 'ablate' | 'early' ? boolean : string | undefined;
} & { _?: unknown };

const run = defineCommand({
  meta: { name: 'run', description: 'check claims (default: every claim under claims/) and write the report' },
  args: runArgs,
  run: ({ args }) => runClaims(args as unknown as RunArgs),
});

const ablate = defineCommand({
  meta: {
    name: 'ablate',
    description: 'hypothesis ablation: re-run the claims’ searches with each premise dropped in turn, and report which premises are needed',
  },
  args: { ...runArgs, out: { ...runArgs.out, default: 'reports/ablation' }, boundary: { ...runArgs.boundary, default: false } },
  run: ({ args }) => runClaims({ ...(args as unknown as RunArgs), ablate: true }),
});

/** --precision float64|dd. */
function precisionFlag(v: string | undefined): 'float64' | 'dd' | undefined {
  if (v === undefined) return undefined;
  if (v === 'float64' || v === 'dd') return v;
  throw new UsageError(`--precision takes float64 or dd, got "${String(v).slice(0, 40)}"`);
}

/** --drop P: one claim, P one of its search's premises (checked before any work). */
function dropFlag(v: unknown, loads: ClaimLoad[], full: boolean, ablate: boolean): string | undefined {
  if (v === undefined) return undefined;
  const name = String(v).trim();
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
    throw new UsageError(`--drop takes the name of a premise (a hypothesis of the claim's search), got "${name.slice(0, 80)}"`);
  if (ablate) throw new UsageError('--drop runs one search without one premise; --ablate drops each premise in turn: give one of them');
  if (loads.length !== 1) throw new UsageError(`--drop ${name} names a premise of one claim: give exactly one claim id (${loads.length} selected)`);
  const l = loads[0];
  if (l.ok) {
    if (!l.claim.search) throw new UsageError(`claim ${l.claim.id} has no search`);
    try {
      withoutPremise(searchAtScale(l.claim.search, full), name);
    } catch (e) {
      throw new UsageError(`claim ${l.claim.id}: ${(e as Error).message}`);
    }
  }
  return name;
}

async function runClaims(args: RunArgs): Promise<void> {
  {
    const t0 = performance.now();
    const targets = (args._ as string[]) ?? [];
    const trials = checkCliTrials(intArg(args.trials, 'trials'));
    const seed = intFlag(args.seed, 'seed', 0, MAX_SEED);
    const budgetMs = args.budget !== undefined ? parseDuration(args.budget) : undefined;
    const seeds = intFlag(args.seeds, 'seeds', 1, 1000);
    const threads = intFlag(args.threads, 'threads', 1, MAX_THREADS) ?? availableParallelism();
    if (seed !== undefined && seeds !== undefined && seed + seeds - 1 > MAX_SEED)
      throw new UsageError(`--seed ${seed} with --seeds ${seeds} passes the largest run seed ${MAX_SEED}`);
    // the workers load their modules while the claims load
    const workers = createPool(threads);
    const prepare = () => {
      const selected = select(targets, undefined, args.ablate ? 'ablate' : 'run');
      const shard = args.shard ? parseShard(String(args.shard)) : undefined;
      const loads = shard ? selected.loads.filter((_, p) => p % shard.n === shard.i - 1) : selected.loads;
      checkEffectiveTrials(loads, trials, seeds, args.full);
      const drop = dropFlag(args.drop, loads, args.full, args.ablate);
      const precision = precisionFlag(args.precision);
      // a diagnostic run without a premise never replaces the latest report
      const out = args.out === undefined ? join('reports', drop ? `without-${drop}` : 'latest') : outFlag(args.out);
      checkReportDir(out);
      return { papers: selected.papers, paperErrors: selected.paperErrors, shard, loads, drop, precision, out };
    };
    let prepared: ReturnType<typeof prepare>;
    try {
      prepared = prepare();
    } catch (e) {
      await workers.close();
      throw e;
    }
    const { papers, paperErrors, shard, loads, drop, precision, out } = prepared;
    for (const e of paperErrors) warn(formatError(e));
    // --no-cache: journals in memory only, so nothing from earlier runs is used, and a trial
    // that this run asks for twice (a boundary cell that is also a search trial) still runs once
    const engine = engineFingerprint();
    const journal = openJournal(args.cache ? JOURNAL : undefined, engine);
    const stepJournal = openJournal(args.cache ? STEP_JOURNAL : undefined, engine);
    const pool = journaledRunner(workers, journal, stepJournal);
    const results: ClaimResult[] = new Array(loads.length);
    // Claims run concurrently (their trials share the pool's slots, so no worker waits on one
    // claim's sequential phases: symbolic steps, shrinking, guided rounds); a waiting task of a claim
    // started earlier goes first, so claims finish roughly in order and the later ones only fill slots
    // that would idle. Verdict lines come out in file order. Under --budget, one at a time, so a
    // search's time budget is its own.
    const concurrent = budgetMs === undefined ? Math.max(4, 8 * threads) : 1;
    const tty = process.stderr.isTTY;
    const bar = tty
      ? new SingleBar(
          {
            format: '  [{bar}] {value}/{total} claims · {trials} trials · {duration}s · {running}',
            hideCursor: true,
            clearOnComplete: true,
            stream: process.stderr,
          },
          Presets.shades_classic,
        )
      : undefined;
    const running = new Set<string>();
    let trialsDone = 0,
      printed = 0;
    const update = () =>
      bar?.update(results.filter(Boolean).length, {
        trials: trialsDone,
        running: terminalSafe([...running].slice(0, 3).join(', ')) + (running.size > 3 ? ` +${running.size - 3}` : ''),
      });
    bar?.start(loads.length, 0, { trials: 0, running: '' });
    const printReady = () => {
      for (; printed < loads.length && results[printed]; printed++) {
        const r = results[printed],
          l = loads[printed];
        if (bar) process.stderr.write('\r\x1b[K');
        say(verdictLine(r));
        if (!l.ok) for (const e of l.errors) say(`    ${formatError(e)}`);
        for (const a of r.ablation ?? []) say(`    premise ${a.premise}: ${a.reason}${a.witness ? ` [${a.witness.replay}]` : ''}`);
      }
    };
    const checkOne = async (p: number) => {
      const l = loads[p];
      if (!l.ok) results[p] = invalidResult(l);
      else {
        if (!tty && l.claim.search)
          warn(
            `  checking ${l.claim.id} (${trials ?? searchAtScale(l.claim.search, args.full).trials} trials${args.full && l.claim.search.full ? ', full scale' : ''})…`,
          );
        running.add(l.claim.id);
        let seen = 0;
        results[p] = await checkClaim(args.early || !l.claim.search ? l : { ...l, claim: { ...l.claim, search: withoutEarlyDecision(l.claim.search) } }, {
          runner: pool,
          trials,
          seed,
          budgetMs,
          boundary: args.boundary,
          full: args.full,
          seeds,
          ablate: args.ablate,
          drop,
          ...(precision ? { precision } : {}),
          onProgress: (d) => ((trialsDone += d - seen), (seen = d), update()),
        });
        running.delete(l.claim.id);
      }
      update();
      printReady();
    };
    let slotUse: SlotUse | undefined;
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrent, loads.length) }, async () => {
          while (next < loads.length) {
            const p = next++;
            await withPriority(p, () => checkOne(p));
          }
        }),
      );
    } finally {
      bar?.stop();
      slotUse = pool.slotUse?.();
      await pool.close();
    }
    const report = buildReport(
      results,
      papers,
      paperErrors,
      environment(threads, process.argv, engine),
      {
        trials,
        seed,
        budgetMs,
        full: args.full,
        ...(seeds ? { seeds } : {}),
        ...(shard ? { shard: `${shard.i}/${shard.n}` } : {}),
        ...(drop ? { drop } : {}),
        ...(precision ? { precision } : {}),
      },
      performance.now() - t0,
    );
    const files = await writeReport(report, out);
    const s = report.summary;
    say();
    say(
      `${s.matching}/${s.claims} claims agree with the paper's assertion (${s.byVerdict.holds} hold, ${s.byVerdict.refuted} refuted, ${s.byVerdict.inconclusive} inconclusive, ${s.byVerdict.unstable} unstable, ${s.invalid} invalid) in ${(report.wallMs / 1000).toFixed(1)} s.`,
    );
    say(`Report: ${files.html} (also ${files.md}; data: ${files.json})`);
    const from = args.cache ? `this run or ${JOURNAL}` : 'this run (--no-cache)';
    say(
      `Trials: ${journal.stats.runs} run, ${journal.stats.hits} reused from ${from}; symbolic steps: ${stepJournal.stats.runs} checked, ${stepJournal.stats.hits} reused.`,
    );
    if (slotUse)
      say(
        `Workers: busy ${((100 * slotUse.busyMs) / (slotUse.threads * slotUse.wallMs)).toFixed(0)}% of ${slotUse.threads} × ${(slotUse.wallMs / 1000).toFixed(1)} s (${slotUse.tasks} tasks, ${(slotUse.busyMs / 1000).toFixed(1)} s of worker time).`,
      );
    // a run without a premise is a diagnostic: its verdicts are not compared with the paper's
    process.exitCode = s.invalid || paperErrors.length ? EXIT_INPUT : s.matching === s.claims || drop ? 0 : EXIT_MISMATCH;
  }
}

const validate = defineCommand({
  meta: { name: 'validate', description: 'check claim files against the schema without running anything' },
  args: { targets: { type: 'positional', required: false, description: 'claim files or folders (default: claims/)' } },
  run({ args }) {
    const targets = (args._ as string[])?.length ? (args._ as string[]) : [defaultRoot('validate')];
    const { claims, paperErrors } = loadClaims(targets);
    if (!claims.length) throw new UsageError(`no claim files (*.yaml) in ${targets.join(', ')}`);
    for (const e of paperErrors) say(formatError(e));
    let bad = 0;
    for (const c of claims) {
      if (c.ok) continue;
      bad++;
      for (const e of c.errors) say(formatError(e));
    }
    say(`${claims.length - bad} of ${claims.length} claim files valid${paperErrors.length ? `; ${paperErrors.length} paper-entry error(s)` : ''}.`);
    process.exitCode = bad || paperErrors.length ? EXIT_INPUT : 0;
  },
});

const replay = defineCommand({
  meta: { name: 'replay', description: 're-run exactly the trial named by a claim id, a run seed and a fast-check path, and print its metrics' },
  args: {
    id: { type: 'positional', required: true, description: 'a claim file, or a claim id (looked up in --claims)' },
    seed: { type: 'string', description: 'the run seed printed with the counterexample (with --path)' },
    path: { type: 'string', description: 'the fast-check path printed with the counterexample (default: 0, the first trial)' },
    values: {
      type: 'string',
      description: 'the trial by its values, as printed for a covering-design or guided witness: name=value,…,seed=S (instead of --seed/--path)',
    },
    refine: { type: 'boolean', default: false, description: 'use each block’s stricter settings (the genuine/potential re-check)' },
    claims: {
      type: 'string',
      description: 'folder to find the claim id in (default: claims/ here, else claimcheck’s own claims/; e.g. test/mutants for a mutant)',
    },
    full: { type: 'boolean', default: false, description: 'the search at the authors’ scale (for witnesses found with run --full)' },
    drop: { type: 'string', description: 'the search without this premise (for witnesses found by hypothesis ablation)' },
    precision: {
      type: 'string',
      description:
        'the arithmetic of the trial, as a search with `run --precision` runs it: float64 or dd (default: the claim’s search.precision, else float64)',
    },
    'check-rounding': {
      type: 'boolean',
      default: false,
      description:
        'the witness’s rounding re-check: the trial in double-double along the accepted steps of its run in the claim’s arithmetic, with the step where the two paths part',
    },
    early: {
      type: 'boolean',
      default: true,
      description:
        'let a claim with search.early_decision stop a trial once its property or a hypothesis is decided for good (--no-early runs every path to its end)',
    },
  },
  async run({ args }) {
    if (args.values !== undefined && (args.seed !== undefined || args.path !== undefined))
      throw new UsageError('replay takes either --values or --seed [--path], not both');
    if (args.values === undefined && args.seed === undefined) throw new UsageError('replay needs --seed S [--path P] or --values name=value,…');
    const seed = args.values === undefined ? intFlag(args.seed, 'seed', 0, MAX_SEED)! : undefined;
    const path = args.values === undefined ? parsePath(args.path ?? '0') : undefined;
    const { loads } = select([args.id], args.claims === undefined ? undefined : String(args.claims));
    if (loads.length !== 1) throw new UsageError(`replay takes one claim: ${args.id} holds ${loads.length} (name one claim file or id)`);
    const l = loads[0];
    if (!l.ok) {
      for (const e of l.errors) say(formatError(e));
      process.exitCode = EXIT_INPUT;
      return;
    }
    if (!l.claim.search) throw new UsageError(`claim ${l.claim.id} has no search to replay`);
    const spec = dropFlag(args.drop, loads, args.full, false)
      ? withoutPremise(searchAtScale(l.claim.search, args.full), String(args.drop).trim())
      : searchAtScale(l.claim.search, args.full);
    if (path !== undefined && Number(path.split(':')[0]) >= maxPathRun(spec.trials))
      throw new UsageError(
        `--path ${path.slice(0, 40)}: its first number must be below ${maxPathRun(spec.trials)} (no search of ${l.claim.id} draws that many trials)`,
      );
    const values = seed !== undefined ? valuesAtPath(spec, seed, path!) : parseValues(String(args.values), spec.space);
    // the trial runs on a worker, as a search trial does: the claim's time limit (×10 refined, as the
    // search's re-check) and the worker's memory limit, so a replay cannot run for ever or exhaust memory
    const timeoutMs = spec.timeout_s * 1000 * (args.refine ? 10 : 1);
    const precision = precisionFlag(args.precision as string | undefined) ?? spec.precision ?? 'float64';
    const checkRounding = !!args['check-rounding'];
    const workers = createPool(1);
    let r;
    try {
      // the rounding re-check as the search makes it: from a double-double run, a probe from θ(0) perturbed by 2⁻⁹⁰
      r = await workers.run(args.early ? spec : withoutEarlyDecision(spec), values, checkRounding ? replayTimeoutMs(timeoutMs) : timeoutMs, {
        refine: args.refine,
        ...(checkRounding
          ? { precision: 'dd' as const, sameSteps: true, ...(precision === 'dd' ? { reference: 'dd' as const, perturb: DD_PROBE } : {}) }
          : precision === 'dd'
            ? { precision }
            : {}),
      });
    } finally {
      await workers.close();
    }
    say(
      `claim     ${l.claim.id}  (${seed !== undefined ? `seed ${seed}, path ${path}` : 'by values'}${args.refine ? ', refined' : ''}${args.drop ? `, without premise ${String(args.drop).trim()}` : ''})`,
    );
    for (const [k, v] of Object.entries(values)) say(`  ${k.padEnd(12)} := ${fmt(v)}`);
    for (const [k, v] of Object.entries(r.quantities)) say(`  ${k.padEnd(12)} =  ${fmt(v)}`);
    for (const [k, v] of Object.entries(r.hypotheses)) say(`  hypothesis ${k}: ${v}`);
    const p = r.property;
    say(
      `property  ${spec.property}: ${p ? (p.holds ? 'true' : 'FALSE') : '(not evaluated)'}${p?.lhs !== undefined ? `  (${fmt(p.lhs)} ${p.op} ${fmt(p.rhs)})` : ''}`,
    );
    say(`status    ${r.status}${r.message ? ` — ${r.message}` : ''}  (${r.ms.toFixed(0)} ms)`);
    if (r.stoppedEarlyAt) {
      const drop = args.drop === undefined ? undefined : String(args.drop).trim();
      const flag = precisionFlag(args.precision as string | undefined);
      const target = commandTarget(l.file, l.claim.id);
      const again = seed !== undefined ? replayCommand(target, seed, path!, args.full, drop, flag) : replayValuesCommand(target, values, args.full, drop, flag);
      say(`early     stopped at step ${r.stoppedEarlyAt.step} (loss ${fmt(r.stoppedEarlyAt.loss)}): ${r.stoppedEarlyAt.reason}`);
      say(`          ${earlyStopNote(r.stoppedEarlyAt)}`);
      say(`          the whole path: ${wholePathCommand(`${again}${args.refine ? ' --refine' : ''}${checkRounding ? ' --check-rounding' : ''}`)}`);
    }
    if (r.decidedAt)
      say(
        `decided   at step ${r.decidedAt.step} (loss ${fmt(r.decidedAt.loss)}): ${r.decidedAt.reason}; the path was run to its end (--no-early), the status is the decision's`,
      );
    if (r.precision)
      say(
        `precision double-double${r.precision.sameStepsAs ? ` along the ${r.precision.sameStepsAs} run's steps` : ''}${r.precision.part ? `; the paths part at step ${r.precision.part.step} (loss ${fmt(r.precision.part.loss)}): ${r.precision.part.what}` : r.precision.sameStepsAs ? '; the paths never part (10⁻⁶ relative)' : ''}`,
      );
    for (const [k, w] of Object.entries(r.watch ?? {}))
      if (w.watched !== undefined) say(`watch     ${k}: ${w.watched} of ${w.steps} steps${w.stoppedAt ? `, stopped at loss ${fmt(w.stoppedAt.loss)}` : ''}`);
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'the claims, their papers and their last verdicts' },
  args: {
    targets: { type: 'positional', required: false, description: 'claim files or folders (default: claims/ here, else claimcheck’s own claims/)' },
    report: { type: 'string', default: 'reports/latest/report.json', description: 'report to read the last verdicts from' },
  },
  run({ args }) {
    const targets = (args._ as string[])?.length ? (args._ as string[]) : [idRoot()];
    const { claims, papers } = loadClaims(targets);
    let last: Report | undefined;
    if (existsSync(args.report)) last = readReportFile(args.report);
    const lastOf = (id: string) => last?.claims.find((c) => c.id === id);
    for (const c of claims) {
      const id = c.ok ? c.claim.id : (c.id ?? c.file);
      const p = papers[c.paperKey];
      const l = lastOf(id);
      const lastText = l ? `${l.verdict}${l.matches ? '' : ' (disagrees)'}` : 'never run';
      say(
        `${id.padEnd(40)} ${(p ? `${p.authors[0].split(' ').pop()} et al. ${p.year}` : c.paperKey).padEnd(22)} ${c.ok ? `expects ${c.claim.expect}`.padEnd(16) : 'INVALID'.padEnd(16)} last: ${lastText}`,
      );
    }
    if (last) {
      say();
      say(`(last verdicts from ${args.report}, ${last.generatedAt})`);
    }
  },
});

const diff = defineCommand({
  meta: { name: 'diff', description: 'which verdicts changed and which counterexamples are new between two report.json files' },
  args: {
    old: { type: 'positional', required: true, description: 'the earlier report.json' },
    new: { type: 'positional', required: true, description: 'the later report.json' },
  },
  run({ args }) {
    const d = diffReports(readReportFile(args.old), readReportFile(args.new));
    for (const line of formatDiffLines(d)) say(line);
    process.exitCode = d.changed.length ? EXIT_MISMATCH : 0;
  },
});

/** Writes `text` to a new file: refused (EXIT_INPUT) when anything is at `file` already, never overwritten. */
function writeNewFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${file} exists already; claimcheck new never overwrites a file`);
    throw new OutputError(`cannot write ${file}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

const newClaim = defineCommand({
  meta: {
    name: 'new',
    description:
      'write a commented skeleton claim file, PAPER-FOLDER/CLAIM-NAME.yaml (and the folder’s paper.yaml when it has none), that validates and runs as written',
  },
  args: { target: { type: 'positional', required: true, description: 'PAPER-FOLDER/CLAIM-NAME, e.g. smith2024/thm2-rate' } },
  run({ args }) {
    const target = String(args.target).replace(/\.ya?ml$/, '');
    const dir = dirname(target);
    if (dir === '.' && !target.includes('/'))
      throw new UsageError(`claimcheck new takes PAPER-FOLDER/CLAIM-NAME (e.g. smith2024/thm2-rate): the claims of a paper live in a folder named by its key`);
    const key = basename(resolve(dir));
    const name = basename(target);
    const bad = skeletonNameError(key, name);
    if (bad) throw new UsageError(`claimcheck new ${String(args.target).slice(0, 200)}: ${bad}`);
    const file = `${target}.yaml`;
    const paper = join(dir, 'paper.yaml');
    if (lstatExists(file)) throw new UsageError(`${file} exists already; claimcheck new never overwrites a file`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new OutputError(`cannot make the folder ${dir}: ${(e as Error).message}`);
    }
    const wrotePaper = !lstatExists(paper);
    if (wrotePaper) writeNewFile(paper, paperSkeleton(key));
    // the first line points editors running yaml-language-server at the JSON Schema shipped with claimcheck
    writeNewFile(file, existsSync(SHIPPED_SCHEMA) ? withSchemaLine(claimSkeleton(key, name), schemaLine(file, SHIPPED_SCHEMA)) : claimSkeleton(key, name));
    say(
      `Wrote ${file}${wrotePaper ? ` and ${paper}` : ''}: a placeholder claim ${key}.${name} that validates and runs; replace each TODO with the paper's theorem.`,
    );
    // the folder's own paper.yaml (or another claim taking the same id) can still make it invalid
    const { claims, paperErrors } = loadClaims([dir]);
    const errors = [...paperErrors, ...claims.flatMap((c) => (c.ok ? [] : c.errors))];
    for (const e of errors) warn(formatError(e));
    if (errors.length) process.exitCode = EXIT_INPUT;
    say(`Next: claimcheck validate ${dir}, then claimcheck run ${dir} --out reports/${key}`);
  },
});

/** The JSON Schema of a claim file that ships with claimcheck (beside its claims/ folder). */
const SHIPPED_SCHEMA = join(dirname(PROJECT_CLAIMS_DIR), CLAIM_SCHEMA_PATH);

/**
 * Writes `text` to `file` whole or not at all: into a fresh sibling first, flushed, then renamed over
 * `file` (a reader sees the old file or the new one, never a part); failures are OutputErrors (exit 3).
 */
function writeFileWhole(file: string, text: string): void {
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.new-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (isFolder(file)) throw new Error('a folder stands where the file is to go');
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = {
      ENOENT: 'its folder does not exist',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      ENOSPC: 'no space left on the device',
      EROFS: 'read-only file system',
    };
    throw new OutputError(`cannot write ${file}: ${(code && why[code as keyof typeof why]) ?? (e as Error).message}`);
  }
}

const schema = defineCommand({
  meta: {
    name: 'schema',
    description:
      'the JSON Schema of a claim file (blocks and their parameters included), for editors running yaml-language-server: to stdout, or to --out FILE',
  },
  args: { out: { type: 'string', description: 'the file to write (written whole or not at all); default: standard output' } },
  run({ args }) {
    const text = claimJsonSchemaText();
    if (args.out === undefined) {
      // a reader that stops early (| head) is not an error
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
      });
      process.stdout.write(text);
      return;
    }
    const out = String(args.out);
    if (out.trim() === '') throw new UsageError('--out needs a file name (it was empty)');
    writeFileWhole(out, text);
    say(`Wrote ${out}: start a claim file with "# yaml-language-server: $schema=<its path from the claim file>" to have an editor check and complete it.`);
  },
});

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

const blocks = defineCommand({
  meta: { name: 'blocks', description: 'the building blocks a claim file can name, with their parameters' },
  run() {
    for (const line of blockTable().split('\n')) say(line);
  },
});

export const main = defineCommand({
  meta: { name: 'claimcheck', description: 'a symbolic–numeric checker for theorems of deep-learning theory' },
  subCommands: { run, ablate, validate, replay, list, diff, merge, blocks, new: newClaim, schema },
});

export async function cli(rawArgs = process.argv.slice(2)): Promise<void> {
  if (rawArgs.some((a) => a === '--help' || a === '-h') || rawArgs.length === 0) return runMain(main, { rawArgs });
  try {
    const command = (main.subCommands as Record<string, CommandDef>)[rawArgs[0]];
    const problem = command?.args ? optionError(rawArgs[0], command.args as ArgsDef, rawArgs.slice(1)) : undefined;
    if (problem) throw new UsageError(problem);
    await runCommand(main, { rawArgs });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.name === 'CLIError' || err.code?.startsWith('E_')) await showUsage(main);
    // exit 3 is for the report that could not be written (writeReport and checkReportDir throw OutputError);
    // a system error anywhere else (a claim file that cannot be read, too many open files) is exit 2
    const io = err instanceof OutputError;
    // one line, no stack
    warn(`claimcheck: ${err.message}`);
    process.exitCode = io ? EXIT_OUTPUT : EXIT_INPUT;
  }
}
