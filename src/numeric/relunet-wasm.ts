// A bias-free deep leaky-ReLU net's passes (relunet.ts) on a WebAssembly SIMD module generated per shape: θ, the
// data and every intermediate live in the kernel's memory and nothing is allocated per call. Every number is
// computed by reluNet's operations in their order (f64x2 add and mul are IEEE per lane, never fused), so the
// results are bit-identical to reluNet's forward and backward (test/numeric/relunet-flow.test.ts):
// - forward and the backward δ's hold two rows per vector (rows 2q, 2q + 1 of X), each lane its own sum;
// - ∂L/∂W_j[r, c] = Σ_i δ_{j+1,i,r} a_{j,i,c} over the rows in order, from 0, a row's term added only where
//   c_i ≠ 0 and δ ≠ 0 (reluNet's skips), two columns c per vector, layers in θ's order, so that
//   ‖∇L‖² = Σ grad_p² can be summed in index order beside it (the normalized flow's step length).
// Used by the normalized flow (relunet-flow.ts) and, for shapes too large for relunet-objective.ts's straight-line code, by objective().
import { IdleInstances } from './kernel-cache.js';
import { layerOffsets, selectedOutput } from './relunet.js';
import type { Mat } from './linalg.js';
import { lossSumAndWeights, type Loss } from './losses.js';
import type { Model } from './models.js';
import { alignedArrays, call, f64, f64x2, Fn, F64, I32, i32, moduleBytes, simd, thetaUpdateFn, V128, type Code } from './wasm-asm.js';

/** What a kernel is generated for: the layer sizes [d_in, h_1, …, d_out], the number n of rows of X, and whether backward sums ‖grad‖². */
export interface ReluNetFlowShape {
  sizes: number[];
  n: number;
  norm: boolean;
}

/** Rows up to this many are written out in the backward pass's code. */
export const RELU_NET_FLOW_MAX_ROWS = 32;

/** Byte offsets of the kernel's arrays, each 16-byte aligned; rows in pairs q (an odd n padded with a row whose c is 0). */
function layout({ sizes, n }: ReluNetFlowShape) {
  const { k, offsets, nParams: P } = layerOffsets(sizes);
  const pairs = (n + 1) >> 1;
  const mem = alignedArrays(16); // 0: γ, 8: φ′(0)
  const take = mem.take;
  const theta = take(P),
    grad = take(P);
  /** a_j (a_0 = x, a_k = the outputs z_k), pairs interleaved: (a[2q][c], a[2q+1][c]) at A[j] + 16(q·h_j + c) */
  const A = sizes.map((s) => take(2 * pairs * s));
  /** pre-activations of the hidden layers (j = 1 … k−1), as A */
  const Z = sizes.map((s, j) => (j > 0 && j < k ? take(2 * pairs * s) : -1));
  /** a_j row-major (j < k): a[i][c] at R[j] + 8(i·h_j + c) */
  const R = sizes.map((s, j) => (j < k ? take(n * s) : -1));
  /** δ_j (j = 1 … k), as A */
  const D = sizes.map((s, j) => (j > 0 ? take(2 * pairs * s) : -1));
  /** c_i at C + 8i */
  const C = take(2 * pairs);
  /** per pair and output r, the lanes whose row selects output r (all bits set) */
  const M = take(2 * pairs * sizes[k]);
  return { k, offsets, P, pairs, theta, grad, A, Z, R, D, C, M, bytes: mem.end() };
}

const lane = (v: Code, l: 0 | 1): Code => [...simd(0x21, v), l]; // f64x2.extract_lane

/**
 * The module of one shape, importing its memory and exporting forward(): a_j and z_j of every row;
 * backward(): grad = Σ_i c_i ∇f_{sel_i}(x_i) from the last forward pass, returning Σ_p grad_p² (summed in p order);
 * ascend(h): θ ← θ + h·grad, returning 1 when the new θ is finite, else 0.
 */
function kernelModule(s: ReluNetFlowShape): Uint8Array<ArrayBuffer> {
  const { sizes, n, norm } = s;
  const L = layout(s);
  const { k, offsets, P, pairs } = L;
  const zero = f64x2.splat(f64.c(0));
  const withLeaky = (f: Fn) => [...f.set('gamma', V128, f64x2.loadSplat(i32.c(0))), ...f.set('dz', V128, f64x2.loadSplat(i32.c(8)))];
  const phi = (f: Fn, z: Code) => f64x2.select(z, f64x2.mul(f.get('gamma'), z), f64x2.gt(z, zero));
  const dphi = (f: Fn, z: Code) => f64x2.select(f64x2.splat(f64.c(1)), f64x2.select(f.get('gamma'), f.get('dz'), f64x2.lt(z, zero)), f64x2.gt(z, zero));
  const add = (a: Code, b: Code) => i32.add(a, b);
  const fns: Array<ReturnType<Fn['build']>> = [];
  const qs = Array.from({ length: pairs }, (_, q) => q);

  // forward: z_{j+1}[i][r] = 0 + Σ_c W_j[r,c] a_j[i][c] from c = 0, four neurons at a time sharing the loads of a_j
  {
    const f = new Fn('forward', []);
    const body: Code = [...withLeaky(f)];
    for (let j = 0; j < k; j++) {
      const rows = sizes[j + 1],
        cols = sizes[j],
        last = j === k - 1;
      const block = (ts: number): Code => {
        const out: Code = [];
        for (const q of qs) for (let t = 0; t < ts; t++) out.push(...f.set(`s${q}_${t}`, V128, zero));
        out.push(...f.set('wp', I32, add(i32.c(L.theta + 8 * offsets[j]), i32.mul(f.get('r'), i32.c(8 * cols)))), ...f.set('xp', I32, i32.c(L.A[j])));
        out.push(
          ...f.loop('c', i32.c(0), i32.c(cols), 1, () => {
            const b: Code = [];
            for (const q of qs) b.push(...f.set(`x${q}`, V128, f64x2.load(f.get('xp'), 16 * q * cols)));
            for (let t = 0; t < ts; t++) {
              b.push(...f.set('wt', V128, f64x2.loadSplat(f.get('wp'), 8 * t * cols)));
              for (const q of qs) b.push(...f.set(`s${q}_${t}`, V128, f64x2.add(f.get(`s${q}_${t}`), f64x2.mul(f.get('wt'), f.get(`x${q}`)))));
            }
            b.push(...f.set('wp', I32, add(f.get('wp'), i32.c(8))), ...f.set('xp', I32, add(f.get('xp'), i32.c(16))));
            return b;
          }),
        );
        out.push(...f.set('o', I32, i32.mul(f.get('r'), i32.c(16))), ...f.set('ro', I32, i32.mul(f.get('r'), i32.c(8))));
        for (const q of qs)
          for (let t = 0; t < ts; t++) {
            const at = 16 * (q * rows + t);
            if (last) {
              out.push(...f64x2.store(add(f.get('o'), i32.c(L.A[j + 1])), f.get(`s${q}_${t}`), at));
              continue;
            }
            out.push(...f64x2.store(add(f.get('o'), i32.c(L.Z[j + 1])), f.get(`s${q}_${t}`), at));
            out.push(...f.set('av', V128, phi(f, f.get(`s${q}_${t}`))), ...f64x2.store(add(f.get('o'), i32.c(L.A[j + 1])), f.get('av'), at));
            for (const l of [0, 1] as const)
              if (2 * q + l < n) out.push(...f64.store(add(f.get('ro'), i32.c(L.R[j + 1])), lane(f.get('av'), l), 8 * ((2 * q + l) * rows + t)));
          }
        return out;
      };
      body.push(...f.loop('r', i32.c(0), i32.c(rows & ~3), 4, () => block(4)), ...f.loop('r', i32.c(rows & ~3), i32.c(rows), 1, () => block(1)));
    }
    fns.push(f.build(undefined, body));
  }

  // backward
  {
    const f = new Fn('backward', []);
    const body: Code = [...withLeaky(f)];
    // rows with c_i = 0 are skipped (their δ's are 0); the top δ is c_i at the output row i selects, 0 at the others
    for (const q of qs) body.push(...f.set(`on${q}`, V128, f64x2.ne(f64x2.load(i32.c(L.C + 16 * q)), zero)));
    for (const q of qs)
      for (let r = 0; r < sizes[k]; r++) {
        const at = 16 * (q * sizes[k] + r);
        body.push(...f64x2.store(i32.c(L.D[k] + at), f64x2.select(f64x2.load(i32.c(L.C + 16 * q)), zero, f64x2.load(i32.c(L.M + at)))));
      }
    // δ_j[i][c] = (0 + Σ_r W_j[r,c] δ_{j+1}[i][r]) σ′(z_j[i][c]), from r = 0, four columns at a time sharing the loads of δ_{j+1}
    for (let j = k - 1; j >= 1; j--) {
      const rows = sizes[j + 1],
        cols = sizes[j];
      const block = (ts: number): Code => {
        const out: Code = [];
        for (const q of qs) for (let t = 0; t < ts; t++) out.push(...f.set(`s${q}_${t}`, V128, zero));
        out.push(...f.set('wp', I32, add(i32.c(L.theta + 8 * offsets[j]), i32.mul(f.get('c'), i32.c(8)))), ...f.set('dp', I32, i32.c(L.D[j + 1])));
        out.push(
          ...f.loop('r', i32.c(0), i32.c(rows), 1, () => {
            const b: Code = [];
            for (const q of qs) b.push(...f.set(`x${q}`, V128, f64x2.load(f.get('dp'), 16 * q * rows)));
            for (let t = 0; t < ts; t++) {
              b.push(...f.set('wt', V128, f64x2.loadSplat(f.get('wp'), 8 * t)));
              for (const q of qs) b.push(...f.set(`s${q}_${t}`, V128, f64x2.add(f.get(`s${q}_${t}`), f64x2.mul(f.get('wt'), f.get(`x${q}`)))));
            }
            b.push(...f.set('wp', I32, add(f.get('wp'), i32.c(8 * cols))), ...f.set('dp', I32, add(f.get('dp'), i32.c(16))));
            return b;
          }),
        );
        out.push(...f.set('o', I32, i32.mul(f.get('c'), i32.c(16))));
        for (const q of qs)
          for (let t = 0; t < ts; t++) {
            const at = 16 * (q * cols + t);
            const d = f64x2.mul(f.get(`s${q}_${t}`), dphi(f, f64x2.load(add(f.get('o'), i32.c(L.Z[j])), at)));
            out.push(...f64x2.store(add(f.get('o'), i32.c(L.D[j])), f64x2.select(d, zero, f.get(`on${q}`)), at));
          }
        return out;
      };
      body.push(...f.loop('c', i32.c(0), i32.c(cols & ~3), 4, () => block(4)), ...f.loop('c', i32.c(cols & ~3), i32.c(cols), 1, () => block(1)));
    }
    // grad[W_j[r,c]] = 0 + Σ_i δ_{j+1}[i][r] a_j[i][c] over rows i in order, a term only where δ ≠ 0; ‖grad‖² beside it, in index order
    body.push(...f.set('g2', F64, f64.c(0)));
    const rowsOut = Array.from({ length: n }, (_, i) => i);
    for (let j = 0; j < k; j++) {
      const rows = sizes[j + 1],
        cols = sizes[j];
      const perR = (): Code => {
        const out: Code = [];
        for (const i of rowsOut) {
          out.push(...f.set(`d${i}`, V128, f64x2.loadSplat(add(i32.c(L.D[j + 1]), i32.mul(f.get('r'), i32.c(16))), 16 * (i >> 1) * rows + 8 * (i & 1))));
          out.push(...f.set(`m${i}`, V128, f64x2.ne(f.get(`d${i}`), zero)));
        }
        out.push(...f.set('gp', I32, add(i32.c(L.grad + 8 * offsets[j]), i32.mul(f.get('r'), i32.c(8 * cols)))), ...f.set('ap', I32, i32.c(L.R[j])));
        out.push(
          ...f.loop('c', i32.c(0), i32.c(cols & ~1), 2, () => {
            const b: Code = [...f.set('acc', V128, zero)];
            for (const i of rowsOut)
              b.push(
                ...f.set(
                  'acc',
                  V128,
                  f64x2.select(f64x2.add(f.get('acc'), f64x2.mul(f.get(`d${i}`), f64x2.load(f.get('ap'), 8 * i * cols))), f.get('acc'), f.get(`m${i}`)),
                ),
              );
            b.push(...f64x2.store(f.get('gp'), f.get('acc')));
            if (norm)
              b.push(
                ...f.set('sq', V128, f64x2.mul(f.get('acc'), f.get('acc'))),
                ...f.set('g2', F64, f64.add(f64.add(f.get('g2'), lane(f.get('sq'), 0)), lane(f.get('sq'), 1))),
              );
            b.push(...f.set('gp', I32, add(f.get('gp'), i32.c(16))), ...f.set('ap', I32, add(f.get('ap'), i32.c(16))));
            return b;
          }),
        );
        if (cols & 1) {
          out.push(...f.set('e', F64, f64.c(0)));
          for (const i of rowsOut) {
            const d = lane(f.get(`d${i}`), 0);
            out.push(...f.set('e', F64, f64.select(f64.add(f.get('e'), f64.mul(d, f64.load(f.get('ap'), 8 * i * cols))), f.get('e'), f64.ne(d, f64.c(0)))));
          }
          out.push(...f64.store(f.get('gp'), f.get('e')));
          if (norm) out.push(...f.set('g2', F64, f64.add(f.get('g2'), f64.mul(f.get('e'), f.get('e')))));
        }
        return out;
      };
      body.push(...f.loop('r', i32.c(0), i32.c(rows), 1, perR));
    }
    body.push(...f.get('g2'));
    fns.push(f.build(F64, body));
  }

  // ascend(h): θ ← θ + h·grad entry by entry; 1 when every entry of the new θ is finite, else 0
  fns.push(thetaUpdateFn('ascend', P, L.theta, L.grad));
  // step(h) = ascend(h), then forward; returns ascend's
  {
    const f = new Fn('step', [['h', F64]]);
    fns.push(f.build(I32, [...f.get('h'), ...call(fns, 'ascend'), ...call(fns, 'forward')]));
  }
  return moduleBytes(fns);
}

interface KernelExports {
  forward(): void;
  backward(): number;
  ascend(h: number): number;
  step(h: number): number;
}

const shapeKey = (s: ReluNetFlowShape) => `${s.sizes.join(',')} ${s.n} ${s.norm}`;
/** Compiled modules by shape, the least recently used dropped past MODULES_KEPT (a claim file can ask for many shapes). */
const MODULES_KEPT = 256;
const modules = new Map<string, WebAssembly.Module | undefined>();
function compiled(s: ReluNetFlowShape): WebAssembly.Module | undefined {
  const key = shapeKey(s);
  if (modules.has(key)) {
    const mod = modules.get(key);
    modules.delete(key);
    modules.set(key, mod);
    return mod;
  }
  let mod: WebAssembly.Module | undefined;
  try {
    mod = new WebAssembly.Module(kernelModule(s));
  } catch {
    mod = undefined;
  }
  modules.set(key, mod);
  if (modules.size > MODULES_KEPT) {
    const oldest = modules.keys().next().value!;
    modules.delete(oldest);
    shared.delete(oldest);
  }
  return mod;
}

/** 'wasm-simd' where the kernels run; 'js' with CLAIMCHECK_KERNELS=js or without WebAssembly SIMD (normalizedFlow runs then). */
export const reluNetFlowKernels: 'wasm-simd' | 'js' =
  process.env.CLAIMCHECK_KERNELS !== 'js' && WebAssembly.validate(kernelModule({ sizes: [1, 1, 1], n: 1, norm: true })) ? 'wasm-simd' : 'js';

/** One relu-net's kernel on its data: θ, grad, the predictions and c as views into its memory. */
export interface ReluNetFlowKernel extends KernelExports {
  theta: Float64Array;
  grad: Float64Array;
  /** f_{sel_i}(x_i; θ) after forward(), gathered by pred() */
  pred(): Float64Array;
  /** the weights c_i backward() reads */
  c: Float64Array;
  release(): void;
}

/** An instance of a shape's module; `boundTo`: whose model and data its memory holds now. */
type Instance = { exports: KernelExports; buffer: ArrayBuffer; boundTo?: object };
/** Instances of flows that ended, up to 4 per shape. */
const idle = new IdleInstances<Instance>();
/** One instance per shape for objective()s: each call rebinds it when another objective used it last. */
const shared = new Map<string, Instance>();

let instancesMade = 0;
/** How many kernel instances (each with its own memory) this thread has made: for the tests. */
export const reluNetKernelInstancesMade = (): number => instancesMade;

function instantiate(shape: ReluNetFlowShape): Instance | undefined {
  const mod = compiled(shape);
  if (!mod) return undefined;
  instancesMade++;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(layout(shape).bytes / 65536) });
  return { exports: new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as KernelExports, buffer: memory.buffer };
}

/** What a relu-net with a leaky ReLU on X needs of a kernel: its shape and each row's selected output; undefined where no kernel applies. */
function kernelCase(model: Model, X: Mat, norm: boolean) {
  const st = model.structure;
  if (reluNetFlowKernels !== 'wasm-simd' || st?.kind !== 'relu-net' || !st.activation.leaky) return undefined;
  const sizes = st.sizes,
    n = X.rows,
    dIn = sizes[0],
    dOut = sizes.at(-1)!;
  if (n < 1 || n > RELU_NET_FLOW_MAX_ROWS || X.cols < dIn + dOut || model.nParams !== layerOffsets(sizes).nParams) return undefined;
  let sel: number[];
  try {
    sel = Array.from({ length: n }, (_, i) => selectedOutput(X, dIn, dOut, i));
  } catch {
    return undefined; // the model's own passes say which row
  }
  const shape = { sizes, n, norm };
  return { shape, key: shapeKey(shape), L: layout(shape), gamma: st.activation.leaky.gamma, dphiAtZero: st.activation.leaky.dphiAtZero, sel, dIn, dOut };
}
type KernelCase = NonNullable<ReturnType<typeof kernelCase>>;

/** Writes γ, φ′(0), X's rows (paired and row-major), zero c and the output masks into the instance's memory. */
function bind(inst: Instance, kc: KernelCase, X: Mat, owner: object): void {
  const { L, sel, dIn, dOut } = kc,
    n = sel.length,
    buf = inst.buffer;
  const f = (at: number, len: number) => new Float64Array(buf, at, len);
  f(0, 2).set([kc.gamma, kc.dphiAtZero]);
  const x = f(L.A[0], 2 * L.pairs * dIn).fill(0),
    xr = f(L.R[0], n * dIn);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < dIn; c++) {
      const v = X.data[i * X.cols + c];
      x[2 * ((i >> 1) * dIn + c) + (i & 1)] = v;
      xr[i * dIn + c] = v;
    }
  f(L.C, 2 * L.pairs).fill(0);
  const masks = new Int32Array(buf, L.M, 4 * L.pairs * dOut).fill(0);
  for (let i = 0; i < n; i++) masks.fill(-1, 2 * (2 * ((i >> 1) * dOut + sel[i]) + (i & 1)), 2 * (2 * ((i >> 1) * dOut + sel[i]) + (i & 1)) + 2);
  inst.boundTo = owner;
}

/** Views of an instance's θ, grad, c and the gathered predictions. */
function views(inst: Instance, kc: KernelCase) {
  const { L, sel, dOut } = kc,
    n = sel.length;
  const f = (at: number, len: number) => new Float64Array(inst.buffer, at, len);
  const out = f(L.A[L.k], 2 * L.pairs * dOut),
    pred = new Float64Array(n);
  return {
    theta: f(L.theta, L.P),
    grad: f(L.grad, L.P),
    c: f(L.C, n),
    pred() {
      for (let i = 0; i < n; i++) pred[i] = out[2 * ((i >> 1) * dOut + sel[i]) + (i & 1)];
      return pred;
    },
  };
}

/** The kernel of `model` (a relu-net with a leaky ReLU) on its data X, for one flow (release() it after); undefined where none applies. Without `norm`, backward returns 0. */
export function reluNetFlowKernel(model: Model, X: Mat, norm = true): ReluNetFlowKernel | undefined {
  const kc = kernelCase(model, X, norm);
  if (!kc) return undefined;
  const inst = idle.take(kc.key) ?? instantiate(kc.shape);
  if (!inst) return undefined;
  const owner = {};
  bind(inst, kc, X, owner);
  const e = inst.exports;
  let released = false;
  return {
    ...views(inst, kc),
    forward: e.forward,
    backward: e.backward,
    ascend: e.ascend,
    step: e.step,
    release() {
      if (released) return;
      released = true;
      inst.boundTo = undefined;
      idle.give(kc.key, inst);
    },
  };
}

/**
 * objective(model, loss, X, y, ·)'s valueAndGrad with reduction weight w (then negated, with `negate`) on a kernel of its own:
 * (θ, out) ↦ L(θ), ∇L(θ) (or −∇L(θ)) written into out, bit-identical; undefined where no kernel applies.
 */
export function reluNetWasmObjective(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number) | undefined {
  const kc = kernelCase(model, X, false);
  if (!kc) return undefined;
  let inst = shared.get(kc.key);
  if (!inst) {
    inst = instantiate(kc.shape);
    if (!inst) return undefined;
    shared.set(kc.key, inst);
  }
  // one instance per shape, not per objective (SGD builds an objective per mini-batch): a call rebinds it when it holds another's data
  const mine = inst,
    owner = {},
    { theta, grad, c, pred: gather } = views(mine, kc),
    e = mine.exports;
  const n = X.rows,
    P = theta.length;
  return (th, out) => {
    if (mine.boundTo !== owner) bind(mine, kc, X, owner);
    theta.set(th);
    e.forward();
    const pred = gather();
    const s = lossSumAndWeights(loss, pred, y, n, w, c);
    e.backward();
    if (negate) for (let p = 0; p < P; p++) out[p] = -grad[p];
    else out.set(grad);
    return w * s;
  };
}
