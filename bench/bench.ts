// `npm run bench`: time per gradient step of claimcheck's float64 kernels at the sizes the claims
// use, against NumPy running the same step (bench/reference.py) in the same run, with the targets
// of issue 9 stated and judged; then whole experiments against NumPy/SciPy (bench/experiments.ts, issue 21).
// A benchmark, not a test: nothing here fails the build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClaims } from '../src/claims/load.js';
import { deepLinearNet } from '../src/numeric/deeplinear.js';
import { denseKernels, dopriWasm } from '../src/numeric/dense.js';
import { completionData } from '../src/numeric/data.js';
import { inGramCoordinates } from '../src/numeric/gram.js';
import { integrateDopri, normalizedFlow } from '../src/numeric/dynamics.js';
import { mat, stableRank, type Mat } from '../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../src/numeric/losses.js';
import { leakyRelu, twoLayerNet, type Model } from '../src/numeric/models.js';
import { objective, type Objective } from '../src/numeric/objective.js';
import { reluNet } from '../src/numeric/relunet.js';
import { cpFactorization, randomLowRankTensor } from '../src/numeric/tensor.js';
import { Rng } from '../src/numeric/rng.js';
import { twoLayerKernels, twoLayerNormalizedFlow } from '../src/numeric/two-layer-kernel.js';
import { createPool } from '../src/search/pool.js';
import { runSearch } from '../src/search/search.js';
import { largestBatchMemory } from './batch-memory.js';
import { experimentRows } from './experiments.js';
import { secondsPerCall } from './timing.js';

const ROOT = join(import.meta.dirname, '..');

const perCall = (f: () => unknown): number => secondsPerCall(f);

function gdStep(obj: Objective, theta: Float64Array, eta: number): () => number {
  const grad = new Float64Array(obj.nParams);
  return () => {
    const l = obj.valueAndGrad(theta, grad);
    for (let i = 0; i < theta.length; i++) theta[i] -= eta * grad[i];
    return l;
  };
}

const rng = new Rng(0);
function gaussianData(n: number, d: number): { X: Mat; y: Float64Array } {
  const X = mat(
    n,
    d,
    Array.from({ length: n * d }, () => rng.normal() / Math.sqrt(d)),
  );
  return { X, y: Float64Array.from({ length: n }, () => (rng.normal() > 0 ? 1 : -1)) };
}
const twoLayer = (d: number, m: number): Model =>
  twoLayerNet({ d, width: m, activation: leakyRelu(0.3), trainOutput: false, wScale: 1e-3, vScale: 1 / Math.sqrt(m), vInit: 'sign' });

const kernels: Array<{ name: string; ours: () => unknown }> = [];
for (const [n, d, m] of [
  [16, 64, 40],
  [20, 4000, 50],
] as const) {
  const { X, y } = gaussianData(n, d);
  const model = twoLayer(d, m);
  kernels.push({
    name: `two-layer leaky-ReLU GD step, n=${n} d=${d} m=${m}`,
    ours: gdStep(objective(model, logisticLoss, X, y, 'sum'), model.init(rng.fork('w')), 0.1),
  });
}
{
  const model = deepLinearNet({ rows: 2, cols: 2, depth: 3, width: 2, init: 'gaussian', scale: 0.1, detSign: 'any' });
  const X = mat(3, 4, [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  kernels.push({
    name: 'deep-linear 2x2 GD step, L=3',
    ours: gdStep(objective(model, squareLoss, X, Float64Array.from([1, 1, 0]), 'sum'), model.init(rng.fork('dl')), 0.01),
  });
}
{
  const model = reluNet({ sizes: [2, 10, 2], activation: leakyRelu(0, 0), init: 'gaussian', scale: 0.5 });
  const s = Math.hypot(1, 0.99);
  const X = mat(4, 4, [1 / s, 0.99 / s, 1, 0, 1 / s, 0.99 / s, 0, 1, -1 / s, 0.99 / s, 1, 0, -1 / s, 0.99 / s, 0, 1]);
  kernels.push({
    name: 'depth-2 ReLU net GD step, width 10',
    ours: gdStep(objective(model, squareLoss, X, Float64Array.from([1, 0, 0, 1]), 'mean'), model.init(rng.fork('relu')), 0.1),
  });
}
{
  const W = mat(
    50,
    4000,
    Array.from({ length: 200000 }, () => rng.normal()),
  );
  kernels.push({ name: 'stable rank of a 50x4000 matrix', ours: () => stableRank(W) });
}

let numpy: { numpy: string; seconds: Record<string, number> } | undefined;
let numpyWhy = '';
try {
  // one thread, as claimcheck's kernels (OpenBLAS's threads on a loaded machine slow NumPy by up to ~50×)
  numpy = JSON.parse(
    execFileSync('python3', [join(ROOT, 'bench', 'reference.py')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    }),
  );
} catch (e) {
  numpyWhy = `NumPy column skipped: python3 with numpy is not available (${(e as Error).message.split('\n')[0]})`;
}

const us = (s: number) => (s * 1e6).toPrecision(4);
console.log('claimcheck float64 kernels against NumPy float64, one thread each (time per call, best of 5; ratio = ours / NumPy; target ratio ≤ 1.0)');
console.log(
  `dense products: ${denseKernels === 'wasm-simd' ? 'WebAssembly SIMD (src/numeric/wasm/dense.as.ts)' : 'JavaScript loops (CLAIMCHECK_KERNELS=js, or dense.wasm not built)'}\n`,
);
console.log(`${'kernel'.padEnd(50)} ${'ours µs'.padStart(10)} ${'NumPy µs'.padStart(10)} ${'ratio'.padStart(7)}  target`);
let met = 0,
  judged = 0;
for (const k of kernels) {
  const ours = perCall(k.ours);
  const ref = numpy?.seconds[k.name];
  const ratio = ref ? ours / ref : undefined;
  if (ratio !== undefined) (judged++, ratio <= 1 && met++);
  console.log(
    `${k.name.padEnd(50)} ${us(ours).padStart(10)} ${(ref ? us(ref) : '–').padStart(10)} ${(ratio?.toFixed(2) ?? '–').padStart(7)}  ${ratio === undefined ? '' : ratio <= 1 ? 'met' : 'MISSED'}`,
  );
}
console.log(numpy ? `\nNumPy ${numpy.numpy}: ${met} of ${judged} kernels at or under the NumPy time.` : `\n${numpyWhy}`);

// Gram coordinates (Frei et al.): the d = 4000 step in r = n coordinates, same losses to rounding
{
  const { X, y } = gaussianData(20, 4000);
  const full = twoLayer(4000, 50);
  const gram = inGramCoordinates((r) => twoLayer(r, 50), X, 50, 1e-3);
  const tf = full.init(new Rng(5).fork('w'));
  const tg = gram.init(new Rng(5).fork('w'));
  const fullStep = gdStep(objective(full, logisticLoss, X, y, 'sum'), tf, 0.1);
  const gramStep = gdStep(objective(gram, logisticLoss, X, y, 'sum'), tg, 0.1);
  const a = perCall(fullStep),
    b = perCall(gramStep);
  console.log(
    `\nGram coordinates, n=20 d=4000 m=50: full step ${us(a)} µs, Gram step ${us(b)} µs: ${(a / b).toFixed(0)}× faster (target ≥ 100×: ${a / b >= 100 ? 'met' : 'MISSED'}); results equal to rounding: test/numeric/gram.test.ts`,
  );
  // a trial's setup: the basis Q and X̃ = XQᵀ, then an init (m·(d − r) normals for the frozen part and its m×m Gram matrix)
  const setup = perCall(() => inGramCoordinates((r) => twoLayer(r, 50), X, 50, 1e-3).init(new Rng(6)));
  console.log(`Gram-coordinate trial setup, n=20 d=4000 m=50 (basis, X̃, init with 2·10⁵ normals and W_⊥W_⊥ᵀ): ${(setup * 1e3).toFixed(1)} ms`);
}

// Frei et al.'s normalized flow (two-layer net, fixed output layer): a step on the generated two-layer kernel
// (src/numeric/two-layer-kernel.ts) against the same step on the model's own passes (normalizedFlow), bit-identical
{
  const rows: string[] = [];
  for (const [label, n, r, m] of [
    ['Gram coordinates n=20 r=20 m=50 (clustered-data-low-srank)', 20, 20, 50],
    ['exact-Gram n=d=16 m=40 (t12-global-at-small-kappa)', 16, 16, 40],
    ['exact-Gram n=d=8 m=20 (l3-extreme-attained)', 8, 8, 20],
  ] as const) {
    const { X, y } = gaussianData(n, r);
    // exact-Gram data are lower-triangular (X = chol(G)): the kernel skips the zero terms
    if (!label.startsWith('Gram')) for (let i = 0; i < n; i++) X.data.fill(0, i * r + i + 1, (i + 1) * r);
    const model = twoLayer(r, m);
    const theta = model.init(rng.fork('nf'));
    const steps = 200;
    const a = perCall(() => normalizedFlow(model, X, y, theta, { steps, eta: 0.01 })) / steps,
      b = perCall(() => twoLayerNormalizedFlow(model, X, y, theta, { steps, eta: 0.01 })) / steps;
    rows.push(`  ${label.padEnd(58)} ${us(a).padStart(8)} µs ${us(b).padStart(8)} µs ${(a / b).toFixed(1).padStart(6)}×`);
  }
  console.log(
    `\nNormalized-flow step of a two-layer net (${twoLayerKernels === 'wasm-simd' ? 'generated WebAssembly SIMD kernel' : 'no kernel: CLAIMCHECK_KERNELS=js or no WebAssembly SIMD'}; the same numbers: test/numeric/two-layer-kernel.test.ts)\n  ${'shape'.padEnd(58)} ${'model passes'.padStart(11)} ${'kernel'.padStart(11)} ${'ratio'.padStart(7)}\n${rows.join('\n')}`,
  );
}

// Gradient flow of small models (Vardi–Shamir's two-layer nets, Razin–Cohen's factorizations): a Dormand–Prince step on
// the generic passes with the stages in JavaScript, against the generated objective kernels (two-layer-objective.ts,
// deeplinear.ts) with the stages and error estimate in WebAssembly (dense.as.ts); the same numbers:
// test/numeric/two-layer-objective.test.ts, deeplinear-objective.test.ts, dynamics.test.ts
{
  const rows: string[] = [];
  const steps = 400;
  const cases: Array<[string, Model, Mat, Float64Array, 'sum' | 'mean']> = [];
  for (const [n, d, m] of [
    [8, 6, 5],
    [3, 4, 1],
  ] as const) {
    const { X, y } = gaussianData(n, d);
    const model = twoLayerNet({ d, width: m, activation: leakyRelu(0.1), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
    cases.push([`two-layer n=${n} d=${d} m=${m} (Vardi–Shamir)`, model, X, y, 'mean']);
  }
  for (const L of [2, 4]) {
    const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'balanced', scale: 0.1, detSign: 'positive' });
    cases.push([`deep-linear 2×2 L=${L} (Razin–Cohen c3)`, model, mat(3, 4, [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), Float64Array.from([1, 1, 0]), 'sum']);
  }
  // Razin–Cohen's tensor completion (cp-factorization, WebAssembly objective: tensor.ts, dense.as.ts cpSquareLoss)
  {
    const dims = [5, 5, 5];
    const data = completionData(rng.fork('c6'), randomLowRankTensor(rng.fork('c6t'), dims, 1), 50);
    cases.push(['cp-factorization 5×5×5 R=25 (Razin–Cohen c6)', cpFactorization({ dims, rank: 25, scale: 1e-3 }), data.X, data.y, 'sum']);
  }
  // Timor et al.'s deep ReLU nets with vector outputs: rows [x_i, e_c], one per point and output coordinate
  for (const [label, sizes, points] of [
    ['relu-net 3-4-4-2, 4 points (Timor C2)', [3, 4, 4, 2], 4],
    ['relu-net 2-10-2, 2 points (Timor C5/C6)', [2, 10, 2], 2],
  ] as const) {
    const dIn = sizes[0],
      dOut = sizes.at(-1)!,
      n = points * dOut;
    const X = mat(n, dIn + dOut);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < dIn; c++) X.data[i * (dIn + dOut) + c] = rng.normal();
      X.data[i * (dIn + dOut) + dIn + (i % dOut)] = 1;
    }
    const model = reluNet({ sizes: [...sizes], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    cases.push([label, model, X, Float64Array.from({ length: n }, () => rng.normal()), 'sum']);
  }
  for (const [label, model, X, y, reduction] of cases) {
    const theta0 = model.init(rng.fork(label));
    // the model without its generated kernel: a copy of its methods (and no two-layer or relu-net shape)
    const plainModel: Model = { ...model, twoLayer: undefined, structure: undefined };
    const generic = objective(plainModel, squareLoss, X, y, reduction),
      fast = objective(model, squareLoss, X, y, reduction);
    const negated = (theta: Float64Array, out: Float64Array) => {
      const v = generic.valueAndGrad(theta, out);
      for (let i = 0; i < out.length; i++) out[i] = -out[i];
      return v;
    };
    const o = { time: 1e9, rtol: 1e-10, atol: 1e-13, maxSteps: steps };
    const a = perCall(() => integrateDopri(negated, theta0, o, { wasm: false })) / steps,
      b = perCall(() => integrateDopri(fast.negativeGradient!, theta0, o)) / steps;
    rows.push(`  ${label.padEnd(38)} ${us(a).padStart(8)} µs ${us(b).padStart(8)} µs ${(a / b).toFixed(1).padStart(6)}×`);
  }
  console.log(
    `\nGradient-flow step (Dormand–Prince 5(4), ${dopriWasm ? 'stages in WebAssembly SIMD' : 'no WebAssembly: CLAIMCHECK_KERNELS=js or dense.wasm not built'})\n  ${'model'.padEnd(38)} ${'passes + JS'.padStart(11)} ${'kernels'.padStart(11)} ${'ratio'.padStart(7)}\n${rows.join('\n')}`,
  );
}

// The normalized flow of a deep ReLU net (Timor et al. C7: depth 6, width 16, unit steps): backward reusing the
// forward pass the exponential loss just made, against backward running every row again; the same numbers: test/numeric/dynamics.test.ts
{
  const model = reluNet({ sizes: [2, 16, 16, 16, 16, 16, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 0.3 });
  const X = mat(2, 3, [1, 0, 1, 0.6, 0.8, 1]),
    y = Float64Array.from([1, -1]);
  const theta = model.init(rng.fork('c7'));
  const again: Model = { ...model, backward: (t, A, c, g) => model.backward(t, A, c, g) };
  const steps = 200,
    o = { steps, eta: 0.05, unitStep: true };
  // alternated, best of three each: both runs share normalizedFlow's call sites
  let a = Infinity,
    b = Infinity;
  for (let r = 0; r < 3; r++) {
    a = Math.min(a, perCall(() => normalizedFlow(again, X, y, theta, o)) / steps);
    b = Math.min(b, perCall(() => normalizedFlow(model, X, y, theta, o)) / steps);
  }
  console.log(
    `\nNormalized-flow step of relu-net 2-16×5-1 on 2 points (Timor C7), unit steps: backward running the rows again ${us(a)} µs, reusing the forward pass ${us(b)} µs (${(a / b).toFixed(1)}×)`,
  );
}

// a whole search, on all cores
{
  const c = loadClaims([join(ROOT, 'claims', 'timor2022', 'experiment-stable-ranks.yaml')]).claims[0];
  if (c.ok) {
    const pool = createPool();
    const r = await runSearch(c.claim.search!, { claimId: c.claim.id, runner: pool });
    await pool.close();
    console.log(
      `\nA whole search (${c.claim.id}, ${r.trialsRun} trials of 3000 GD steps, ${pool.threads} worker threads): ${r.trialsPerSecond.toFixed(1)} trials/s.`,
    );
  }
}

const last = join(ROOT, 'reports', 'latest', 'report.json');
if (existsSync(last)) {
  const rep = JSON.parse(readFileSync(last, 'utf8'));
  const min = rep.wallMs / 60000;
  const searches = rep.claims.map((c: { search?: { trialsRun: number; reusedTrials?: number } }) => c.search).filter(Boolean);
  const run = searches.reduce((t: number, s: { trialsRun: number }) => t + s.trialsRun, 0);
  const reused = searches.reduce((t: number, s: { reusedTrials?: number }) => t + (s.reusedTrials ?? 0), 0);
  const head = `The last \`npm start\` (reports/latest, ${rep.summary.claims} claims, ${rep.environment.threads} threads, ${rep.options.full ? 'full' : 'CI'} scale): ${min.toFixed(1)} min`;
  const all = readdirSync(join(ROOT, 'claims'), { recursive: true }).filter((f) => String(f).endsWith('.yaml') && !String(f).endsWith('paper.yaml')).length;
  if (rep.summary.claims < all || rep.options.full)
    console.log(`${head}: not the default run of all ${all} claims at CI scale, so not judged (time it with \`npm start -- --no-cache\`).`);
  else if (reused > run / 2)
    console.log(
      `${head}, but ${reused} of its ${run} trials came from the journal: not a measure of speed (time a fresh run with \`npm start -- --no-cache\`).`,
    );
  else console.log(`${head} (target ≤ 90 s on 2 idle cores: ${min <= 1.5 ? 'met' : 'MISSED'}).`);
} else console.log('No reports/latest/report.json: run `npm start -- --no-cache` to time the default run.');

console.log(`\n${largestBatchMemory()}`);

await experimentRows();
