import { z } from 'zod';
import { deepLinearOnVectors } from '../../numeric/deep-linear-net.js';
import { checkModelSize } from '../limits.js';
import { defineBlock, numExpr, staticProblems, type StaticRange } from '../types.js';

export const deepLinearNetBlock = defineBlock({
  kind: 'model',
  name: 'deep-linear-net',
  summary:
    'a deep linear network on vector inputs x ↦ W_L ⋯ W_1 x (Ji & Telgarsky 2019), W_1 ∈ R^{width×d}, depth − 1 hidden layers of the same width, W_L ∈ R^{d_out×width} (layers "W1" … "WL", the end-to-end product "W", d_out×d). Without d_out: one output, on data rows x_i (isotropic-gaussian, linearly-separable, …), and "w" is the product as 1×d; with d_out: vector outputs on explicit-vector data (rows [x_i, e_c], as relu-net). init "gaussian" (the default): every entry of every layer N(0, scale²), independent; "balanced": a product P with entries N(0, scale²) factored as P = UΣVᵀ, W_1 = Σ^{1/L}Vᵀ, middle layers Σ^{1/L}, W_L = UΣ^{1/L}, zero-padded to the width (Arora et al. 2019’s balanced start: W_{j+1}ᵀW_{j+1} = W_jW_jᵀ, product P; needs width ≥ min(d, d_out)). The depth-1 network is linear (the `linear` model without bias).',
  params: z.strictObject({
    d: numExpr,
    width: numExpr,
    depth: numExpr,
    d_out: numExpr.optional(),
    init: z.enum(['gaussian', 'balanced']).default('gaussian'),
    scale: numExpr,
  }),
  expressions: { d: 'trial', width: 'trial', depth: 'trial', d_out: 'trial', scale: 'trial' },
  create: (p, ctx) => {
    const [d, width, depth] = [ctx.int(p.d), ctx.int(p.width), ctx.int(p.depth)];
    const dOut = p.d_out === undefined ? undefined : ctx.int(p.d_out);
    if (!(d >= 1 && width >= 1 && depth >= 1 && (dOut === undefined || dOut >= 1)))
      throw new Error(
        `deep-linear-net: d, width, depth${dOut === undefined ? '' : ' and d_out'} must be at least 1, got ${[d, width, depth, dOut ?? 1].join(', ')}`,
      );
    const columns = dOut === undefined ? d : d + dOut;
    if (ctx.data && ctx.data.X.cols !== columns)
      throw new Error(
        `deep-linear-net: ${dOut === undefined ? `d = ${d} needs data rows of ${d} numbers` : `inputs of size ${d} and ${dOut} outputs need data rows of ${columns} numbers (explicit-vector data)`}, the data have rows of ${ctx.data.X.cols}`,
      );
    // checked before the list of sizes is made (a depth of 10^9 is a list of 10^9 widths)
    const outputs = dOut ?? 1;
    const parameters = depth === 1 ? d * outputs : width * (d + (depth - 2) * width + outputs);
    checkModelSize('deep-linear-net', ctx, parameters, d + (depth - 1) * width + outputs, `depth ${depth}, width ${width}, d ${d}, ${outputs} output(s)`);
    return deepLinearOnVectors({ d, width, depth, dOut, init: p.init, scale: ctx.num(p.scale) });
  },
  check: (p, range) => {
    const c = staticProblems(range);
    const [d, width, depth] = [c.atLeast('d', p.d, 1), c.atLeast('width', p.width, 1), c.atLeast('depth', p.depth, 1)];
    const dOut = p.d_out === undefined ? { lo: 1, hi: 1 } : c.atLeast('d_out', p.d_out, 1);
    const fixed = (r: StaticRange | undefined) => (r && r.lo === r.hi ? r.lo : undefined);
    const [W, D, L, K] = [fixed(width), fixed(d), fixed(depth), fixed(dOut)];
    if (p.init === 'balanced' && W !== undefined && D !== undefined && K !== undefined && (L === undefined || L > 1) && W < Math.min(D, K))
      c.problems.push({ field: ['width'], message: `init "balanced" needs width ≥ min(d, d_out) = ${Math.min(D, K)}, found ${W}` });
    let entries: number | undefined, perRow: number | undefined;
    if (d && width && depth && dOut) {
      entries = Math.max(d.hi * dOut.hi, width.hi * (d.hi + Math.max(0, depth.hi - 2) * width.hi + dOut.hi));
      perRow = d.hi + (depth.hi - 1) * width.hi + dOut.hi;
    }
    const columns = D !== undefined && K !== undefined ? D + (p.d_out === undefined ? 0 : K) : undefined;
    return {
      problems: c.problems,
      entries: entries === undefined ? undefined : { value: entries, field: 'width' },
      perRow,
      columns: columns === undefined ? undefined : { lo: columns, hi: columns },
    };
  },
});
