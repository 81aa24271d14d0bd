import { z } from 'zod';
import {
  completionData,
  dataStats,
  exactGram,
  gaussianMixture,
  isotropicGaussian,
  linearlySeparable,
  REJECTION_DRAWS_PER_POINT,
  sparseRegression,
} from '../numeric/data.js';
import { randomLowRankTensor } from '../numeric/tensor.js';
import { mat } from '../numeric/linalg.js';
import { checkDataSize, checkSize } from './limits.js';
import { defineBlock, numExpr, staticProblems, type RangeOf, type StaticCheck, type StaticRange } from './types.js';

const exact = (r: StaticRange | undefined) => (r && r.lo === r.hi ? r : undefined);

/** n points in R^d: both at least 1, n × d numbers. */
function pointsCheck(p: { n: string | number; d: string | number }, range: RangeOf): StaticCheck {
  const c = staticProblems(range);
  const n = c.atLeast('n', p.n, 1),
    d = c.atLeast('d', p.d, 1);
  return { problems: c.problems, entries: n && d ? { value: n.hi * d.hi, field: 'n' } : undefined, rows: n, columns: exact(d) };
}

export const gaussianData = defineBlock({
  kind: 'data',
  name: 'isotropic-gaussian',
  summary:
    'n points x_i ~ N(0, scale² I_d); labels random ±1 ("sign"), a random linear teacher ("teacher"), N(0,1) targets ("gaussian"), or max(0, ⟨u, x⟩) for a random u ("relu-teacher", realizable by one ReLU neuron).',
  params: z.strictObject({
    n: numExpr,
    d: numExpr,
    scale: numExpr.default(1),
    labels: z.enum(['sign', 'teacher', 'gaussian', 'relu-teacher']).default('sign'),
  }),
  expressions: { n: 'trial', d: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    const n = ctx.int(p.n),
      d = ctx.int(p.d);
    checkDataSize('isotropic-gaussian', n, d);
    return isotropicGaussian(ctx.rng, n, d, ctx.num(p.scale), p.labels);
  },
  check: pointsCheck,
});

export const exactGramData = defineBlock({
  kind: 'data',
  name: 'exact-gram',
  summary:
    'n points in R^d (d ≥ n) with a prescribed Gram matrix: near-orthogonality κ = R_min²/(n·p) exact, off-diagonal sign pattern anti-aligned (−y_iy_j, adversarial), aligned (+y_iy_j), random, or orthogonal (p = 0, so the statistic kappa is ∞, and a trial whose hypotheses, lets, property or frequency bound use kappa is diverged); norms from 1 to Rratio; the first n_positive (default ⌊n/2⌋) points labelled +1. Not positive definite → out of regime.',
  params: z.strictObject({
    n: numExpr,
    d: numExpr,
    kappa: numExpr.default(1e6),
    pattern: z.enum(['anti-aligned', 'aligned', 'random', 'orthogonal']).default('anti-aligned'),
    Rratio: numExpr.default(1),
    n_positive: numExpr.optional(),
  }),
  expressions: { n: 'trial', d: 'trial', kappa: 'trial', Rratio: 'trial', n_positive: 'trial' },
  create: (p, ctx) => {
    const n = ctx.int(p.n),
      d = ctx.int(p.d);
    // the n×n Gram matrix too
    checkDataSize('exact-gram', n, Math.max(n, d), `n ${n} × max(n, d ${d})`);
    const nPositive = p.n_positive === undefined ? Math.floor(n / 2) : ctx.int(p.n_positive);
    return exactGram(ctx.rng, { n, d, kappa: ctx.num(p.kappa), pattern: p.pattern, Rratio: ctx.num(p.Rratio), nPositive });
  },
  check: pointsCheck,
});

export const mixtureData = defineBlock({
  kind: 'data',
  name: 'gaussian-mixture',
  summary:
    'two clusters x_i = y_i μ + z_i, z_i ~ N(0, I_d), ‖μ‖ = mu_norm in a random direction; the first n_positive (default ⌊n/2⌋) points labelled +1. A larger ‖μ‖ lowers κ.',
  params: z.strictObject({ n: numExpr, d: numExpr, mu_norm: numExpr, n_positive: numExpr.optional() }),
  expressions: { n: 'trial', d: 'trial', mu_norm: 'trial', n_positive: 'trial' },
  create: (p, ctx) => {
    const n = ctx.int(p.n),
      d = ctx.int(p.d);
    checkDataSize('gaussian-mixture', n, d);
    return gaussianMixture(ctx.rng, n, d, ctx.num(p.mu_norm), p.n_positive === undefined ? Math.floor(n / 2) : ctx.int(p.n_positive));
  },
  check: pointsCheck,
});

export const explicitData = defineBlock({
  kind: 'data',
  name: 'explicit',
  summary:
    'a data set written out in the claim file: `rows` (each a list of numbers or expressions, e.g. the construction X_γ of Vardi & Shamir Thm 3) and targets `y`',
  params: z.strictObject({ rows: z.array(z.array(numExpr).min(1)).min(1).max(1000), y: z.array(numExpr).min(1).max(1000) }),
  expressions: { rows: 'trial', y: 'trial' },
  create: (p, ctx) => {
    const d = p.rows[0].length;
    if (p.rows.some((r) => r.length !== d)) throw new Error('explicit data: every row needs the same length');
    if (p.y.length !== p.rows.length) throw new Error(`explicit data: ${p.rows.length} rows but ${p.y.length} targets`);
    const X = mat(
      p.rows.length,
      d,
      p.rows.flat().map((v) => ctx.num(v)),
    );
    return { X, y: Float64Array.from(p.y.map((v) => ctx.num(v))), stats: dataStats(X) };
  },
  check: (p) => {
    const d = p.rows[0].length;
    const problems: NonNullable<StaticCheck['problems']> = [];
    const ragged = p.rows.findIndex((r) => r.length !== d);
    if (ragged >= 0)
      problems.push({
        field: ['rows', ragged],
        message: `every row needs the same length: row 1 has ${d} entries, row ${ragged + 1} has ${p.rows[ragged].length}`,
      });
    if (p.y.length !== p.rows.length) problems.push({ field: ['y'], message: `${p.rows.length} rows but ${p.y.length} targets` });
    return { problems, rows: { lo: p.rows.length, hi: p.rows.length }, columns: { lo: d, hi: d }, entries: { value: p.rows.length * d, field: 'rows' } };
  },
});

export const matrixCompletionData = defineBlock({
  kind: 'data',
  name: 'matrix-completion',
  summary:
    'observed entries of a rows×cols matrix, `observed: [[i, j, value], …]` (1-based, value a number or expression): example k is the measurement e_i e_jᵀ (its row-major vec) with target b_ij, for the deep-linear model (Razin & Cohen: [[1, 2, 1], [2, 1, 1], [2, 2, 0]])',
  params: z.strictObject({
    rows: z.number().int().min(1).max(64),
    cols: z.number().int().min(1).max(64),
    observed: z.array(z.tuple([z.number().int().min(1), z.number().int().min(1), numExpr])).min(1),
  }),
  expressions: { observed: 'trial' },
  create: (p, ctx) => {
    const X = mat(p.observed.length, p.rows * p.cols);
    const seen = new Set<number>();
    p.observed.forEach(([i, j], k) => {
      if (i > p.rows || j > p.cols) throw new Error(`matrix-completion: entry (${i}, ${j}) is outside the ${p.rows}×${p.cols} matrix`);
      const at = (i - 1) * p.cols + (j - 1);
      if (seen.has(at)) throw new Error(`matrix-completion: entry (${i}, ${j}) is observed twice`);
      seen.add(at);
      X.data[k * X.cols + at] = 1;
    });
    return { X, y: Float64Array.from(p.observed.map(([, , v]) => ctx.num(v))), stats: dataStats(X) };
  },
  check: (p) => ({
    problems: p.observed.flatMap(([i, j], k) =>
      i > p.rows || j > p.cols ? [{ field: ['observed', k], message: `entry (${i}, ${j}) is outside the ${p.rows}×${p.cols} matrix` }] : [],
    ),
    columns: { lo: p.rows * p.cols, hi: p.rows * p.cols },
    entries: { value: p.observed.length * p.rows * p.cols, field: 'observed' },
  }),
});

export const tensorCompletionData = defineBlock({
  kind: 'data',
  name: 'tensor-completion',
  summary:
    'a random tensor of the given dims with CP rank `rank` and Frobenius norm 1 (Gaussian factors, normalized), of which `observed` entries chosen at random are the examples (one-hot rows, for cp-factorization); the whole tensor is kept as ground truth for reconstruction-error',
  params: z.strictObject({ dims: z.array(numExpr).min(1).max(6), rank: numExpr.default(1), observed: numExpr }),
  expressions: { dims: 'trial', rank: 'trial', observed: 'trial' },
  create: (p, ctx) => {
    const dims = p.dims.map((d) => ctx.int(d));
    if (dims.some((d) => d < 1) || dims.reduce((a, b) => a * b, 1) > 4096)
      throw new Error(`tensor-completion: dims ${dims} must be positive, with at most 4096 entries`);
    const observed = ctx.int(p.observed);
    checkSize('entries', observed * dims.reduce((a, b) => a * b, 1), `data block "tensor-completion": observed ${observed} × ${dims.join('×')} entries`);
    return completionData(ctx.rng.fork('observed'), randomLowRankTensor(ctx.rng.fork('target'), dims, ctx.int(p.rank)), observed);
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const dims = p.dims.map((d, i) => c.atLeast(['dims', i], d, 1));
    c.atLeast('rank', p.rank, 1);
    const size = dims.every((r) => r) ? dims.reduce((a, r) => a * r!.hi, 1) : undefined;
    if (size !== undefined && size > 4096) c.problems.push({ field: ['dims'], message: `a tensor of at most 4096 entries, found ${size}` });
    const lo = dims.every((r) => r) ? dims.reduce((a, r) => a * r!.lo, 1) : undefined;
    return { problems: c.problems, columns: size !== undefined && lo === size ? { lo, hi: size } : undefined };
  },
});

export const explicitVectorData = defineBlock({
  kind: 'data',
  name: 'explicit-vector',
  summary:
    'inputs x_i and vector targets y_i written out (numbers or expressions), optionally normalized to unit inputs, for models with vector outputs (relu-net): example (i, c) is the row [x_i, e_c] with target y_i[c], so the summed square loss is ½Σ_i ‖N(x_i) − y_i‖²',
  params: z.strictObject({
    inputs: z.array(z.array(numExpr).min(1)).min(1).max(1000),
    targets: z.array(z.array(numExpr).min(1)).min(1).max(1000),
    normalize: z.boolean().default(false),
  }),
  expressions: { inputs: 'trial', targets: 'trial' },
  create: (p, ctx) => {
    const d = p.inputs[0].length,
      k = p.targets[0].length;
    if (p.inputs.some((r) => r.length !== d) || p.targets.some((r) => r.length !== k))
      throw new Error('explicit-vector: every input (and every target) needs the same length');
    if (p.inputs.length !== p.targets.length) throw new Error(`explicit-vector: ${p.inputs.length} inputs but ${p.targets.length} targets`);
    const xs = p.inputs.map((r) => {
      const x = r.map((v) => ctx.num(v));
      const n = Math.hypot(...x);
      return p.normalize ? x.map((v) => v / n) : x;
    });
    const X = mat(xs.length * k, d + k);
    const y = new Float64Array(xs.length * k);
    xs.forEach((x, i) => {
      for (let c = 0; c < k; c++) {
        const row = i * k + c;
        x.forEach((v, q) => (X.data[row * (d + k) + q] = v));
        X.data[row * (d + k) + d + c] = 1;
        y[row] = ctx.num(p.targets[i][c]);
      }
    });
    return { X, y, stats: { ...dataStats(mat(xs.length, d, xs.flat())) } };
  },
  check: (p) => {
    const d = p.inputs[0].length,
      k = p.targets[0].length;
    const problems: NonNullable<StaticCheck['problems']> = [];
    if (p.inputs.some((r) => r.length !== d) || p.targets.some((r) => r.length !== k))
      problems.push({ field: ['inputs'], message: 'every input (and every target) needs the same length' });
    if (p.inputs.length !== p.targets.length) problems.push({ field: ['targets'], message: `${p.inputs.length} inputs but ${p.targets.length} targets` });
    return { problems, columns: { lo: d + k, hi: d + k }, entries: { value: p.inputs.length * k * (d + k), field: 'inputs' } };
  },
});

export const linearlySeparableData = defineBlock({
  kind: 'data',
  name: 'linearly-separable',
  summary: `n points in R^d labelled y_i = sign⟨w*, x_i⟩ (sign 0 = +1) by a unit teacher w*: \`teacher\` (a list of d numbers, normalized), or uniform on the unit sphere (a normalized N(0, I_d) draw). Inputs "gaussian" (the default): x ~ N(0, scale² I_d); "sphere": x uniform on the sphere of radius scale. The margin γ = \`margin\` (default 0): every point has y_i⟨w*, x_i⟩ ≥ γ, by margin_rule "reject" (the default: x is redrawn until |⟨w*, x⟩| ≥ γ, so x has the input law conditioned on that; more than ${REJECTION_DRAWS_PER_POINT}·n draws in all is out of regime) or "shift" (x_i is moved by γ·y_i·w*, so y_i⟨w*, x_i⟩ = |⟨w*, x⟩| + γ; shifted sphere points leave the sphere). Linearly separable with margin ≥ γ (the max-margin direction need not be w*). Label noise \`flip\` = p (default 0) then flips each label independently with probability p (from the trial’s seed, the points unchanged): the data are then not separable by w* in general, nor through the origin at all when p > 0 and n is large against d (n ≤ d points in general position are always separable), and the SVM metrics are NaN there, which makes the trial diverged unless a hypothesis on the statistic \`separable\` (1 or 0, by the separability LP) puts the draw out of regime first.`,
  params: z.strictObject({
    n: numExpr,
    d: numExpr,
    inputs: z.enum(['gaussian', 'sphere']).default('gaussian'),
    scale: numExpr.default(1),
    margin: numExpr.default(0),
    margin_rule: z.enum(['reject', 'shift']).default('reject'),
    teacher: z.array(numExpr).min(1).optional(),
    flip: numExpr.default(0),
  }),
  expressions: { n: 'trial', d: 'trial', scale: 'trial', margin: 'trial', teacher: 'trial', flip: 'trial' },
  create: (p, ctx) => {
    const n = ctx.int(p.n),
      d = ctx.int(p.d);
    checkDataSize('linearly-separable', n, d);
    const flip = ctx.num(p.flip);
    if (!(flip >= 0 && flip <= 1)) throw new Error(`linearly-separable: flip is a probability, in [0, 1], got ${flip}`);
    const data = linearlySeparable(ctx.rng, {
      n,
      d,
      inputs: p.inputs,
      scale: ctx.num(p.scale),
      margin: ctx.num(p.margin),
      marginRule: p.margin_rule,
      teacher: p.teacher?.map((v) => ctx.num(v)),
    });
    if (flip > 0) {
      const coin = ctx.rng.fork('flip');
      for (let i = 0; i < n; i++) if (coin.uniform() < flip) data.y[i] = -data.y[i];
    }
    return data;
  },
  check: (p, range) => {
    const base = pointsCheck(p, range);
    const c = staticProblems(range);
    c.atLeast('margin', p.margin, 0);
    c.within('flip', p.flip, 0, 1);
    const d = exact(range(p.d));
    if (p.teacher && d && p.teacher.length !== d.lo)
      c.problems.push({ field: ['teacher'], message: `a teacher of ${p.teacher.length} entries for d = ${d.lo}` });
    return { ...base, problems: [...(base.problems ?? []), ...c.problems] };
  },
});

export const sparseRegressionData = defineBlock({
  kind: 'data',
  name: 'sparse-regression',
  summary:
    'y = Xw* + sigma·ξ with X an n×d matrix of independent N(0, scale²) entries (scale default 1), ξ ~ N(0, I_n) (sigma default 0: noiseless), and w* k-sparse: its support the first k coordinates or (support "random", the default) a uniformly random k-subset; its nonzeros, in order of their coordinates, the list `values`, or else ±value (value default 1) with signs "random" (the default: independent, equally likely) or "positive". n < d (overparametrized) is allowed: then Xw = y has many solutions.',
  params: z.strictObject({
    n: numExpr,
    d: numExpr,
    k: numExpr,
    scale: numExpr.default(1),
    values: z.array(numExpr).min(1).optional(),
    value: numExpr.default(1),
    signs: z.enum(['random', 'positive']).default('random'),
    support: z.enum(['random', 'first']).default('random'),
    sigma: numExpr.default(0),
  }),
  expressions: { n: 'trial', d: 'trial', k: 'trial', scale: 'trial', values: 'trial', value: 'trial', sigma: 'trial' },
  create: (p, ctx) => {
    const n = ctx.int(p.n),
      d = ctx.int(p.d);
    checkDataSize('sparse-regression', n, d);
    return sparseRegression(ctx.rng, {
      n,
      d,
      k: ctx.int(p.k),
      scale: ctx.num(p.scale),
      values: p.values?.map((v) => ctx.num(v)),
      value: ctx.num(p.value),
      signs: p.signs,
      support: p.support,
      sigma: ctx.num(p.sigma),
    });
  },
  check: (p, range) => {
    const base = pointsCheck(p, range);
    const c = staticProblems(range);
    const k = c.atLeast('k', p.k, 0);
    c.atLeast('sigma', p.sigma, 0);
    const d = exact(range(p.d));
    if (k && d && k.hi > d.lo)
      c.problems.push({ field: ['k'], message: `k must be at most d = ${d.lo}, found ${k.lo === k.hi ? k.hi : `values up to ${k.hi}`}` });
    const kk = exact(k);
    if (p.values && kk && p.values.length !== kk.lo) c.problems.push({ field: ['values'], message: `${p.values.length} values for k = ${kk.lo} nonzeros` });
    return { ...base, problems: [...(base.problems ?? []), ...c.problems] };
  },
});

export const dataBlocks = [
  gaussianData,
  exactGramData,
  mixtureData,
  explicitData,
  matrixCompletionData,
  tensorCompletionData,
  explicitVectorData,
  linearlySeparableData,
  sparseRegressionData,
];
