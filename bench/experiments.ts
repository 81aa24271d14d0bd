// Whole-experiment rows of `npm run bench` (issue 21): claimcheck's whole search for a claim, on a
// one-thread worker pool (createPool(1): what `run --threads 1` uses; no journal, no boundary), against
// the same trials in NumPy/SciPy (bench/experiments.py), one trial at a time and all trials as one
// array, single thread on both sides, best of BENCH_REPEATS (default 5), ratios from one run. The
// reference re-runs the very trials the search judged, from their initial parameters, and the
// agreement of its final metrics with claimcheck's is printed beside the times.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadClaims } from '../src/claims/load.js';
import type { SearchSpec } from '../src/claims/schema.js';
import { createPool, inlineRunner } from '../src/search/pool.js';
import { runSearch } from '../src/search/search.js';
import type { TrialResult } from '../src/search/trial.js';

const ROOT = join(import.meta.dirname, '..');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
// each side stops repeating once it has spent this long (after one run): a 3-minute SciPy loop runs once
const BUDGET_S = Number(process.env.BENCH_BUDGET_S ?? 30);
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
// a comma-separated subset of timor,razin,vardi
const ONLY = process.env.BENCH_EXPERIMENTS?.split(',');

type Quantities = Record<string, number | null>;
interface Judged {
  values: Record<string, number>;
  quantities: Quantities;
  status: string;
}

function searchOf(file: string): { id: string; spec: SearchSpec } {
  const c = loadClaims([join(ROOT, 'claims', file)]).claims[0];
  if (!c.ok) throw new Error(`${file} does not load`);
  return { id: c.claim.id, spec: c.claim.search! };
}

/** The trials the search judges, with extra metrics (e.g. initial layer entries) that leave θ(0) and the trials unchanged: run once, inline. */
async function judgedTrials(id: string, spec: SearchSpec, extra: Record<string, Record<string, unknown>> = {}): Promise<Judged[]> {
  const out: Judged[] = [];
  const metrics = { ...spec.metrics, ...extra } as SearchSpec['metrics'];
  await runSearch({ ...spec, metrics }, { claimId: id, runner: inlineRunner(), onJudged: (r: TrialResult) => out.push(r as unknown as Judged) });
  return out;
}

/** Best of REPEATS whole searches on a one-thread pool (search time: r.ms, shrinking included). */
async function timeSearch(id: string, spec: SearchSpec): Promise<{ s: number; runs: number; trials: number; verdict: string }> {
  const pool = createPool(1);
  let best = Infinity,
    spent = 0,
    runs = 0,
    trials = 0,
    verdict = '';
  try {
    while (runs < REPEATS && (runs === 0 || spent < BUDGET_S)) {
      const res = await runSearch(spec, { claimId: id, runner: pool });
      if (res.reusedTrials) throw new Error('a timed search reused trials');
      best = Math.min(best, res.ms / 1000);
      spent += res.ms / 1000;
      runs++;
      trials = res.trialsRun;
      verdict = res.verdict;
    }
  } finally {
    await pool.close();
  }
  return { s: best, runs, trials, verdict };
}

/** Initial entries of 2-D layers as layer-entry metrics named `init_<layer>_<row>_<col>`. */
function initialEntries(layers: Array<{ name: string; rows: number; cols: number }>): Record<string, Record<string, unknown>> {
  const m: Record<string, Record<string, unknown>> = {};
  for (const { name, rows, cols } of layers)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) m[`init_${name}_${r}_${c}`] = { block: 'layer-entry', layer: name, row: r, col: c, at: 'initial' };
  return m;
}
const layerOf = (q: Quantities, name: string, rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => q[`init_${name}_${r}_${c}`] as number));

interface Experiment {
  key: 'timor' | 'razin' | 'vardi' | 'frei';
  title: string;
  /** claimcheck's side: these searches, one after the other */
  searches: Array<{ id: string; spec: SearchSpec }>;
  judged: Judged[];
  /** what bench/experiments.py needs to re-run the judged trials */
  job: Record<string, unknown>;
  /** the issue's numbers measured before (claimcheck s, per-trial reference s, batched NumPy s) */
  before: string;
  /** claimcheck / per-trial reference ≤ this to meet the issue's target (undefined: none) */
  loopTarget?: number;
  /** per-trial agreement: the metrics compared by relative difference, and those (losses near 0) by absolute difference */
  compare: string[];
  compareAbs?: string[];
  /** where claimcheck's trials cannot be re-run as such: the metrics on which the loop and the batched reference (same draws) must agree */
  compareReferences?: string[];
  /** a one-line summary of the outcome of the trials, from per-trial metrics */
  outcome: (q: Quantities[]) => string;
}

async function timor(): Promise<Experiment> {
  const { id, spec } = searchOf('timor2022/experiment-stable-ranks.yaml');
  const judged = await judgedTrials(
    id,
    spec,
    initialEntries([
      { name: 'W1', rows: 2, cols: 2 },
      { name: 'W2', rows: 2, cols: 2 },
    ]),
  );
  const s = Math.hypot(1, 0.99);
  const v0 = judged[0].values;
  if (judged.some((t) => t.values.eta !== v0.eta || t.values.steps !== v0.steps)) throw new Error('timor: the trials differ in eta or steps');
  return {
    key: 'timor',
    title: `Timor et al. CI experiment (${id}): ${judged.length} trials × ${v0.steps} GD steps`,
    searches: [{ id, spec }],
    judged,
    job: {
      X: [
        [1 / s, 0.99 / s],
        [-1 / s, 0.99 / s],
      ],
      Y: [
        [1, 0],
        [0, 1],
      ],
      eta: v0.eta,
      steps: v0.steps,
      trials: judged.map((t) => ({ W1: layerOf(t.quantities, 'W1', 2, 2), W2: layerOf(t.quantities, 'W2', 2, 2) })),
    },
    before: 'claimcheck 1.43 s, NumPy per trial 2.69 s, batched NumPy 0.090 s',
    compare: ['sr1'],
    compareAbs: ['lossT'],
    outcome: (q) => {
      const conv = q.filter((x) => (x.lossT as number) < 2e-4);
      return `${conv.length} converged (lossT < 2e-4), ${conv.filter((x) => (x.sr1 as number) >= 1.1).length} of them with sr1 ≥ 1.1`;
    },
  };
}

/** θ(0) of a 2×2 deep-linear net, W_1 first: layers up to `known` read directly, a last one beyond them as W(0)·(W_known⋯W_1)⁻¹. */
function deepLinearTheta0(q: Quantities, L: number, known: number): number[] {
  const Ws = Array.from({ length: Math.min(L, known) }, (_, j) => layerOf(q, `W${j + 1}`, 2, 2));
  if (L > known + 1) throw new Error(`razin: depth ${L} needs layers beyond W${known + 1}`);
  if (L === known + 1) {
    const mul = (a: number[][], b: number[][]) => a.map((row) => [0, 1].map((c) => row[0] * b[0][c] + row[1] * b[1][c]));
    const P = Ws.reduce((acc, W) => mul(W, acc));
    const det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
    const inv = [
      [P[1][1] / det, -P[0][1] / det],
      [-P[1][0] / det, P[0][0] / det],
    ];
    Ws.push(mul(layerOf(q, 'W', 2, 2), inv));
  }
  return Ws.flat(2);
}

async function razin(): Promise<Experiment> {
  const { id, spec } = searchOf('razin2020/c3-norms-diverge.yaml');
  // layer-entry metrics of a layer the shallower nets lack would fail their trials: the deepest layer comes from the product W
  const known = Math.min(...(spec.space.L as { grid: number[] }).grid);
  const judged = await judgedTrials(
    id,
    spec,
    initialEntries([...Array.from({ length: known }, (_, j) => ({ name: `W${j + 1}`, rows: 2, cols: 2 })), { name: 'W', rows: 2, cols: 2 }]),
  );
  const dyn = spec.dynamics as unknown as Record<string, number>;
  return {
    key: 'razin',
    title: `Razin & Cohen c3 (${id}): ${judged.length} gradient flows, Dormand–Prince`,
    searches: [{ id, spec }],
    judged,
    job: {
      time: dyn.time,
      rtol: dyn.rtol,
      atol: dyn.atol,
      max_steps: dyn.max_steps,
      trials: judged.map((t) => ({
        L: t.values.L,
        target_loss: t.values.target_loss,
        theta0: deepLinearTheta0(t.quantities, t.values.L, known),
      })),
    },
    before: 'claimcheck 4.8 s, SciPy RK45 loop 17.3 s',
    loopTarget: 1 / 10,
    compare: ['w11', 'detmin', 'growth', 'lossT'],
    outcome: (q) => `steps per trial ${Math.min(...q.map((x) => x.steps as number))}–${Math.max(...q.map((x) => x.steps as number))}`,
  };
}

async function vardi(): Promise<Experiment> {
  const { id, spec } = searchOf('vardi2021/thm3-construction.yaml');
  const judged = await judgedTrials(id, spec, { steps: { block: 'steps' } });
  const dyn = spec.dynamics as unknown as Record<string, number>;
  if (dyn.time !== ('60 / alpha^2' as unknown)) throw new Error(`vardi: bench/experiments.py assumes time 60 / alpha^2, the claim has ${dyn.time}`);
  return {
    key: 'vardi',
    title: `Vardi & Shamir Thm 3 (${id}): ${judged.length} gradient flows, Dormand–Prince`,
    searches: [{ id, spec }],
    judged: judged.map((t) => ({ ...t, quantities: { ...t.quantities, s: (t.quantities.w3 as number) / t.values.alpha } })),
    job: {
      rtol: dyn.rtol,
      atol: dyn.atol,
      max_steps: dyn.max_steps,
      stop_loss: dyn.stop_loss,
      trials: judged.map((t) => ({ gamma: t.values.gamma, alpha: t.values.alpha })),
    },
    before: 'not measured',
    compare: ['s'],
    outcome: (q) => `s from ${Math.min(...q.map((x) => x.s as number)).toFixed(4)} to ${Math.max(...q.map((x) => x.s as number)).toFixed(4)}`,
  };
}

async function frei(): Promise<Experiment> {
  const parts = [
    { claim: 't2', file: 'frei2022/t2-stays-low-rank.yaml', has: 'max_srank' },
    { claim: 'e', file: 'frei2022/e-large-init.yaml', has: 'srankT' },
  ].map(({ claim, file, has }) => ({ claim, has, ...searchOf(file) }));
  const judged: Judged[] = [];
  const jobParts = [];
  for (const p of parts) {
    // trials whose data could not be built (Gram matrix not positive definite) have no metrics: not re-run
    const ts = (await judgedTrials(p.id, p.spec)).filter((t) => t.quantities[p.has] != null);
    for (const t of ts) judged.push({ ...t, quantities: { ...t.quantities, claim: parts.indexOf(p) } });
    const dyn = p.spec.dynamics as unknown as { steps: number };
    jobParts.push({
      claim: p.claim,
      n: 20,
      d: 4000,
      width: 50,
      steps: dyn.steps,
      eta: 10,
      trials: ts.map((t) => ({ seed: t.values.seed, gamma: t.values.gamma, kappa: t.values.kappa, omega: t.values.omega ?? t.values.scale })),
    });
  }
  const summary = (q: Quantities[]) => {
    const t2 = q.filter((x) => x.claim === 0),
      e = q.filter((x) => x.claim === 1);
    const ms = t2.map((x) => x.max_srank as number);
    return `t2: max_srank ≤ 2 in ${ms.filter((x) => x <= 2).length}/${t2.length} (largest ${Math.max(...ms).toFixed(3)}); e: srankT ≥ srank0/2 in ${e.filter((x) => (x.srankT as number) >= (x.srank0 as number) / 2).length}/${e.length}`;
  };
  return {
    key: 'frei',
    title: `Frei et al. t2 + e (${parts.map((p) => p.id).join(', ')}): ${judged.length} GD runs, n = 20, d = 4000, m = 50 (claimcheck in Gram coordinates; NumPy in full coordinates, its own random draws)`,
    searches: parts.map(({ id, spec }) => ({ id, spec })),
    judged,
    job: { parts: jobParts },
    before: 'claimcheck 4.4 s, full-coordinate NumPy 9.8 s (then 14 trials)',
    compare: [],
    compareReferences: ['max_srank', 'srankT', 'lossT'],
    outcome: summary,
  };
}

/** Largest relative (or absolute) difference of the named metrics between two per-trial lists; a value missing on one side only is Infinity. */
function maxDiff(a: Quantities[], b: Quantities[], names: string[], relative: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) {
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i][n],
        y = b[i][n];
      if (x === null || y === null || x === undefined || y === undefined) {
        if (x !== y && !(x == null && y == null)) m = Infinity;
        continue;
      }
      m = Math.max(m, Math.abs(x - y) / (relative ? Math.max(Math.abs(x), Math.abs(y), 1e-300) : 1));
    }
    out[n] = m;
  }
  return out;
}

const sec = (s: number) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(1)} ms`);
const judge = (ok: boolean) => (ok ? 'met' : 'MISSED');

export async function experimentRows(): Promise<void> {
  console.log(
    `\nWhole experiments (issue 21): claimcheck's whole search on a one-thread worker pool (createPool(1), no journal, no boundary; search time, shrinking included) against the same trials in NumPy/SciPy (bench/experiments.py): one trial at a time, and all trials as one array; single thread on both sides, best of ${REPEATS} (fewer once a side has spent ${BUDGET_S} s: runs in brackets), ratios from this run.`,
  );
  const experiments: Experiment[] = [];
  for (const make of [timor, razin, vardi, frei]) {
    if (ONLY && !ONLY.includes(make.name)) continue;
    try {
      experiments.push(await make());
    } catch (e) {
      console.log(`  ${make.name}: skipped (${(e as Error).message})`);
    }
  }
  const ours = new Map<string, Awaited<ReturnType<typeof timeSearch>>>();
  for (const e of experiments) {
    const times = [];
    for (const { id, spec } of e.searches) times.push(await timeSearch(id, spec));
    ours.set(e.key, {
      s: times.reduce((a, t) => a + t.s, 0),
      runs: Math.min(...times.map((t) => t.runs)),
      trials: times.reduce((a, t) => a + t.trials, 0),
      verdict: times.map((t) => t.verdict).join(' + '),
    });
  }

  let ref: Record<string, unknown> | undefined;
  let why = '';
  try {
    const job = { repeats: REPEATS, budget_s: BUDGET_S, experiments: Object.fromEntries(experiments.map((e) => [e.key, e.job])) };
    ref = JSON.parse(
      execFileSync(PYTHON, [join(ROOT, 'bench', 'experiments.py')], {
        input: JSON.stringify(job),
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
  } catch (e) {
    const err = e as Error & { stderr?: string };
    const last = err.stderr?.trim().split('\n').pop() || err.message.split('\n')[0];
    why = `NumPy/SciPy references skipped: ${PYTHON} with numpy (and scipy for the gradient flows) is not available or failed (${last})`;
  }

  for (const e of experiments) {
    const o = ours.get(e.key)!;
    const q = e.judged.map((t) => t.quantities);
    console.log(`\n${e.title}; verdict ${o.verdict}, ${o.trials} trials judged`);
    console.log(`  before (issue 21's table): ${e.before}`);
    console.log(`  claimcheck: ${sec(o.s)} [${o.runs}] (${(o.trials / o.s).toFixed(1)} trials/s); ${e.outcome(q)}`);
    const r = ref?.[e.key] as
      | {
          loop_s: number;
          loop_runs: number;
          batched_s: number;
          batched_runs: number;
          loop: Quantities[];
          batched: Quantities[];
          flops?: number;
          error?: string;
        }
      | undefined;
    if (!r) {
      console.log(`  ${why || 'no reference'}`);
      continue;
    }
    if (r.error) {
      console.log(`  reference skipped: ${r.error}`);
      continue;
    }
    const loopName = e.key === 'razin' || e.key === 'vardi' ? 'SciPy solve_ivp RK45, one trial at a time' : 'NumPy, one trial at a time';
    const loopRatio = o.s / r.loop_s,
      batchRatio = o.s / r.batched_s;
    console.log(
      `  ${loopName}: ${sec(r.loop_s)} [${r.loop_runs}]; claimcheck / it = ${loopRatio.toFixed(2)}${e.loopTarget ? ` (target ≤ ${e.loopTarget}: ${judge(loopRatio <= e.loopTarget)})` : ''}; ${e.outcome(r.loop)}`,
    );
    console.log(
      `  NumPy, all trials as one array: ${sec(r.batched_s)} [${r.batched_runs}]; claimcheck / it = ${batchRatio.toFixed(2)} (target ≤ 1: ${judge(batchRatio <= 1)}); ${e.outcome(r.batched)}`,
    );
    const fmt = (d: Record<string, number>) =>
      Object.entries(d)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', ');
    if (e.compareReferences)
      console.log(
        `  agreement, largest relative difference over the trials, NumPy loop vs batched (same draws): ${fmt(maxDiff(r.loop, r.batched, e.compareReferences, true))}; claimcheck vs NumPy: in distribution only (outcomes above)`,
      );
    else {
      const diffs = (other: Quantities[]) => fmt({ ...maxDiff(q, other, e.compare, true), ...maxDiff(q, other, e.compareAbs ?? [], false) });
      const kinds = `relative: ${e.compare.join(', ')}${e.compareAbs ? `; absolute: ${e.compareAbs.join(', ')}` : ''}`;
      console.log(
        `  agreement, largest difference over the trials (${kinds}): claimcheck vs loop: ${diffs(r.loop)}; claimcheck vs batched: ${diffs(r.batched)}`,
      );
    }
    if (r.flops) {
      const rate = (ref as { flops_per_s: number }).flops_per_s;
      const floor = r.flops / rate;
      console.log(
        `  arithmetic floor: ${r.flops.toExponential(2)} flops / ${(rate / 1e9).toFixed(1)} Gflop/s (one core, NumPy 512×512 matrix product) = ${sec(floor)}; claimcheck / floor = ${(o.s / floor).toFixed(0)} (stretch target ≤ 10: ${judge(o.s / floor <= 10)})`,
      );
    }
  }
}
