// Trials and symbolic steps run on a piscina worker pool sized to the cores, at most one task per
// thread at a time (the rest wait in `slots`). Trials asked for with a batch size (Dispatch) are
// gathered per search and sent as batch tasks (run together, each result as if run alone): a batch
// must finish within one trial's time limit (so no trial that would time out alone is judged in a
// batch), and a batch that does not, or whose worker dies, has its trials run again one per task, as below. A trial past its time limit is aborted
// (its worker is terminated and replaced) and recorded as `timeout`; a worker that dies is
// replaced and its trial retried once, then recorded as `error`. A worker whose heap passes its
// limit (LIMITS.workerMb) dies too: its trial is `error: memory`, not retried (it would die again).
// A symbolic step past its deadline (LIMITS.stepSeconds) is aborted the same way and reported
// `not checked (timeout)`. Results never depend on the number of workers: each trial is a pure
// function of (spec, values).
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { LIMITS } from '../claims/limits.js';
import type { SearchSpec, SymbolicStep } from '../claims/schema.js';
import { checkStep, stepNotChecked, type StepOutcome, type StepResult } from '../symbolic/check.js';
import type { TrialValues } from './space.js';
import { runTrial, type TrialOptions, type TrialResult } from './trial.js';
import type { StepTask, TrialBatchTask, TrialTask } from './worker.js';

/** A trial's result and how this run obtained it; only `result` goes into the report. */
export interface TrialOutcome {
  result: TrialResult;
  /** its worker died once and it was retried: that death's error (the result's message says so) */
  retriedAfter?: string;
  /** answered from the trial journal, or from the same trial already under way in this run */
  reused?: boolean;
}

export type Faults = Pick<TrialTask, 'dieUnlessFile' | 'dieAlways' | 'exhaustHeap'>;

/** How a trial may be dispatched: in one task with up to `batch` trials of the same search asked for at the same time. */
export interface Dispatch {
  batch: number;
}

export interface TrialRunner {
  /** One trial, with how it was obtained. */
  trial(spec: SearchSpec, values: TrialValues, timeoutMs: number, options?: TrialOptions, faults?: Faults, dispatch?: Dispatch): Promise<TrialOutcome>;
  /** The same trial's result alone. */
  run(spec: SearchSpec, values: TrialValues, timeoutMs: number, options?: TrialOptions): Promise<TrialResult>;
  /** A symbolic step checked off the calling thread (the CAS can take seconds), with the given seed. */
  step(step: SymbolicStep, seed: number): Promise<StepOutcome>;
  threads: number;
  /** how busy the worker slots have been since the pool started (absent on the calling thread) */
  slotUse?: () => SlotUse;
  close(): Promise<void>;
}

/** Who asks for a pool task: its queue priority and the worker-time accounts it is charged to (a claim's, a search's). */
interface Asker {
  priority: number;
  accounts: WorkerTime[];
}
const asker = new AsyncLocalStorage<Asker>();

/** Worker time spent on the tasks asked for inside `charged`, in ms (tasks answered from a journal cost none). */
export interface WorkerTime {
  ms: number;
}

/** Runs `f` with every pool task it asks for (directly or through awaited calls) queued at priority `p`: lower runs first. */
export function withPriority<T>(p: number, f: () => Promise<T>): Promise<T> {
  return asker.run({ priority: p, accounts: asker.getStore()?.accounts ?? [] }, f);
}

/** Runs `f` and adds the worker time of every pool task it asks for to `account` (and to the accounts around it). */
export function charged<T>(account: WorkerTime, f: () => Promise<T>): Promise<T> {
  const outer = asker.getStore();
  return asker.run({ priority: outer?.priority ?? 0, accounts: [...(outer?.accounts ?? []), account] }, f);
}

/** How busy the pool's slots were: `busyMs` summed over slots, out of `threads × wallMs`. */
export interface SlotUse {
  threads: number;
  wallMs: number;
  busyMs: number;
  tasks: number;
}

/**
 * At most `n` tasks at a time; the rest wait here, so a task's time limit counts only its own running time,
 * never time queued behind others. Waiting tasks start lowest priority first (see withPriority), then in the
 * order asked: the claims started first finish first, and later claims fill the slots they leave idle.
 */
function slots(n: number): { run: <T>(f: () => Promise<T>) => Promise<T>; use: () => SlotUse } {
  let free = n;
  const waiting: Array<{ p: number; k: number; go: () => void }> = [];
  let asked = 0,
    busyMs = 0,
    tasks = 0;
  const t0 = performance.now();
  const take = () => {
    let best = 0;
    for (let i = 1; i < waiting.length; i++)
      if (waiting[i].p < waiting[best].p || (waiting[i].p === waiting[best].p && waiting[i].k < waiting[best].k)) best = i;
    return waiting.splice(best, 1)[0];
  };
  const run = async <T>(f: () => Promise<T>): Promise<T> => {
    const who = asker.getStore();
    if (free > 0) free--;
    else await new Promise<void>((go) => waiting.push({ p: who?.priority ?? 0, k: asked++, go }));
    const start = performance.now();
    try {
      return await f();
    } finally {
      const ms = performance.now() - start;
      busyMs += ms;
      for (const a of who?.accounts ?? []) a.ms += ms;
      tasks++;
      if (waiting.length) take().go();
      else free++;
    }
  };
  return { run, use: () => ({ threads: n, wallMs: performance.now() - t0, busyMs, tasks }) };
}

/** The compiled worker (dist/search/worker.js): also used when this module runs from src/ under vitest, so the workers run what `npm run build` produced. */
export function workerFile(): string {
  const here = import.meta.url;
  const compiled = here.endsWith('.ts') ? new URL('../../dist/search/worker.js', here) : new URL('./worker.js', here);
  const file = fileURLToPath(compiled);
  if (!existsSync(file)) throw new Error(`the worker ${file} is missing: run \`npm run build\` first`);
  return file;
}

/** Did the task's worker die of its heap limit? */
export function isOutOfMemory(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|memory limit/i.test(err?.message ?? '');
}

export interface PoolOptions {
  /** heap of each worker in MB (default LIMITS.workerMb) */
  memoryMb?: number;
  /** deadline of one symbolic step in ms (default LIMITS.stepSeconds) */
  stepTimeoutMs?: number;
}

export function createPool(threads = availableParallelism(), o: PoolOptions = {}): TrialRunner {
  const memoryMb = o.memoryMb ?? LIMITS.workerMb.value;
  const stepTimeoutMs = o.stepTimeoutMs ?? LIMITS.stepSeconds.value * 1000;
  const loadedIds = new Set<number>();
  const pool = new Piscina({
    filename: workerFile(),
    loadBalancer: leastBusyLoaded((id) => loadedIds.has(id)),
    // every worker boots at once (a worker idle for idleTimeout above minThreads would be stopped, and booted again later)
    minThreads: Math.max(1, Math.min(threads, availableParallelism())),
    maxThreads: Math.max(1, threads),
    idleTimeout: 2000,
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(4, Math.floor(memoryMb / 8))) },
  });
  const memoryMessage = `memory — the trial exceeded the worker heap limit of ${memoryMb} MB (set ${LIMITS.workerMb.env} to raise it)`;
  const loaded = workersLoaded(pool, loadedIds);
  // every first worker has loaded its modules before any task's clock starts: a time limit counts only the task, and
  // no worker is stopped (a task past its limit) while it loads
  const ready = loaded.all();
  const slotted = slots(Math.max(1, threads));
  const slot = slotted.run;
  const single = (spec: SearchSpec, values: TrialValues, timeoutMs: number, options?: TrialOptions, faults?: Faults): Promise<TrialOutcome> =>
    slot(async () => {
      await ready;
      const t0 = performance.now();
      const task: TrialTask = { spec, values, options, ...faults };
      const fail = (status: 'timeout' | 'error', message: string): TrialOutcome => ({
        result: { status, values, quantities: {}, hypotheses: {}, message, ms: performance.now() - t0 },
      });
      let firstDeath: string | undefined;
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          const r = (await pool.run(task, { signal: AbortSignal.timeout(timeoutMs) })) as TrialResult;
          if (!firstDeath) return { result: r };
          return {
            result: { ...r, message: [r.message, `retried once after its worker died (${firstDeath})`].filter(Boolean).join('; ') },
            retriedAfter: firstDeath,
          };
        } catch (e) {
          const err = e as Error;
          if (err.name === 'AbortError' || /abort/i.test(err.message)) return fail('timeout', `exceeded the trial time limit of ${timeoutMs / 1000} s`);
          if (isOutOfMemory(err)) return fail('error', memoryMessage);
          if (firstDeath) return fail('error', `worker failed twice: ${firstDeath}; then ${err.message}`);
          firstDeath = err.message;
        }
      }
      return fail('error', `worker failed: ${firstDeath}`);
    });
  const batches = trialBatcher(async (spec, batch, timeoutMs, options) =>
    slot(async () => {
      await ready;
      try {
        return (await pool.run({ spec, batch, options } satisfies TrialBatchTask, { signal: AbortSignal.timeout(timeoutMs) })) as TrialResult[];
      } catch {
        return undefined;
      }
    }),
  );
  const trial: TrialRunner['trial'] = (spec, values, timeoutMs, options, faults, dispatch) =>
    dispatch && dispatch.batch > 1 && !faults
      ? batches(spec, values, timeoutMs, options, dispatch.batch, () => single(spec, values, timeoutMs, options))
      : single(spec, values, timeoutMs, options, faults);
  return {
    threads: Math.max(1, threads),
    slotUse: slotted.use,
    step: (step, seed) =>
      slot(async () => {
        await ready;
        try {
          return {
            status: 'checked',
            result: (await pool.run({ step, seed } satisfies StepTask, { signal: AbortSignal.timeout(stepTimeoutMs) })) as StepResult,
          };
        } catch (e) {
          const err = e as Error;
          if (err.name === 'AbortError' || /abort/i.test(err.message))
            return stepNotChecked(step, seed, { kind: 'timeout', ms: stepTimeoutMs, env: LIMITS.stepSeconds.env });
          if (isOutOfMemory(err)) return stepNotChecked(step, seed, { kind: 'memory', mb: memoryMb, env: LIMITS.workerMb.env });
          return stepNotChecked(step, seed, { kind: 'worker-failed', error: err.message });
        }
      }),
    trial,
    run: async (spec, values, timeoutMs, options) => (await trial(spec, values, timeoutMs, options)).result,
    close: async () => {
      await loaded.all();
      await pool.destroy();
    },
  };
}

type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

/**
 * Piscina's least-busy choice (one task per worker) among the workers that have loaded: piscina gives a queued task to
 * any worker it holds, one still loading included (a replacement after a timeout or a death), and a time limit would
 * then stop that worker mid-load. A task waits for a loaded worker instead.
 */
export function leastBusyLoaded(isLoaded: (id: number) => boolean): LoadBalancer {
  return (_task, workers) => workers.find((w) => w.currentUsage === 0 && isLoaded(w.id)) ?? null;
}

/** The key of the message a piscina worker posts once it has loaded its modules (piscina/dist/common.js READY; test/search/pool-load.test.ts checks it). */
export const PISCINA_READY = '_WORKER_READY';

/** How long close() waits for a worker still loading its modules before it stops it anyway. */
const LOAD_WAIT_MS = 60_000;

/**
 * Which of the pool's workers have loaded their modules. Terminating a worker while it loads aborts the whole process
 * (V8: "Module::IsGraphAsync must be used on an instantiated module", Node 20), so the pool gives a worker tasks
 * (leastBusyLoaded), and stops it, only once it has loaded. Piscina marks its first workers ready at once (they post
 * their ready message when loaded) and announces a later one (workerCreate) only once it has loaded. `done` is filled
 * with the loaded workers' thread ids (the pool's balancer reads it).
 */
export function workersLoaded(pool: Piscina, done = new Set<number>()) {
  const first = new Set<number>();
  for (const w of pool.threads) {
    first.add(w.threadId);
    const id = w.threadId;
    w.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && (m as Record<string, unknown>)[PISCINA_READY]) done.add(id);
    });
  }
  pool.on('workerCreate', (w: { id: number }) => {
    if (!first.has(w.id)) done.add(w.id);
  });
  return {
    /** resolves once every worker now in the pool has loaded (one that died is no longer in it), or after LOAD_WAIT_MS */
    all: async (): Promise<void> => {
      const until = performance.now() + LOAD_WAIT_MS;
      while (pool.threads.some((w) => !done.has(w.threadId)) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

type RunBatch = (spec: SearchSpec, batch: TrialValues[], timeoutMs: number, options?: TrialOptions) => Promise<TrialResult[] | undefined>;

/**
 * Gathers the trials asked for until the event loop turns, per search (the same spec object, time limit,
 * options and batch size), and runs them in batches of at most that size. A batch that gives no results
 * (timed out, its worker died) has each of its trials run `alone`; so does a batch of one.
 */
function trialBatcher(runBatch: RunBatch) {
  interface Asked {
    values: TrialValues;
    alone: () => Promise<TrialOutcome>;
    resolve: (o: TrialOutcome) => void;
    /** the asker's priority and worker-time accounts */
    who?: Asker;
  }
  interface Queue {
    spec: SearchSpec;
    timeoutMs: number;
    options?: TrialOptions;
    size: number;
    asked: Asked[];
  }
  const specIds = new WeakMap<SearchSpec, number>();
  let specs = 0;
  let queues = new Map<string, Queue>();
  const flush = () => {
    const all = queues;
    queues = new Map();
    for (const q of all.values())
      for (let i = 0; i < q.asked.length; i += q.size) {
        const group = q.asked.slice(i, i + q.size);
        const alone = (a: Asked) => (a.who ? asker.run(a.who, a.alone) : a.alone()).then(a.resolve);
        if (group.length === 1) {
          void alone(group[0]);
          continue;
        }
        // one task for the group, at its most urgent lane's priority; its worker time is shared by the lanes' searches
        const spent: WorkerTime = { ms: 0 };
        const priority = Math.min(...group.map((a) => a.who?.priority ?? 0));
        void asker
          .run({ priority, accounts: [spent] }, () =>
            runBatch(
              q.spec,
              group.map((a) => a.values),
              q.timeoutMs,
              q.options,
            ),
          )
          .then((results) => {
            for (const a of group) for (const account of a.who?.accounts ?? []) account.ms += spent.ms / group.length;
            group.forEach((a, k) => (results ? a.resolve({ result: results[k] }) : void alone(a)));
          });
      }
  };
  return (spec: SearchSpec, values: TrialValues, timeoutMs: number, options: TrialOptions | undefined, size: number, alone: () => Promise<TrialOutcome>) =>
    new Promise<TrialOutcome>((resolve) => {
      if (!specIds.has(spec)) specIds.set(spec, specs++);
      const key = `${specIds.get(spec)} ${timeoutMs} ${size} ${JSON.stringify(options ?? {})}`;
      if (!queues.size) setImmediate(flush);
      let q = queues.get(key);
      if (!q) queues.set(key, (q = { spec, timeoutMs, options, size, asked: [] }));
      q.asked.push({ values, alone, resolve, who: asker.getStore() });
    });
}

/** Same interface on the calling thread (no time limit): for tests and for replay. */
export function inlineRunner(): TrialRunner {
  return {
    threads: 1,
    trial: async (spec, values, _t, options) => ({ result: runTrial(spec, values, options) }),
    run: async (spec, values, _t, options) => runTrial(spec, values, options),
    step: async (step, seed) => ({ status: 'checked', result: checkStep(step, seed) }),
    close: async () => {},
  };
}
