// L(θ) and ∇L(θ) (or −∇L(θ), for gradient flow) of a small bias-free deep net x ↦ W_k σ(⋯ σ(W_1 x)) with
// vector outputs (relunet.ts) in one function generated per shape and data layout: reluNet's forward and
// backward and objective.ts's loss sum written out operation by operation in their order, with no loops,
// calls or arrays, so the results are bit-identical to objective(reluNet(…), …) (test/numeric/relunet-objective.test.ts).
// At Timor et al.'s sizes (a few rows, ≤ 100 parameters) the generic passes are per-call overhead, not arithmetic.
// Only integers, flags and which output each row selects enter the generated code; γ, φ′(0), the reduction weight and the data are arguments.
import type { Mat } from './linalg.js';
import { squareLoss, type Loss } from './losses.js';
import type { Model } from './models.js';
import { layerOffsets, selectedOutput } from './relunet.js';
import { reluNetWasmObjective } from './relunet-wasm.js';
import type { KernelFactory } from './two-layer-objective.js';

/** Shapes up to this many rows × parameters get a generated kernel (the straight-line code grows with it). */
export const RELU_NET_KERNEL_MAX = 2048;

/** Generated kernels kept, least recently used dropped first: a selection pattern is per data set, so the count grows with the data seen. */
export const RELU_NET_KERNELS_KEPT = 256;
/** undefined: a source longer than RELU_NET_KERNEL_SOURCE_MAX */
const kernels = new Map<string, KernelFactory | undefined>();

/**
 * Longer sources (in characters; their bytecode is about as many bytes) are left to the generic passes: V8 never
 * optimizes a function of ≥ 60 KB bytecode and optimizes one of ~35–45 KB late or not at all, and the straight-line
 * code unoptimized runs 5–10× slower than the generic loops (a width-14 depth-3 net on 4 rows: 70 µs a step against 7).
 */
export const RELU_NET_KERNEL_SOURCE_MAX = 34000;

/** How many generated kernels are kept now (at most RELU_NET_KERNELS_KEPT). */
export const reluNetKernelsKept = () => kernels.size;

/** Every input of kernelSource, each list comma-joined and the fields space-separated: distinct shapes, row counts or selections never share a key. */
export const reluNetKernelKey = (sizes: number[], cols: number, sel: number[], leaky: boolean, square: boolean, negate: boolean) =>
  `${sizes.join(',')} ${cols} ${sel.length} ${sel.join(',')} ${leaky} ${square} ${negate}`;

/**
 * The kernel's source, for layer sizes `sizes`, data rows of `cols` columns and row i selecting output sel[i]:
 * forward z_{j+1,r} = 0 + Σ_c W_{j,rc} a_{j,c} summed in c from 0, a = σ(z) on hidden layers, f_i = z_{k,sel_i};
 * the loss and c_i = w·ℓ′(f_i, y_i) as objective.ts forms them; then reluNet.backward row by row (a row with
 * c_i = 0 skipped): the top δ is c_i at sel_i and 0 elsewhere, ∂/∂W_{j,rc} += δ_{j+1,r}·a_{j,c} where δ_{j+1,r} ≠ 0,
 * δ_{j,c} = (0 + Σ_r W_{j,rc} δ_{j+1,r})·σ′(z_{j,c}). `negate` writes −∇L, as gradientFlow's right-hand side.
 */
function kernelSource(sizes: number[], cols: number, sel: number[], leaky: boolean, square: boolean, negate: boolean): string {
  const { k, offsets, nParams } = layerOffsets(sizes);
  const n = sel.length;
  const range = (m: number) => Array.from({ length: m }, (_, i) => i);
  const phi = (z: string) => (leaky ? `(${z} > 0 ? ${z} : gam * ${z})` : `phi(${z})`);
  const dphi = (z: string) => (leaky ? `(${z} > 0 ? 1 : ${z} < 0 ? gam : dz)` : `dphi(${z})`);
  const W = (j: number, r: number, c: number) => `t${offsets[j] + r * sizes[j] + c}`;
  // a_{j,c} of row i: the input x_i for j = 0
  const act = (i: number, j: number, c: number) => (j === 0 ? `x${i}_${c}` : `a${i}_${j}_${c}`);
  const L: string[] = [];
  L.push(
    `const ${range(nParams)
      .map((q) => `t${q} = th[${q}]`)
      .join(', ')};`,
  );
  L.push('let ls = 0;');
  for (const i of range(n)) {
    L.push(
      `const ${range(sizes[0])
        .map((c) => `x${i}_${c} = X[${i * cols + c}]`)
        .join(', ')};`,
    );
    for (let j = 0; j < k; j++) {
      const last = j === k - 1;
      // the last layer: only the selected output (the others are not read)
      for (const r of last ? [sel[i]] : range(sizes[j + 1])) {
        const sum = ['0', ...range(sizes[j]).map((c) => `${W(j, r, c)} * ${act(i, j, c)}`)].join(' + ');
        if (last) L.push(`const f${i} = ${sum};`);
        else L.push(`const z${i}_${j + 1}_${r} = ${sum};`, `const a${i}_${j + 1}_${r} = ${phi(`z${i}_${j + 1}_${r}`)};`);
      }
    }
    if (square) L.push(`const r${i} = f${i} - Y[${i}];`, `ls += 0.5 * r${i} * r${i};`, `const c${i} = w * r${i};`);
    else L.push(`ls += lv(f${i}, Y[${i}]);`, `const c${i} = w * ld(f${i}, Y[${i}]);`);
  }
  L.push(
    `let ${range(nParams)
      .map((q) => `g${q} = 0`)
      .join(', ')};`,
  );
  const g = (j: number, r: number, c: number) => `g${offsets[j] + r * sizes[j] + c}`;
  for (const i of range(n)) {
    L.push(`if (c${i} !== 0) {`);
    // δ_{j+1,r} of this row: c_i at the selected output (≠ 0 here), 0 at the others
    let delta = (r: number) => (r === sel[i] ? `c${i}` : '0');
    for (let j = k - 1; j >= 0; j--) {
      for (const r of range(sizes[j + 1])) {
        const d = delta(r);
        if (d === '0') continue;
        const adds = range(sizes[j]).map((c) => `${g(j, r, c)} += ${d} * ${act(i, j, c)};`);
        L.push(j === k - 1 ? adds.join(' ') : `if (${d} !== 0) { ${adds.join(' ')} }`);
      }
      if (j === 0) break;
      const prev = delta;
      for (const c of range(sizes[j])) {
        const sum = ['0', ...range(sizes[j + 1]).map((r) => `${W(j, r, c)} * ${prev(r)}`)].join(' + ');
        L.push(`const d${i}_${j}_${c} = (${sum}) * ${dphi(`z${i}_${j}_${c}`)};`);
      }
      delta = (r: number) => `d${i}_${j}_${r}`;
    }
    L.push('}');
  }
  for (const q of range(nParams)) L.push(`g[${q}] = ${negate ? '-' : ''}g${q};`);
  L.push('return w * ls;');
  return L.join('\n');
}

/**
 * For objective(model, loss, X, y, ·) with reduction weight w (1 or 1/n): a function (θ, out) ↦ L(θ) that writes
 * ∇L(θ) into out (−∇L(θ) with `negate`), bit-identical to objective's valueAndGrad (then negated); undefined
 * when the model is no relu-net (Model.structure), a row selects no output, rows × parameters exceed RELU_NET_KERNEL_MAX
 * or the source RELU_NET_KERNEL_SOURCE_MAX (then relunet-wasm.ts's WebAssembly kernel where it applies, the same bits).
 */
export function reluNetObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const s = model.structure;
  if (s?.kind !== 'relu-net') return undefined;
  const sizes = s.sizes,
    n = X.rows,
    dIn = sizes[0],
    dOut = sizes.at(-1)!;
  if (n < 1 || X.cols < dIn + dOut || model.nParams !== layerOffsets(sizes).nParams) return undefined;
  // shapes too large for straight-line code: the WebAssembly kernel (leaky ReLU, up to RELU_NET_FLOW_MAX_ROWS rows), else the generic passes
  if (n * model.nParams > RELU_NET_KERNEL_MAX) return reluNetWasmObjective(model, loss, X, y, w, negate);
  let sel: number[];
  try {
    sel = Array.from({ length: n }, (_, i) => selectedOutput(X, dIn, dOut, i));
  } catch {
    return undefined; // the generic passes say which row
  }
  const act = s.activation,
    leaky = act.leaky !== undefined,
    square = loss === squareLoss;
  const key = reluNetKernelKey(sizes, X.cols, sel, leaky, square, negate);
  let kernel = kernels.get(key);
  if (kernels.has(key))
    kernels.delete(key); // re-inserted below as the most recently used
  else {
    const body = kernelSource(sizes, X.cols, sel, leaky, square, negate);
    kernel =
      body.length > RELU_NET_KERNEL_SOURCE_MAX
        ? undefined
        : (new Function('X', 'Y', 'w', 'gam', 'dz', 'phi', 'dphi', 'lv', 'ld', `return function (th, g) {\n${body}\n};`) as KernelFactory);
    if (kernels.size >= RELU_NET_KERNELS_KEPT) kernels.delete(kernels.keys().next().value!);
  }
  kernels.set(key, kernel);
  if (!kernel) return reluNetWasmObjective(model, loss, X, y, w, negate);
  return kernel(X.data, y, w, act.leaky?.gamma ?? 0, act.leaky?.dphiAtZero ?? 0, act.phi, act.dphi, loss.value, loss.derivative);
}
