// Models: parameters live in one Float64Array θ; each model knows its layout, its forward pass
// and its hand-derived gradient (checked against finite differences and TensorFlow.js autodiff).
import { ModelHasNoLayerError, NoDoubleDoubleError } from '../core/errors.js';
import type { Mat } from './linalg.js';
import { ddAdd, ddCompare, ddDiv, ddDotFloat, ddDotStrided, ddFromNumber, ddMul, ddMulAt, ddNegate, ddSub, highHalves, type DD } from './dd.js';
import { ddGet, ddSet, ddVec, ddVecFrom, type DDMat, type DDModel, type DDVec } from './dd-model.js';
import type { Rng } from './rng.js';
import { outerGradient, preActivations } from './dense.js';
import { ddDotKernel, type DDDotKernel } from './two-layer-dd-kernel.js';

export interface Activation {
  name: string;
  /** slope on the negative side, for piecewise-linear activations */
  gamma?: number;
  phi(z: number): number;
  /** φ′(z), with φ′(0) fixed by the activation's declared convention. */
  dphi(z: number): number;
  /** φ and φ′ in double-double (dd-model.ts), where defined */
  dd?: { phi(z: DD): DD; dphi(z: DD): DD };
  /** set by leakyRelu: φ and φ′ are exactly its expressions with these parameters (batched kernels inline them) */
  leaky?: { gamma: number; dphiAtZero: number };
}

/** Leaky ReLU max(γz, z) for γ ∈ [0,1]; γ = 0 is ReLU. φ′(0) is a declared parameter (Vardi–Shamir take 1, Timor et al. 0). */
export function leakyRelu(gamma: number, dphiAtZero = 1): Activation {
  return {
    gamma,
    name: gamma === 0 ? 'relu' : `leaky-relu(${gamma})`,
    leaky: { gamma, dphiAtZero },
    phi: (z) => (z > 0 ? z : gamma * z),
    dphi: (z) => (z > 0 ? 1 : z < 0 ? gamma : dphiAtZero),
    dd: {
      phi: (z) => (ddSign(z) > 0 ? z : ddMul(ddFromNumber(gamma), z)),
      dphi: (z) => ddFromNumber(ddSign(z) > 0 ? 1 : ddSign(z) < 0 ? gamma : dphiAtZero),
    },
  };
}

/**
 * The γ-leaky, H-smooth activation (Frei et al. note §1, formula [R], properties [D]): z for z ≥ 1/H,
 * γz for z ≤ −1/H, and the quadratic (1−γ)H/4·z² + (1+γ)/2·z + (1−γ)/(4H) between; C¹ with φ′ ∈ [γ, 1], φ″ ≤ H.
 */
export function smoothLeakyRelu(gamma: number, H: number): Activation {
  const c = 1 / H;
  // the same coefficients in double-double, formed from γ and H (÷2, ÷4 are exact)
  const g = ddFromNumber(gamma),
    h = ddFromNumber(H),
    oneMinusGamma = ddSub(ddFromNumber(1), g);
  const byPow2 = (a: DD, s: number): DD => ({ hi: a.hi / s, lo: a.lo / s });
  const edge = ddDiv(ddFromNumber(1), h), // 1/H
    minusEdge = ddNegate(edge),
    quadratic = byPow2(ddMul(oneMinusGamma, h), 4), // (1−γ)H/4
    slope = byPow2(ddMul(oneMinusGamma, h), 2), // (1−γ)H/2
    linear = byPow2(ddAdd(ddFromNumber(1), g), 2), // (1+γ)/2
    constant = byPow2(ddDiv(oneMinusGamma, h), 4); // (1−γ)/(4H)
  const above = (z: DD) => ddCompare(z, edge) >= 0,
    below = (z: DD) => ddCompare(z, minusEdge) <= 0;
  return {
    name: `smooth-leaky-relu(${gamma}, H=${H})`,
    phi: (z) => (z >= c ? z : z <= -c ? gamma * z : (((1 - gamma) * H) / 4) * z * z + ((1 + gamma) / 2) * z + (1 - gamma) / (4 * H)),
    dphi: (z) => (z >= c ? 1 : z <= -c ? gamma : (((1 - gamma) * H) / 2) * z + (1 + gamma) / 2),
    dd: {
      phi: (z) => (above(z) ? z : below(z) ? ddMul(g, z) : ddAdd(ddMul(ddMul(quadratic, z), z), ddAdd(ddMul(linear, z), constant))),
      dphi: (z) => (above(z) ? ddFromNumber(1) : below(z) ? g : ddAdd(ddMul(slope, z), linear)),
    },
  };
}

export const linearActivation: Activation = { name: 'linear', phi: (z) => z, dphi: () => 1, dd: { phi: (z) => z, dphi: () => ddFromNumber(1) } };

/** The sign of a double-double (its hi decides unless hi is 0). */
const ddSign = (z: DD): number => (z.hi > 0 || (z.hi === 0 && z.lo > 0) ? 1 : z.hi < 0 || (z.hi === 0 && z.lo < 0) ? -1 : 0);

/**
 * The layer names models expose through `Model.layers(θ)` (the contract metrics ask by; a claim names them in `layer:`):
 *
 * | name | shape | models |
 * |---|---|---|
 * | `W` | m×d first layer; deep-linear: the product W_L⋯W_1 (rows×cols) | two-layer, deep-linear |
 * | `v` | 1×m output weights | two-layer |
 * | `b` | 1×m hidden biases (only with hidden_bias) | two-layer |
 * | `W1` … `WL` | layer j, W_j ∈ R^{out×in}, numbered from the input | deep-linear, relu-net |
 * | `A1` … `AN` | CP factor of mode m (dims[m]×rank) | cp-factorization |
 * | `T` | the full tensor as a 1×size row (row-major) | cp-factorization |
 * | `components` | 1×rank row of Π_m ‖a_r^(m)‖ | cp-factorization |
 * | `w` | 1×d effective linear predictor | linear, diagonal-linear, deep-linear-net |
 * | `u`, `v` | 1×d factors (w = u⊙u − v⊙v or u⊙v) | diagonal-linear |
 *
 * In Gram coordinates (`layerGram` present) `W` is the r-column layer in the data's span; the full
 * first layer exists only through its Gram matrix.
 */
export type LayerName = 'W' | 'v' | 'b' | 'T' | 'components' | 'w' | 'u' | `W${number}` | `A${number}`;

/** Named weight matrices at θ (views into θ, or fresh arrays for derived ones such as a product). */
export type Layers = Record<string, Mat>;

/** Facts about a model that metrics may need (asked as `meta.gamma`, `meta.trainOutput`). */
export interface ModelMeta {
  /** the activation's slope on the negative side (leaky ReLU only; absent for smooth or linear activations) */
  gamma?: number;
  /** whether the output layer v is trained */
  trainOutput?: boolean;
}

/** Layer `name` of `model` at θ; ModelHasNoLayerError when the model has none. `layers`: the model's layers at θ, when the caller already has them. */
export function layerOf(model: Model, theta: Float64Array, name: LayerName | (string & {}), layers: Layers = model.layers(theta)): Mat {
  const m = Object.hasOwn(layers, name) ? layers[name] : undefined;
  if (!m) throw new ModelHasNoLayerError(model.name, name, Object.keys(layers));
  return m;
}

/** W1, W2, … (prefix "W") or A1, A2, … up to the first gap; ModelHasNoLayerError when fewer than `atLeast`. */
export function numberedLayers(model: Model, theta: Float64Array, prefix: 'W' | 'A', atLeast: number): Mat[] {
  const L = model.layers(theta);
  const out: Mat[] = [];
  for (let j = 1; L[`${prefix}${j}`]; j++) out.push(L[`${prefix}${j}`]);
  if (out.length < atLeast) layerOf(model, theta, `${prefix}${out.length + 1}`, L);
  return out;
}

/** A meta fact of `model`; ModelHasNoLayerError (layer "meta.<key>") when the model does not declare it. */
export function metaOf<K extends keyof ModelMeta>(model: Model, key: K): NonNullable<ModelMeta[K]> {
  const v = model.meta?.[key];
  if (v === undefined)
    throw new ModelHasNoLayerError(
      model.name,
      `meta.${key}`,
      Object.keys(model.meta ?? {})
        .filter((k) => model.meta![k as keyof ModelMeta] !== undefined)
        .map((k) => `meta.${k}`),
    );
  return v as NonNullable<ModelMeta[K]>;
}

export interface Model {
  name: string;
  nParams: number;
  /** Mask of trained parameters (1) and frozen ones (0). */
  trainable: Float64Array;
  init(rng: Rng): Float64Array;
  /** Predictions f(x_i; θ) for the rows of X. */
  forward(theta: Float64Array, X: Mat, out: Float64Array): void;
  /** grad = Σ_i c_i ∂f(x_i;θ)/∂θ (only trained entries are written; others are 0). `afterForward`: the caller has just called forward(theta, X) and not changed θ since, so a model may reuse what forward computed. */
  backward(theta: Float64Array, X: Mat, c: Float64Array, grad: Float64Array, afterForward?: boolean): void;
  /** Named weight matrices, for metrics: see LayerName for the names; metrics ask through layerOf. */
  layers(theta: Float64Array): Layers;
  /** Per-hidden-neuron quantities, for conservation laws: wnorm = ‖w_j‖, v = output weight. */
  neurons?(theta: Float64Array): Array<Record<string, number>>;
  /** For models that hold a layer only implicitly (Gram coordinates): its Gram matrix L Lᵀ. */
  layerGram?(theta: Float64Array, name: string): Mat | undefined;
  /** Facts metrics may need (see ModelMeta); asked through metaOf. */
  meta?: ModelMeta;
  /** Its double-double twin (dd-model.ts), where one exists: same θ layout, every intermediate in double-double. */
  dd?(): DDModel;
  /** What a batched kernel (batched.ts) needs to run many parameter vectors of this model at once; absent where none exists. */
  structure?: ModelStructure;
  /** A two-layer net's shape, as the fused kernel (two-layer-kernel.ts) reads it; absent for other models. */
  twoLayer?: TwoLayerStructure;
}

/** twoLayerNet's options as a kernel reads them; `inputs(X)`: the d-column matrix the net reads for data X (X itself, or X̃ in Gram coordinates), undefined for data it cannot evaluate. */
export interface TwoLayerStructure {
  d: number;
  width: number;
  activation: Activation;
  trainOutput: boolean;
  hiddenBias: boolean;
  inputs(X: Mat): Mat | undefined;
}

/** A model's shape and activation, as batched kernels read it. */
export type ModelStructure = { kind: 'relu-net'; sizes: number[]; activation: Activation };

export interface TwoLayerOptions {
  d: number;
  width: number;
  activation: Activation;
  /** Train the output weights v (Vardi–Shamir, Du et al.) or keep them fixed (Frei et al.). */
  trainOutput: boolean;
  wScale: number;
  vScale: number;
  /** How v is initialised: Gaussian N(0, vScale²), random signs ±vScale, balanced ±‖w_j‖, or a fixed split (+vScale for the first round(positiveFraction·m) neurons, −vScale for the rest). */
  vInit: 'gaussian' | 'sign' | 'balanced' | 'split';
  positiveFraction?: number;
  /** a trained hidden bias b_j (θ gains m entries after v), initialised N(0, bScale²) */
  hiddenBias?: boolean;
  bScale?: number;
}

/** f(x) = Σ_j v_j φ(⟨w_j, x⟩ + b_j); θ = [W (m×d, row-major), v (m), b (m, only with a hidden bias)]. */
export function twoLayerNet(o: TwoLayerOptions): Model {
  const { d, width: m, activation: act } = o;
  const nW = m * d;
  const nb = o.hiddenBias ? m : 0;
  const nB = nW + m; // offset of b
  const trainable = new Float64Array(nW + m + nb).fill(1);
  if (!o.trainOutput) trainable.fill(0, nW, nW + m);
  let z = new Float64Array(0),
    G = new Float64Array(0);
  const trainOutput = o.trainOutput;
  // a leaky ReLU's φ and φ′ written out (the same expressions as act.phi, act.dphi), so the inner loops call nothing
  const leaky = act.leaky !== undefined,
    gamma = act.leaky?.gamma ?? 0,
    dphiAtZero = act.leaky?.dphiAtZero ?? 0;
  return {
    name: 'two-layer',
    meta: { gamma: act.gamma, trainOutput: o.trainOutput },
    nParams: nW + m + nb,
    trainable,
    twoLayer: { d, width: m, activation: act, trainOutput, hiddenBias: nb > 0, inputs: (X) => X },
    init(rng) {
      const theta = new Float64Array(nW + m + nb);
      if (nb) {
        const rb = rng.fork('b');
        for (let j = 0; j < m; j++) theta[nB + j] = (o.bScale ?? 1) * rb.normal();
      }
      const rw = rng.fork('W'),
        rv = rng.fork('v');
      // a zero scale draws nothing, so that such a start does not depend on the trial's seed
      if (o.wScale !== 0) for (let i = 0; i < nW; i++) theta[i] = o.wScale * rw.normal();
      for (let j = 0; j < m; j++) {
        if (o.vInit === 'gaussian') theta[nW + j] = o.vScale * rv.normal();
        else if (o.vInit === 'sign') theta[nW + j] = o.vScale * rv.sign();
        else if (o.vInit === 'split') theta[nW + j] = j < Math.round((o.positiveFraction ?? 0.5) * m) ? o.vScale : -o.vScale;
        else {
          let s = 0;
          for (let k = 0; k < d; k++) s += theta[j * d + k] ** 2;
          theta[nW + j] = rv.sign() * Math.sqrt(s);
        }
      }
      return theta;
    },
    forward(theta, X, out) {
      const n = X.rows;
      if (z.length < n * m) ((z = new Float64Array(n * m)), (G = new Float64Array(n * m)));
      preActivations(theta, X.data, nb ? theta : undefined, nB, n, m, d, z);
      for (let i = 0; i < n; i++) {
        let f = 0;
        for (let j = 0; j < m; j++) {
          const s = z[i * m + j];
          f += theta[nW + j] * (leaky ? (s > 0 ? s : gamma * s) : act.phi(s));
        }
        out[i] = f;
      }
    },
    backward(theta, X, c, grad, afterForward) {
      const n = X.rows;
      for (let i = 0; i < grad.length; i++) grad[i] = 0;
      // the pre-activations ⟨w_j, x_i⟩ + b_j: from the forward pass just made, or computed here
      if (!(afterForward && z.length >= n * m)) {
        if (z.length < n * m) ((z = new Float64Array(n * m)), (G = new Float64Array(n * m)));
        preActivations(theta, X.data, nb ? theta : undefined, nB, n, m, d, z);
      }
      // G[i,j] = c_i v_j φ′(z_ij), then ∂/∂W = Gᵀ X
      for (let i = 0; i < n; i++) {
        const ci = c[i];
        if (ci === 0) {
          for (let j = 0; j < m; j++) G[i * m + j] = 0;
          continue;
        }
        for (let j = 0; j < m; j++) {
          const s = z[i * m + j];
          if (trainOutput) grad[nW + j] += ci * (leaky ? (s > 0 ? s : gamma * s) : act.phi(s));
          const g = ci * theta[nW + j] * (leaky ? (s > 0 ? 1 : s < 0 ? gamma : dphiAtZero) : act.dphi(s));
          if (nb) grad[nB + j] += g;
          G[i * m + j] = g;
        }
      }
      outerGradient(G, X.data, n, m, d, grad);
    },
    layers(theta) {
      return {
        W: { rows: m, cols: d, data: theta.subarray(0, nW) },
        v: { rows: 1, cols: m, data: theta.subarray(nW, nW + m) },
        ...(nb ? { b: { rows: 1, cols: m, data: theta.subarray(nB, nB + m) } } : {}),
      };
    },
    neurons(theta) {
      const out: Array<Record<string, number>> = [];
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += theta[j * d + k] ** 2;
        out.push({ wnorm: Math.sqrt(s), v: theta[nW + j], b: nb ? theta[nB + j] : 0 });
      }
      return out;
    },
    dd: () => twoLayerNetDD(o),
  };
}

/** The double-double twin of twoLayerNet (same θ layout and φ′ conventions, frozen v gets gradient 0); throws when the activation has no twin. */
export function twoLayerNetDD(o: Pick<TwoLayerOptions, 'd' | 'width' | 'activation' | 'trainOutput' | 'hiddenBias'>): DDModel {
  const { d, width: m } = o;
  const act = o.activation.dd;
  if (!act) throw new NoDoubleDoubleError(`two-layer: the activation ${o.activation.name} has no double-double twin`);
  const nW = m * d;
  const nb = o.hiddenBias ? m : 0;
  const nB = nW + m; // offset of b
  // The products of the O(n·m·d) loops run in ddDotFloat on hi/lo arrays, with the float64 data and W's hi parts split
  // once. z = XWᵀ + b and φ(z) are kept for the W, b and X they were computed at, so that a backward pass after a
  // forward pass at the same point (ddObjective.valueAndGrad) does not recompute them.
  let data: Float64Array = new Float64Array(0), // X (n×d), as last seen
    dataSplit: Float64Array = new Float64Array(0); // highHalves(data)
  let z = ddVec(0), // z[i·m + j] = b_j + ⟨w_j, x_i⟩
    phiZ = ddVec(0), // φ(z), same layout
    dphiZ = ddVec(0), // φ′(z), same layout
    Gt = ddVec(0), // Gt[j·n + i] = g_ij (m×n)
    gSplit = new Float64Array(0); // highHalves(Gt.hi)
  const zAt = ddVec(nW + nb); // the W and b (θ's entries 0..nW and nB..nB+nb) that z was computed at
  const wSplit = new Float64Array(nW); // highHalves of W's hi parts at zAt
  let zValid = false;
  let ones = ddVec(0); // n ones, to sum a row of Gt
  // the dot products of both passes on the generated kernel (two-layer-dd-kernel.ts: ddDotFloat's numbers), where it loads
  let dots: DDDotKernel | undefined;
  const leaky = o.activation.leaky;
  let dotHi = new Float64Array(0),
    dotLo = new Float64Array(0);

  /** Keeps a copy of X's values (so that a change is noticed) and their splits; a change invalidates z. */
  const useData = (X: Mat): void => {
    if (X.cols !== d) throw new Error(`two-layer: data with ${X.cols} columns for a model on d = ${d}`);
    const size = X.rows * d;
    let same = data.length === size;
    for (let i = 0; same && i < size; i++) same = Object.is(data[i], X.data[i]);
    if (same) return;
    data = X.data.slice(0, size);
    dataSplit = highHalves(data);
    const nm = X.rows * m;
    if (z.hi.length !== nm) ((z = ddVec(nm)), (phiZ = ddVec(nm)), (dphiZ = ddVec(nm)), (Gt = ddVec(nm)), (gSplit = new Float64Array(nm)));
    // below ~300 products a pass (the Vardi–Shamir sizes) the kernel's copies cost what it saves
    dots = X.rows * m * d >= 300 ? ddDotKernel(data, dataSplit, X.rows, m, d) : undefined;
    if (dots && dotHi.length < Math.max(nm, nW)) ((dotHi = new Float64Array(Math.max(nm, nW))), (dotLo = new Float64Array(Math.max(nm, nW))));
    zValid = false;
  };
  /** whether θ's W and b are those z was computed at */
  const sameWeights = (theta: DDVec): boolean => {
    for (let i = 0; i < nW + nb; i++) {
      const t = i < nW ? i : nB + i - nW;
      if (!Object.is(theta.hi[t], zAt.hi[i]) || !Object.is(theta.lo[t], zAt.lo[i])) return false;
    }
    return true;
  };
  const preActivations = (theta: DDVec, X: Mat): void => {
    useData(X);
    if (zValid && sameWeights(theta)) return;
    zValid = false;
    zAt.hi.set(theta.hi.subarray(0, nW));
    zAt.lo.set(theta.lo.subarray(0, nW));
    zAt.hi.set(theta.hi.subarray(nB, nB + nb), nW);
    zAt.lo.set(theta.lo.subarray(nB, nB + nb), nW);
    if (dots && !nb && leaky) {
      // W's high halves, z, φ(z) = z or ddMul(γ, z) and φ′(z) = 1, γ or φ′(0) by z's sign: in the kernel, which keeps them
      dots.leakyActivations(theta.hi, theta.lo, leaky.gamma, leaky.dphiAtZero);
      zValid = true;
      return;
    }
    highHalves(theta.hi.subarray(0, nW), wSplit);
    const n = X.rows;
    dots?.preActivations(theta.hi, theta.lo, wSplit, dotHi, dotLo);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const s = dots ? { hi: dotHi[i * m + j], lo: dotLo[i * m + j] } : ddDotFloat(theta.hi, theta.lo, wSplit, j * d, data, dataSplit, i * d, 1, d);
        const zij = nb ? ddAdd(ddGet(theta, nB + j), s) : s;
        ddSet(z, i * m + j, zij);
        ddSet(phiZ, i * m + j, act.phi(zij));
        ddSet(dphiZ, i * m + j, act.dphi(zij));
      }
    zValid = true;
  };
  const slice = (theta: DDVec, rows: number, cols: number, from: number): DDMat => ({
    rows,
    cols,
    hi: theta.hi.subarray(from, from + rows * cols),
    lo: theta.lo.subarray(from, from + rows * cols),
  });
  return {
    nParams: nW + m + nb,
    forward(theta, X, out) {
      preActivations(theta, X);
      if (dots && !nb && leaky) return dots.outputs(theta.hi, theta.lo, nW, out.hi, out.lo);
      // f_i = Σ_j v_j φ(z_ij)
      for (let i = 0; i < X.rows; i++) ddSet(out, i, ddDotStrided(phiZ.hi, phiZ.lo, i * m, 1, theta.hi, theta.lo, nW, 1, m));
    },
    backward(theta, X, c, grad) {
      grad.hi.fill(0);
      grad.lo.fill(0);
      preActivations(theta, X);
      if (dots && !nb && leaky) return dots.leakyGradient(c.hi, c.lo, theta.hi, theta.lo, nW, grad.hi, grad.lo, !!o.trainOutput);
      // g_ij = c_i v_j φ′(z_ij): ∂/∂b_j = Σ_i g_ij, ∂/∂w_j = Σ_i g_ij x_i; ∂/∂v_j = Σ_i c_i φ(z_ij)
      const n = X.rows;
      if (ones.hi.length !== n) ones = ddVecFrom(new Float64Array(n).fill(1));
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          if (c.hi[i] === 0 && c.lo[i] === 0) {
            ddSet(Gt, j * n + i, ddGet(c, i));
            continue;
          }
          ddMulAt(c.hi, c.lo, i, theta.hi, theta.lo, nW + j, Gt.hi, Gt.lo, j * n + i);
          ddMulAt(Gt.hi, Gt.lo, j * n + i, dphiZ.hi, dphiZ.lo, i * m + j, Gt.hi, Gt.lo, j * n + i);
        }
      for (let j = 0; j < m; j++) {
        if (o.trainOutput) ddSet(grad, nW + j, ddDotStrided(phiZ.hi, phiZ.lo, j, m, c.hi, c.lo, 0, 1, n));
        if (nb) ddSet(grad, nB + j, ddDotStrided(Gt.hi, Gt.lo, j * n, 1, ones.hi, ones.lo, 0, 1, n));
      }
      highHalves(Gt.hi, gSplit);
      if (dots) {
        dots.weightGradient(Gt.hi, Gt.lo, gSplit, dotHi, dotLo);
        grad.hi.set(dotHi.subarray(0, nW));
        grad.lo.set(dotLo.subarray(0, nW));
      } else for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) ddSet(grad, j * d + k, ddDotFloat(Gt.hi, Gt.lo, gSplit, j * n, data, dataSplit, k, d, n));
    },
    layers(theta) {
      return { W: slice(theta, m, d, 0), v: slice(theta, 1, m, nW), ...(nb ? { b: slice(theta, 1, m, nB) } : {}) };
    },
  };
}
