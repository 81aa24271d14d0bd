import { z } from 'zod';
import { deepLinearNet } from '../numeric/deeplinear.js';
import { inGramCoordinates } from '../numeric/gram.js';
import { reluNet } from '../numeric/relunet.js';
import { cpFactorization } from '../numeric/tensor.js';
import { leakyRelu, linearActivation, smoothLeakyRelu, twoLayerNet } from '../numeric/models.js';
import { checkModelSize } from './limits.js';
import { deepLinearNetBlock } from './models/deep-linear-net.js';
import { diagonalLinearBlock } from './models/diagonal-linear.js';
import { linearBlock } from './models/linear.js';
import { defineBlock, numExpr, staticProblems, type StaticRange } from './types.js';

const exact = (r: StaticRange | undefined) => (r && r.lo === r.hi ? r : undefined);
const product = (rs: Array<StaticRange | undefined>): StaticRange | undefined =>
  rs.every((r) => r) ? { lo: rs.reduce((a, r) => a * r!.lo, 1), hi: rs.reduce((a, r) => a * r!.hi, 1) } : undefined;

export const twoLayerBlock = defineBlock({
  kind: 'model',
  name: 'two-layer',
  summary:
    'x ↦ Σ_j v_j φ(⟨w_j, x⟩), W ∈ R^{m×d} (layer "W"), v ∈ R^m (layer "v"); φ leaky ReLU max(γz, z) (gamma = 0: ReLU; φ′(0) = dphi_at_zero), the γ-leaky H-smooth activation, or linear. v_init "split" fixes v_j = +v_scale for the first round(positive_fraction·m) neurons and −v_scale for the rest (Frei et al.: a_j = ±1/√m, trained = false). coordinates "gram" simulates in the data\'s span (O(m·n²) a step for any d), with the frozen orthogonal part of the initialization carried as a Wishart term; metrics that need the full W are then unavailable. hidden_bias adds trained biases b_j (layer "b", per-neuron symbol b).',
  params: z.strictObject({
    d: numExpr,
    width: numExpr,
    activation: z.enum(['leaky-relu', 'smooth-leaky-relu', 'linear']).default('leaky-relu'),
    gamma: numExpr.default(0),
    H: numExpr.default(1),
    dphi_at_zero: numExpr.default(1),
    train_output: z.boolean().default(true),
    w_scale: numExpr,
    v_scale: numExpr.default(1),
    v_init: z.enum(['gaussian', 'sign', 'balanced', 'split']).default('gaussian'),
    positive_fraction: numExpr.default(0.5),
    coordinates: z.enum(['full', 'gram']).default('full'),
    hidden_bias: z.boolean().default(false),
    b_scale: numExpr.default(1),
  }),
  expressions: {
    d: 'trial',
    width: 'trial',
    gamma: 'trial',
    H: 'trial',
    dphi_at_zero: 'trial',
    w_scale: 'trial',
    v_scale: 'trial',
    positive_fraction: 'trial',
    b_scale: 'trial',
  },
  create: (p, ctx) => {
    const gamma = ctx.num(p.gamma);
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`two-layer: gamma must lie in [0, 1], got ${gamma}`);
    const d = ctx.int(p.d),
      width = ctx.int(p.width);
    // Gram coordinates add the frozen orthogonal part: an m×m matrix and m×d draws
    checkModelSize(
      'two-layer',
      ctx,
      width * (d + 2) + (p.coordinates === 'gram' ? width * width : 0),
      width,
      `width ${width} × (d ${d} + 2)${p.coordinates === 'gram' ? ' + width²' : ''} parameters`,
    );
    if (p.coordinates === 'gram') {
      if (!ctx.data) throw new Error('two-layer: coordinates "gram" needs a data block');
      if (ctx.data.X.cols !== d) throw new Error(`two-layer: d = ${d} but the data have ${ctx.data.X.cols} columns`);
    }
    const net = (inputs: number) =>
      twoLayerNet({
        d: inputs,
        width,
        activation:
          p.activation === 'linear'
            ? linearActivation
            : p.activation === 'smooth-leaky-relu'
              ? smoothLeakyRelu(gamma, ctx.num(p.H))
              : leakyRelu(gamma, ctx.num(p.dphi_at_zero)),
        trainOutput: p.train_output,
        wScale: ctx.num(p.w_scale),
        vScale: ctx.num(p.v_scale),
        vInit: p.v_init,
        positiveFraction: ctx.num(p.positive_fraction),
        hiddenBias: p.hidden_bias,
        bScale: ctx.num(p.b_scale),
      });
    return p.coordinates === 'gram' ? inGramCoordinates(net, ctx.data!.X, width, ctx.num(p.w_scale)) : net(d);
  },
  check: (p, range) => {
    const c = staticProblems(range);
    c.within('gamma', p.gamma, 0, 1);
    c.within('positive_fraction', p.positive_fraction, 0, 1);
    const d = c.atLeast('d', p.d, 1),
      width = c.atLeast('width', p.width, 1);
    return {
      problems: c.problems,
      entries: d && width ? { value: width.hi * (d.hi + 2), field: 'width' } : undefined,
      perRow: width?.hi,
      columns: exact(d),
    };
  },
});

export const deepLinearBlock = defineBlock({
  kind: 'model',
  name: 'deep-linear',
  summary:
    'a depth-L linear factorization W = W_L ⋯ W_1 of a rows×cols matrix (layers "W1" … "WL", product "W"), predicting ⟨A_k, W⟩ for measurement matrices A_k (matrix-completion data). init "balanced": a Gaussian product P = USVᵀ with entries N(0, scale²), W_1 = S^{1/L}Vᵀ, middle layers S^{1/L}, W_L = US^{1/L} (W_{j+1}ᵀW_{j+1} = W_jW_jᵀ); "gaussian": every entry of every layer N(0, scale²) (unbalanced, as the authors’ code); "identity": W_j = |scale|^{1/L}·I with W_L negated when scale < 0 (balanced, product scale·I; square, width = rows). det_sign fixes the sign of det W(0) for square products.',
  params: z.strictObject({
    rows: numExpr,
    cols: numExpr,
    depth: numExpr,
    width: numExpr.optional(),
    init: z.enum(['balanced', 'gaussian', 'identity']).default('balanced'),
    scale: numExpr,
    det_sign: z.enum(['positive', 'negative', 'any']).default('any'),
  }),
  expressions: { rows: 'trial', cols: 'trial', depth: 'trial', width: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    const rows = ctx.int(p.rows),
      cols = ctx.int(p.cols);
    if (ctx.data && ctx.data.X.cols !== rows * cols)
      throw new Error(`deep-linear: a ${rows}×${cols} product needs measurements with ${rows * cols} entries, the data have ${ctx.data.X.cols}`);
    const depth = ctx.int(p.depth),
      width = p.width === undefined ? Math.min(rows, cols) : ctx.int(p.width);
    const side = Math.max(rows, cols, width);
    checkModelSize('deep-linear', ctx, (depth + 1) * side * side, depth * side, `(depth ${depth} + 1) × ${side}² parameters`);
    return deepLinearNet({
      rows,
      cols,
      depth,
      width,
      init: p.init,
      scale: ctx.num(p.scale),
      detSign: p.det_sign,
    });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const rows = c.atLeast('rows', p.rows, 1),
      cols = c.atLeast('cols', p.cols, 1),
      depth = c.atLeast('depth', p.depth, 1),
      width = c.atLeast('width', p.width, 1);
    const side = rows && cols && (p.width === undefined || width) ? Math.max(rows.hi, cols.hi, width?.hi ?? 0) : undefined;
    if (p.init === 'identity') {
      // W_j = |scale|^{1/L}·I needs square layers: rows = cols (= width); known sizes are checked here, the rest per trial
      const fixed = (r: typeof rows) => (r && r.lo === r.hi ? r.lo : undefined);
      const [R, C, Wd] = [fixed(rows), fixed(cols), fixed(width)];
      if (R !== undefined && C !== undefined && R !== C)
        c.problems.push({ field: ['cols'], message: `init "identity" needs a square product: rows = cols, found ${R}×${C}` });
      else if (R !== undefined && Wd !== undefined && Wd !== R)
        c.problems.push({ field: ['width'], message: `init "identity" needs width = rows = ${R}, found ${Wd}` });
      if (p.det_sign !== 'any')
        c.problems.push({ field: ['det_sign'], message: `init "identity" fixes the product to scale·I; det_sign must be "any", found "${p.det_sign}"` });
    }
    return {
      problems: c.problems,
      entries: side && depth ? { value: (depth.hi + 1) * side * side, field: 'depth' } : undefined,
      perRow: side && depth ? depth.hi * side : undefined,
      columns: exact(product([rows, cols])),
    };
  },
});

export const cpFactorizationBlock = defineBlock({
  kind: 'model',
  name: 'cp-factorization',
  summary:
    'T = Σ_{r ≤ rank} a_r^(1) ⊗ … ⊗ a_r^(N) for a tensor of the given dims (Razin & Cohen’s tensor completion; factors "A1" … "AN", the tensor "T" as a 1×size row, and the component norms Π_m ‖a_r^(m)‖ as the row "components"), predicting ⟨A_k, T⟩; factor entries N(0, scale²)',
  params: z.strictObject({ dims: z.array(numExpr).min(1).max(6), rank: numExpr, scale: numExpr }),
  expressions: { dims: 'trial', rank: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    const dims = p.dims.map((d) => ctx.int(d));
    const size = dims.reduce((a, b) => a * b, 1);
    if (ctx.data && ctx.data.X.cols !== size)
      throw new Error(`cp-factorization: a tensor of ${size} entries needs measurements with ${size} entries, the data have ${ctx.data.X.cols}`);
    const rank = ctx.int(p.rank);
    checkModelSize(
      'cp-factorization',
      ctx,
      rank * dims.reduce((a, b) => a + b, 0) + size,
      rank * dims.length,
      `rank ${rank} × (${dims.join(' + ')}) + ${size} parameters`,
    );
    return cpFactorization({ dims, rank, scale: ctx.num(p.scale) });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const dims = p.dims.map((d, i) => c.atLeast(['dims', i], d, 1));
    const rank = c.atLeast('rank', p.rank, 1);
    const size = product(dims);
    return {
      problems: c.problems,
      entries: size && rank ? { value: rank.hi * dims.reduce((a, d) => a + d!.hi, 0) + size.hi, field: 'dims' } : undefined,
      perRow: rank && size ? rank.hi * dims.length : undefined,
      columns: exact(size),
    };
  },
});

export const reluNetBlock = defineBlock({
  kind: 'model',
  name: 'relu-net',
  summary:
    'a bias-free deep network x ↦ W_k σ(⋯ σ(W_1 x)) with vector outputs (layers "W1" … "Wk"), σ leaky ReLU max(γz, z) with σ′(0) = dphi_at_zero (Timor et al. take ReLU with σ′(0) = 0), for explicit-vector data; `sizes` = [d_in, h_1, …, d_out]. init "sphere": every hidden row and every column of W_k uniform on the sphere of radius `scale` (the authors’ small init); "sphere-zero-last": the same with W_k = 0; "gaussian": Xavier normal times `scale`; "ball": every row of every layer uniform in the ball of radius `scale` (the authors’ code). Instead of `sizes`: d_in, width, depth and d_out (depth − 1 hidden layers of the same width).',
  params: z.strictObject({
    sizes: z.array(numExpr).min(2).max(32).optional(),
    d_in: numExpr.optional(),
    width: numExpr.optional(),
    depth: numExpr.optional(),
    d_out: numExpr.optional(),
    gamma: numExpr.default(0),
    dphi_at_zero: numExpr.default(0),
    init: z.enum(['sphere', 'sphere-zero-last', 'gaussian', 'ball']).default('sphere'),
    scale: numExpr,
  }),
  expressions: { sizes: 'trial', d_in: 'trial', width: 'trial', depth: 'trial', d_out: 'trial', gamma: 'trial', dphi_at_zero: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    let sizes: number[];
    if (p.sizes) sizes = p.sizes.map((s) => ctx.int(s));
    else {
      if ([p.d_in, p.width, p.depth, p.d_out].some((v) => v === undefined)) throw new Error('relu-net: give `sizes`, or all of d_in, width, depth and d_out');
      const depth = ctx.int(p.depth!);
      if (depth < 1) throw new Error(`relu-net: depth must be at least 1, got ${depth}`);
      const [dIn, width, dOut] = [ctx.int(p.d_in!), ctx.int(p.width!), ctx.int(p.d_out!)];
      // checked before the list of sizes is made (a depth of 10^9 is a list of 10^9 widths)
      const parameters = depth === 1 ? dIn * dOut : width * (dIn + (depth - 2) * width + dOut);
      checkModelSize(
        'relu-net',
        ctx,
        parameters,
        dIn + (depth - 1) * width + dOut,
        `the parameters of d_in ${dIn}, ${depth - 1} hidden layers of width ${width}, d_out ${dOut}`,
      );
      sizes = [dIn, ...Array<number>(depth - 1).fill(width), dOut];
    }
    if (sizes.some((s) => s < 1)) throw new Error(`relu-net: sizes must be positive, got ${sizes}`);
    checkModelSize(
      'relu-net',
      ctx,
      sizes.slice(1).reduce((a, s, i) => a + s * sizes[i], 0),
      sizes.reduce((a, s) => a + s, 0),
      `the parameters of sizes [${sizes.join(', ')}]`,
    );
    if (ctx.data && ctx.data.X.cols !== sizes[0] + sizes.at(-1)!)
      throw new Error(
        `relu-net: inputs of size ${sizes[0]} and ${sizes.at(-1)} outputs need data rows of ${sizes[0] + sizes.at(-1)!} entries (explicit-vector data), the data have ${ctx.data.X.cols}`,
      );
    const gamma = ctx.num(p.gamma);
    if (!(gamma >= 0 && gamma <= 1)) throw new Error(`relu-net: gamma must lie in [0, 1], got ${gamma}`);
    return reluNet({ sizes, activation: leakyRelu(gamma, ctx.num(p.dphi_at_zero)), init: p.init, scale: ctx.num(p.scale) });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    c.within('gamma', p.gamma, 0, 1);
    let sizes: Array<StaticRange | undefined> | undefined;
    if (p.sizes) sizes = p.sizes.map((s, i) => c.atLeast(['sizes', i], s, 1));
    else if ([p.d_in, p.width, p.depth, p.d_out].some((v) => v === undefined))
      c.problems.push({ field: ['sizes'], message: 'give `sizes`, or all of d_in, width, depth and d_out' });
    else {
      const depth = c.atLeast('depth', p.depth, 1);
      const [din, w, dout] = [c.atLeast('d_in', p.d_in, 1), c.atLeast('width', p.width, 1), c.atLeast('d_out', p.d_out, 1)];
      if (depth) sizes = [din, ...Array<StaticRange | undefined>(Math.min(depth.hi, 1e6) - 1).fill(w), dout];
    }
    let entries: number | undefined;
    if (sizes?.every((r) => r)) entries = sizes.slice(1).reduce((a, r, i) => a + r!.hi * sizes![i]!.hi, 0);
    const first = sizes?.[0],
      last = sizes?.at(-1);
    return {
      problems: c.problems,
      entries: entries === undefined ? undefined : { value: entries, field: p.sizes ? 'sizes' : 'width' },
      perRow: sizes?.every((r) => r) ? sizes.reduce((a, r) => a + r!.hi, 0) : undefined,
      columns: first && last ? exact({ lo: first.lo + last.lo, hi: first.hi + last.hi }) : undefined,
    };
  },
});

export const modelBlocks = [twoLayerBlock, deepLinearBlock, cpFactorizationBlock, reluNetBlock, linearBlock, diagonalLinearBlock, deepLinearNetBlock];
