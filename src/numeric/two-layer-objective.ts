// L(θ) and ∇L(θ) (or −∇L(θ), for gradient flow) of a small two-layer net f(x) = Σ_j v_j φ(⟨w_j, x⟩ + b_j)
// in one function generated per shape: models.ts's twoLayerNet forward and backward (dense.ts's JS kernels)
// and objective.ts's loss sum written out operation by operation in their order, with no calls, loops or
// temporaries, so the results are bit-identical to objective(twoLayerNet(…), …) (test/numeric/two-layer-objective.test.ts).
// At the Vardi–Shamir sizes (n ≤ 8, d ≤ 6, m ≤ 5) the generic path is per-call overhead, not arithmetic.
// Only integers and flags enter the generated code; γ, φ′(0), the reduction weight and the data are arguments.
import type { Mat } from './linalg.js';
import { cachedKernel } from './kernel-cache.js';
import { squareLoss, type Loss } from './losses.js';
import type { Activation, Model } from './models.js';

/**
 * A two-layer net's shape as models.ts exposes it (Model.twoLayer): `inputs(X)` is the d-column matrix the net
 * reads for data X (X itself, or X̃ in Gram coordinates), undefined for data it cannot evaluate.
 */
interface TwoLayerShape {
  d: number;
  width: number;
  activation: Activation;
  trainOutput: boolean;
  hiddenBias: boolean;
  inputs(X: Mat): Mat | undefined;
}

/** Shapes up to this many products n·m·d get a generated kernel (the straight-line code grows with it; dense.ts's blocked kernels serve larger ones). */
export const TWO_LAYER_KERNEL_MAX = 1024;

/** Binds a kernel to its data, activation and loss: the closures of one shape share their compiled code (also relunet-objective.ts's). */
export type KernelFactory = (
  X: Float64Array,
  Y: Float64Array,
  w: number,
  gam: number,
  dz: number,
  phi: (z: number) => number,
  dphi: (z: number) => number,
  lv: (p: number, y: number) => number,
  ld: (p: number, y: number) => number,
) => (th: Float64Array, g: Float64Array) => number;

const kernels = new Map<string, KernelFactory>();

/**
 * The kernel's source: z_ij = b_j + Σ_k W_jk X_ik summed in k from 0 (preActivationsJs), f_i = Σ_j v_j φ(z_ij),
 * L = Σ_i ℓ(f_i, y_i), c_i = w·ℓ′(f_i, y_i) (objective.ts; the square loss as its written-out expressions),
 * then twoLayerNet.backward: a row with c_i = 0 is skipped, G_ij = c_i v_j φ′(z_ij), ∂/∂v_j = Σ_i c_i φ(z_ij),
 * ∂/∂b_j = Σ_i G_ij, and ∂/∂W_jk = Σ_i G_ij X_ik in outerGradientJs's order (rows in blocks of four, then
 * the rest, a zero G_ij skipped there). `negate` writes −∇L, as gradientFlow's right-hand side.
 */
function kernelSource(n: number, m: number, d: number, s: TwoLayerShape, leaky: boolean, square: boolean, negate: boolean): string {
  const nW = m * d,
    nB = nW + m;
  const range = (k: number) => Array.from({ length: k }, (_, i) => i);
  const phi = (z: string) => (leaky ? `(${z} > 0 ? ${z} : gam * ${z})` : `phi(${z})`);
  const dphi = (z: string) => (leaky ? `(${z} > 0 ? 1 : ${z} < 0 ? gam : dz)` : `dphi(${z})`);
  const out = (v: string) => (negate ? `-${v}` : v);
  const L: string[] = [];
  // θ and X in locals: each entry is read once
  const nP = nB + (s.hiddenBias ? m : 0);
  L.push(
    `const ${range(nP)
      .map((q) => `t${q} = th[${q}]`)
      .join(', ')};`,
  );
  L.push(
    `const ${range(n * d)
      .map((q) => `x${q} = X[${q}]`)
      .join(', ')};`,
  );
  for (const i of range(n))
    for (const j of range(m)) {
      const init = s.hiddenBias ? `t${nB + j}` : '0';
      L.push(`const z${i}_${j} = ${[init, ...range(d).map((k) => `t${j * d + k} * x${i * d + k}`)].join(' + ')};`);
    }
  L.push('let ls = 0;');
  for (const i of range(n)) {
    L.push(`const f${i} = ${['0', ...range(m).map((j) => `t${nW + j} * ${phi(`z${i}_${j}`)}`)].join(' + ')};`);
    if (square) L.push(`const r${i} = f${i} - Y[${i}];`, `ls += 0.5 * r${i} * r${i};`, `const c${i} = w * r${i};`);
    else L.push(`ls += lv(f${i}, Y[${i}]);`, `const c${i} = w * ld(f${i}, Y[${i}]);`);
  }
  const acc = range(m).flatMap((j) => [...(s.trainOutput ? [`gv${j} = 0`] : []), ...(s.hiddenBias ? [`gb${j} = 0`] : [])]);
  if (acc.length) L.push(`let ${acc.join(', ')};`);
  L.push(
    `let ${range(n)
      .flatMap((i) => range(m).map((j) => `G${i}_${j}`))
      .join(', ')};`,
  );
  for (const i of range(n)) {
    L.push(
      `if (c${i} === 0) { ${range(m)
        .map((j) => `G${i}_${j} = 0;`)
        .join(' ')} } else {`,
    );
    for (const j of range(m)) {
      const z = `z${i}_${j}`;
      if (s.trainOutput) L.push(`gv${j} += c${i} * ${phi(z)};`);
      L.push(`G${i}_${j} = c${i} * t${nW + j} * ${dphi(z)};`);
      if (s.hiddenBias) L.push(`gb${j} += G${i}_${j};`);
    }
    L.push('}');
  }
  const blocked = n - (n % 4);
  L.push('let a;');
  for (const j of range(m))
    for (const k of range(d)) {
      L.push(`a = ${['0', ...range(blocked).map((i) => `G${i}_${j} * x${i * d + k}`)].join(' + ')};`);
      for (let i = blocked; i < n; i++) L.push(`if (G${i}_${j} !== 0) a += G${i}_${j} * x${i * d + k};`);
      L.push(`g[${j * d + k}] = ${out('a')};`);
    }
  for (const j of range(m)) L.push(`g[${nW + j}] = ${out(s.trainOutput ? `gv${j}` : '0')};`);
  if (s.hiddenBias) for (const j of range(m)) L.push(`g[${nB + j}] = ${out(`gb${j}`)};`);
  L.push('return w * ls;');
  return L.join('\n');
}

/**
 * For objective(model, loss, X, y, ·) with reduction weight w (1 or 1/n): a function (θ, out) ↦ L(θ) that writes
 * ∇L(θ) into out (−∇L(θ) with `negate`), bit-identical to objective's valueAndGrad (then negated); undefined
 * when the model is no two-layer net (Model.twoLayer), it cannot read X, or the shape is above TWO_LAYER_KERNEL_MAX.
 */
export function twoLayerObjectiveKernel(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const s = (model as { twoLayer?: TwoLayerShape }).twoLayer;
  const A = s?.inputs(X);
  if (!s || !A) return undefined;
  const n = A.rows,
    m = s.width,
    d = s.d;
  if (A.cols !== d || A.rows !== X.rows || model.nParams !== m * d + m + (s.hiddenBias ? m : 0) || n * m * d > TWO_LAYER_KERNEL_MAX || n < 1) return undefined;
  const act = s.activation,
    leaky = act.leaky !== undefined,
    square = loss === squareLoss;
  const key = `${n} ${m} ${d} ${s.hiddenBias} ${s.trainOutput} ${leaky} ${square} ${negate}`;
  const kernel = cachedKernel(kernels, key, () => {
    const body = kernelSource(n, m, d, s, leaky, square, negate);
    return new Function('X', 'Y', 'w', 'gam', 'dz', 'phi', 'dphi', 'lv', 'ld', `return function (th, g) {\n${body}\n};`) as KernelFactory;
  });
  return kernel(A.data, y, w, act.leaky?.gamma ?? 0, act.leaky?.dphiAtZero ?? 0, act.phi, act.dphi, loss.value, loss.derivative);
}
