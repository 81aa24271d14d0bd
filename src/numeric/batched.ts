// Gradient descent on many same-shaped trials ("lanes") at once, parameters laid out trial-innermost:
// entry i of lane b at i·stride + b (stride B in JavaScript, 64·⌈B/64⌉ in WebAssembly memory). Each lane performs exactly the operations of its scalar run
// (gradientDescent on objective(model, loss, X, y, reduction)) in the same order, so its result is
// bit-identical to that run; a lane that stops (steps done, stop loss, divergence) leaves the others running.
// relu-nets run a step kernel generated for their shape: WebAssembly SIMD (two lanes per vector) for
// leaky ReLU under the square loss, else JavaScript (one lane at a time, θ in locals).
import { DivergedError, recorder, snapshotSchedule, type Observer, type SimResult } from './dynamics.js';
import { cachedKernel } from './kernel-cache.js';
import type { Mat } from './linalg.js';
import { squareLoss, type Loss } from './losses.js';
import type { Activation, Model } from './models.js';
import { layerOffsets, selectedOutput } from './relunet.js';
import { moduleBytes, uleb, vec } from './wasm-asm.js';

/** One trial's gradient descent, as gradientDescent(objective(model, loss, X, y, reduction), theta0, {steps, eta, stopLoss, snapshots, observe}) would run it. */
export interface GradientDescentLane {
  model: Model;
  loss: Loss;
  reduction: 'sum' | 'mean';
  X: Mat;
  y: Float64Array;
  theta0: Float64Array;
  steps: number;
  eta: number;
  stopLoss?: number;
  snapshots?: boolean;
  observe?: Observer;
}

/** A lane's SimResult, or what its scalar run would have thrown (a DivergedError, or an observer's error). */
export type LaneOutcome = { result: SimResult } | { error: unknown };

/** Lanes with equal keys run together in batchedGradientDescent; undefined: this lane's model has no batched kernel. */
export function gradientDescentLaneKey(lane: Pick<GradientDescentLane, 'model' | 'X' | 'reduction'>): string | undefined {
  const s = lane.model.structure;
  if (s?.kind !== 'relu-net') return undefined;
  return `gradient-descent relu-net ${s.sizes.join('-')} X ${lane.X.rows}x${lane.X.cols} ${lane.reduction}`;
}

/** θ and ∇L trial-innermost (entry i of lane p at i·stride + p, stride ≥ B), L one per lane, and finite[p] = 1 when lane p's L and θ are finite. */
interface BatchState {
  stride: number;
  theta: Float64Array;
  grad: Float64Array;
  loss: Float64Array;
  finite: Uint8Array;
}

/** One step of every lane: θ ← θ − η∇L (when `update`; ∇L from the previous call), then L, ∇L and `finite` at θ; returns the number of lanes not finite. */
type BatchedStep = (state: BatchState, update: boolean) => number;

/** The lanes' data trial-innermost: X's input part (entry q of row i at (i·dIn + q)·B + b), y, and the output coordinate each row selects. */
function laneData(lanes: GradientDescentLane[], dIn: number, dOut: number, B = lanes.length) {
  const n = lanes[0].X.rows,
    cols = lanes[0].X.cols;
  const x = new Float64Array(n * dIn * B),
    y = new Float64Array(n * B),
    sel = new Int32Array(n * B);
  lanes.forEach((l, b) => {
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < dIn; q++) x[(i * dIn + q) * B + b] = l.X.data[i * cols + q];
      y[i * B + b] = l.y[i];
      sel[i * B + b] = selectedOutput(l.X, dIn, dOut, i);
    }
  });
  return { x, y, sel };
}

/** θ ← θ − η∇L for every lane (the scalar update), then L and ∇L by `valueAndGrad`, then the finite flags. */
function genericStep(P: number, eta: Float64Array, valueAndGrad: (theta: Float64Array, grad: Float64Array, loss: Float64Array) => void): BatchedStep {
  const B = eta.length;
  return ({ theta, grad, loss, finite }, update) => {
    if (update)
      for (let i = 0; i < P; i++) {
        const o = i * B;
        for (let p = 0; p < B; p++) theta[o + p] -= eta[p] * grad[o + p];
      }
    valueAndGrad(theta, grad, loss);
    let notFinite = 0;
    for (let p = 0; p < B; p++) {
      let ok = Number.isFinite(loss[p]);
      for (let i = 0; ok && i < P; i++) ok = Number.isFinite(theta[i * B + p]);
      finite[p] = ok ? 1 : 0;
      notFinite += 1 - finite[p];
    }
    return notFinite;
  };
}

/** Nets with at most this many parameters get a step kernel generated for their shape (straight-line code per lane). */
const UNROLLED_MAX_PARAMS = 256;

type UnrolledKernel = (
  theta: Float64Array,
  grad: Float64Array,
  loss: Float64Array,
  finite: Uint8Array,
  from: number,
  to: number,
  B: number,
  update: boolean,
  n: number,
  w: number,
  eta: Float64Array,
  x: Float64Array,
  y: Float64Array,
  sel: Int32Array | Float64Array,
  gamma: Float64Array,
  dphiAtZero: Float64Array,
  phi: ((z: number) => number)[],
  dphi: ((z: number) => number)[],
  lossValue: ((p: number, y: number) => number)[],
  lossDerivative: ((p: number, y: number) => number)[],
) => number;

const unrolledKernels = new Map<string, UnrolledKernel>();

/**
 * The source of the step kernel for one shape: per lane, θ in locals, relunet.ts's forward and backward
 * written out operation by operation in its order (sums from 0, left to right; a zero δ skips its
 * gradient terms; a row whose c_i is 0 is skipped), objective.ts's loss sum, and gradientDescent's update.
 * Leaky ReLU and the square loss are inlined as their own expressions; other φ, φ′ and losses are called per lane.
 */
function unrolledKernelSource(sizes: number[], leaky: boolean, square: boolean): string {
  const { k, offsets, nParams: P } = layerOffsets(sizes);
  const t = (j: number, r: number, c: number) => `t${offsets[j] + r * sizes[j] + c}`;
  const g = (j: number, r: number, c: number) => `g${offsets[j] + r * sizes[j] + c}`;
  const a = (j: number, c: number) => (j === 0 ? `x${c}` : `a${j}_${c}`);
  const range = (m: number) => Array.from({ length: m }, (_, i) => i);
  const params = range(P);
  const L: string[] = ['let notFinite = 0;'];
  L.push('for (let p = from; p < to; p++) {');
  L.push(leaky ? 'const gm = gamma[p], dz = dphiAtZero[p];' : 'const phiP = phi[p], dphiP = dphi[p];');
  if (!square) L.push('const lv = lossValue[p], ld = lossDerivative[p];');
  L.push(`let ${params.map((i) => `t${i} = theta[${i} * B + p]`).join(', ')};`);
  L.push('if (update) {', 'const e = eta[p];');
  for (const i of params) L.push(`t${i} -= e * grad[${i} * B + p]; theta[${i} * B + p] = t${i};`);
  L.push('}');
  L.push(`let ls = 0, ${params.map((i) => `g${i} = 0`).join(', ')};`);
  L.push('for (let i = 0; i < n; i++) {');
  L.push(`const xi = i * ${sizes[0]} * B + p;`);
  for (const q of range(sizes[0])) L.push(`const x${q} = x[xi + ${q} * B];`);
  for (let j = 0; j < k; j++)
    for (const r of range(sizes[j + 1])) {
      const sum = ['0', ...range(sizes[j]).map((c) => `${t(j, r, c)} * ${a(j, c)}`)].join(' + ');
      if (j === k - 1) L.push(`const z${j + 1}_${r} = ${sum};`);
      else
        L.push(
          `const z${j + 1}_${r} = ${sum}, a${j + 1}_${r} = ${leaky ? `z${j + 1}_${r} > 0 ? z${j + 1}_${r} : gm * z${j + 1}_${r}` : `phiP(z${j + 1}_${r})`};`,
        );
    }
  const out = range(sizes[k]);
  L.push('const c = sel[i * B + p], yi = y[i * B + p];');
  L.push(
    `const pr = ${out
      .slice(0, -1)
      .map((r) => `c === ${r} ? z${k}_${r} : `)
      .join('')}z${k}_${out.length - 1};`,
  );
  L.push(square ? 'ls += 0.5 * (pr - yi) * (pr - yi);' : 'ls += lv(pr, yi);');
  L.push(square ? 'const ci = w * (pr - yi);' : 'const ci = w * ld(pr, yi);');
  L.push('if (ci !== 0) {');
  L.push(`const ${out.map((r) => `d${k}_${r} = c === ${r} ? ci : 0`).join(', ')};`);
  for (let j = k - 1; j >= 0; j--) {
    for (const r of range(sizes[j + 1]))
      L.push(
        `if (d${j + 1}_${r} !== 0) { ${range(sizes[j])
          .map((c) => `${g(j, r, c)} += d${j + 1}_${r} * ${a(j, c)};`)
          .join(' ')} }`,
      );
    if (j === 0) break;
    for (const c of range(sizes[j])) {
      const sum = ['0', ...range(sizes[j + 1]).map((r) => `${t(j, r, c)} * d${j + 1}_${r}`)].join(' + ');
      const z = `z${j}_${c}`;
      L.push(`const d${j}_${c} = (${sum}) * ${leaky ? `(${z} > 0 ? 1 : ${z} < 0 ? gm : dz)` : `dphiP(${z})`};`);
    }
  }
  L.push('}', '}');
  L.push('const lw = w * ls;', 'loss[p] = lw;');
  for (const i of params) L.push(`grad[${i} * B + p] = g${i};`);
  // 0·v is ±0 for finite v and NaN otherwise
  L.push(`if (0 * lw + ${params.map((i) => `0 * t${i}`).join(' + ')} === 0) finite[p] = 1;`, 'else (finite[p] = 0), notFinite++;');
  L.push('}', 'return notFinite;');
  return L.join('\n');
}

function unrolledKernel(sizes: number[], leaky: boolean, square: boolean): UnrolledKernel {
  const key = `${sizes.join('-')} ${leaky} ${square}`;
  return cachedKernel(unrolledKernels, key, () => {
    const args = 'theta, grad, loss, finite, from, to, B, update, n, w, eta, x, y, sel, gamma, dphiAtZero, phi, dphi, lossValue, lossDerivative';
    return new Function(...args.split(', '), unrolledKernelSource(sizes, leaky, square)) as UnrolledKernel;
  });
}

// WebAssembly SIMD: the step kernel of one shape (sizes, rows, stride) as a module built here,
// two lanes per f64x2 vector, straight-line code per pair of lanes. Each vector lane performs its scalar
// run's operations in relunet.ts's order (f64x2 add, sub and mul are IEEE per lane, with no fused
// multiply-add), branches become selects (a skipped update keeps the old value), so results are bit-identical.

/** The memory every generated module imports; a batch's arrays are views into it. */
const wasmMemory: WebAssembly.Memory | undefined = process.env.CLAIMCHECK_KERNELS === 'js' ? undefined : new WebAssembly.Memory({ initial: 1 });
/** A batch holds the memory until it returns; a batch started meanwhile (from an observer) runs in JS. */
let wasmHeld = false;
/** Leaky-ReLU nets under the square loss with at most this many products (parameters × rows) per lane get a generated WebAssembly kernel. */
const WASM_MAX_PRODUCTS = 4096;

type WasmKernel = (...pointersAndFlags: number[]) => number;
const wasmKernels = new Map<string, WasmKernel | undefined>();

/**
 * The module exporting step(theta, grad, loss, finite, pairs, update, w, eta, x, y, sel, gamma, dphiAtZero):
 * byte offsets of the batch's arrays (trial-innermost, stride B; sel as f64), the number of lane pairs,
 * whether to update θ first, and the reduction's weight w. Returns the number of those lanes not finite.
 * `tail` (B odd): the module for one lane alone (called with pairs = that lane's index), paired with the next entry of each
 * array, whose lane computes on unused numbers and is never stored (v128.store64_lane of lane 0 only).
 * B is the arrays' stride (wasmStride), not the number of lanes: one module serves every batch up to it.
 */
function wasmKernelModule(sizes: number[], n: number, B: number, tail = false): Uint8Array<ArrayBuffer> {
  const k = sizes.length - 1,
    dIn = sizes[0],
    dOut = sizes[k];
  const { offsets, nParams: P } = layerOffsets(sizes);
  const params = ['theta', 'grad', 'loss', 'finite', 'pairs', 'update', 'w', 'eta', 'x', 'y', 'sel', 'gamma', 'dphiAtZero'];
  const i32Locals = ['q', 'lane', 'bad'];
  const index = new Map<string, number>([...params, ...i32Locals].map((p, i) => [p, i]));
  const v128Locals: string[] = [];
  const local = (name: string) => {
    let i = index.get(name);
    if (i === undefined) (index.set(name, (i = params.length + i32Locals.length + v128Locals.length)), v128Locals.push(name));
    return uleb(i);
  };
  const get = (name: string) => [0x20, ...local(name)];
  const set = (name: string, value: number[]) => [...value, 0x21, ...local(name)];
  // [...args.flat(), 0xfd, ...uleb(op)] by pushes (the spreads made assembling a module cost ~0.1 s at 240 parameters)
  const simd = (op: number, ...args: number[][]) => {
    const out: number[] = [];
    for (const a of args) for (const b of a) out.push(b);
    out.push(0xfd, ...uleb(op));
    return out;
  };
  const add = (a: number[], b: number[]) => simd(0xf0, a, b),
    sub = (a: number[], b: number[]) => simd(0xf1, a, b),
    mul = (a: number[], b: number[]) => simd(0xf2, a, b),
    eq = (a: number[], b: number[]) => simd(0x47, a, b),
    ne = (a: number[], b: number[]) => simd(0x48, a, b),
    lt = (a: number[], b: number[]) => simd(0x49, a, b),
    gt = (a: number[], b: number[]) => simd(0x4a, a, b),
    and = (a: number[], b: number[]) => simd(0x4e, a, b),
    // lanes of a where the mask is set, else of b
    select = (a: number[], b: number[], mask: number[]) => simd(0x52, a, b, mask);
  const splat = (v: number) => {
    const bytes = new Uint8Array(new Float64Array([v]).buffer);
    return [0x44, ...bytes, 0xfd, ...uleb(0x14)];
  };
  // v128.load / store at base + lane + offset (offset a constant of the shape and stride)
  const load = (base: string, offset: number) => [...get(base), ...get('lane'), 0x6a, 0xfd, ...uleb(0x00), 3, ...uleb(offset)];
  const store = (base: string, offset: number, value: number[]) =>
    tail
      ? [...get(base), ...get('lane'), 0x6a, ...value, 0xfd, ...uleb(0x5b), 3, ...uleb(offset), 0]
      : [...get(base), ...get('lane'), 0x6a, ...value, 0xfd, ...uleb(0x0b), 3, ...uleb(offset)];
  const at = (i: number) => 8 * B * i;
  const sum = (terms: number[][]) => terms.reduce((s, t) => add(s, t), get('zero'));
  const t = (j: number, r: number, c: number) => `t${offsets[j] + r * sizes[j] + c}`;
  const g = (j: number, r: number, c: number) => `g${offsets[j] + r * sizes[j] + c}`;
  const a = (j: number, c: number) => (j === 0 ? `x${c}` : `a${j}_${c}`);
  const code: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => code.push(...p));
  emit(set('zero', splat(0)), set('one', splat(1)), set('half', splat(0.5)), [...get('w'), 0xfd, ...uleb(0x14), 0x21, ...local('wv')]);
  emit([0x41, 0, 0x21, ...local('q')], [0x41, 0, 0x21, ...local('bad')]);
  // the tail runs once, on lane `pairs`
  const count = tail ? [0x41, 1] : get('pairs');
  emit([0x02, 0x40, ...get('q'), ...count, 0x4e, 0x0d, 0], [0x03, 0x40]); // block; if q >= count: exit; loop
  if (tail)
    emit([...get('pairs'), 0x41, 3, 0x74, 0x21, ...local('lane')]); // lane = pairs << 3
  else emit([...get('q'), 0x41, 4, 0x74, 0x21, ...local('lane')]); // lane = q << 4
  emit(set('gm', load('gamma', 0)), set('dz', load('dphiAtZero', 0)));
  for (let i = 0; i < P; i++) emit(set(`t${i}`, load('theta', at(i))));
  emit([...get('update'), 0x04, 0x40], set('e', load('eta', 0)));
  for (let i = 0; i < P; i++) emit(set(`t${i}`, sub(get(`t${i}`), mul(get('e'), load('grad', at(i))))), store('theta', at(i), get(`t${i}`)));
  emit([0x0b]);
  for (let i = 0; i < P; i++) emit(set(`g${i}`, get('zero')));
  emit(set('ls', get('zero')));
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < dIn; q++) emit(set(`x${q}`, load('x', at(i * dIn + q))));
    for (let j = 0; j < k; j++)
      for (let r = 0; r < sizes[j + 1]; r++) {
        const z = `z${j + 1}_${r}`;
        emit(set(z, sum(Array.from({ length: sizes[j] }, (_, c) => mul(get(t(j, r, c)), get(a(j, c)))))));
        if (j < k - 1) emit(set(`a${j + 1}_${r}`, select(get(z), mul(get('gm'), get(z)), gt(get(z), get('zero')))));
      }
    emit(set('sv', load('sel', at(i))), set('pr', get('zero')));
    for (let r = 0; r < dOut; r++) emit(set('pr', select(get(`z${k}_${r}`), get('pr'), eq(get('sv'), splat(r)))));
    emit(set('res', sub(get('pr'), load('y', at(i)))));
    emit(set('ls', add(get('ls'), mul(mul(get('half'), get('res')), get('res')))), set('ci', mul(get('wv'), get('res'))));
    // a lane whose c_i is 0 gets δ = 0 throughout, so every update below keeps its old value, as the scalar run skips the row
    emit(set('on', ne(get('ci'), get('zero'))));
    for (let r = 0; r < dOut; r++) emit(set(`d${k}_${r}`, select(get('ci'), get('zero'), and(get('on'), eq(get('sv'), splat(r))))));
    for (let j = k - 1; j >= 0; j--) {
      for (let r = 0; r < sizes[j + 1]; r++) {
        const d = `d${j + 1}_${r}`;
        emit(set('m', ne(get(d), get('zero'))));
        for (let c = 0; c < sizes[j]; c++) emit(set(g(j, r, c), select(add(get(g(j, r, c)), mul(get(d), get(a(j, c)))), get(g(j, r, c)), get('m'))));
      }
      if (j === 0) break;
      for (let c = 0; c < sizes[j]; c++) {
        const z = get(`z${j}_${c}`);
        const dphi = select(get('one'), select(get('gm'), get('dz'), lt(z, get('zero'))), gt(z, get('zero')));
        emit(set(`d${j}_${c}`, mul(sum(Array.from({ length: sizes[j + 1] }, (_, r) => mul(get(t(j, r, c)), get(`d${j + 1}_${r}`)))), dphi)));
      }
    }
  }
  emit(set('lw', mul(get('wv'), get('ls'))), store('loss', 0, get('lw')));
  for (let i = 0; i < P; i++) emit(store('grad', at(i), get(`g${i}`)));
  // 0·v is ±0 for finite v and NaN otherwise
  emit(set('fin', mul(get('zero'), get('lw'))));
  for (let i = 0; i < P; i++) emit(set('fin', add(get('fin'), mul(get('zero'), get(`t${i}`)))));
  emit(set('fin', eq(get('fin'), get('zero'))));
  for (const half of tail ? [0] : [0, 1]) {
    // finite[2q + half] (tail: finite[pairs], its lane) = lane `half` of fin is all ones; bad += its negation
    const ok = [...get('fin'), 0xfd, ...uleb(0x1d), half, 0x42, 0, 0x52]; // i64x2.extract_lane; i64.ne 0
    const at = tail ? get('pairs') : [...get('q'), 0x41, 1, 0x74];
    emit([...get('finite'), ...at, 0x6a, ...ok, 0x3a, 0, ...uleb(half)]); // i32.store8 at finite + 2q + half
    emit([...get('bad'), 0x41, 1, ...ok, 0x6b, 0x6a, 0x21, ...local('bad')]);
  }
  emit([...get('q'), 0x41, 1, 0x6a, 0x22, ...local('q'), ...count, 0x48, 0x0d, 0, 0x0b, 0x0b]); // q++; br_if q < count; end loop; end block
  emit(get('bad'));
  const i32 = 0x7f,
    f64 = 0x7c,
    v128 = 0x7b;
  const paramTypes = params.map((p) => (p === 'w' ? f64 : i32));
  const locals = vec([
    [...uleb(i32Locals.length), i32],
    [...uleb(v128Locals.length), v128],
  ]);
  const body = locals.concat(code, [0x0b]);
  return moduleBytes([{ name: 'step', type: [0x60, ...vec(paramTypes.map((p) => [p])), ...vec([[i32]])], code: uleb(body.length).concat(body) }]);
}

/** A batch's stride in WebAssembly memory: B rounded up to a multiple of 64 (a search's largest batch), so that a shape needs one module (and one for an odd lane) whatever its batches' sizes. */
const wasmStride = (B: number) => 64 * Math.ceil(B / 64);

/** The generated kernel of this shape and stride; undefined where WebAssembly SIMD is unavailable. */
function wasmKernel(sizes: number[], n: number, B: number, tail = false): WasmKernel | undefined {
  const key = `${sizes.join('-')} ${n} ${B} ${tail}`;
  return cachedKernel(wasmKernels, key, () => {
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmKernelModule(sizes, n, B, tail)), { env: { memory: wasmMemory! } });
      return instance.exports.step as WasmKernel;
    } catch {
      return undefined;
    }
  });
}

/** Which kernels run leaky-ReLU nets under the square loss: 'wasm-simd' (generated WebAssembly, two lanes per vector) or 'js' (CLAIMCHECK_KERNELS=js, or no WebAssembly SIMD). */
export const batchedKernels: 'wasm-simd' | 'js' = wasmMemory && WebAssembly.validate(wasmKernelModule([1, 1], 1, 2)) ? 'wasm-simd' : 'js';

/** Where a batch's arrays lie in the module's memory (byte offsets from `at`, each 16-aligned), and its size. */
function wasmLayout(at: number, B: number, P: number, n: number, sizes: number[]) {
  let o = at;
  const take = (bytes: number) => ((o += Math.ceil(bytes / 16) * 16), o - Math.ceil(bytes / 16) * 16);
  const l = {
    theta: take(8 * P * B),
    grad: take(8 * P * B),
    loss: take(8 * B),
    eta: take(8 * B),
    x: take(8 * n * sizes[0] * B),
    y: take(8 * n * B),
    sel: take(8 * n * B),
    gamma: take(8 * B),
    dphiAtZero: take(8 * B),
    finite: take(B),
  };
  return { ...l, bytes: o - at };
}

/** Leaky ReLU and the square loss on every lane, and a generated kernel for the odd lane. */
function wasmCovers(lanes: GradientDescentLane[]): boolean {
  const P = lanes[0].model.nParams;
  return (
    P <= UNROLLED_MAX_PARAMS && P * lanes[0].X.rows <= WASM_MAX_PRODUCTS && lanes.every((l) => l.model.structure!.activation.leaky && l.loss === squareLoss)
  );
}

/** gradientDescent's step on objective(reluNet, loss, X, y, reduction) of every lane (relunet.ts's forward and backward, lane by lane in the same order); its arrays in the module's memory at `region` when given (for lanes wasmCovers). */
function reluNetStep(lanes: GradientDescentLane[], region?: number): { state: BatchState; step: BatchedStep } {
  const B = lanes.length;
  const first = lanes[0].model.structure!;
  const sizes = first.sizes,
    k = sizes.length - 1,
    dIn = sizes[0],
    dOut = sizes[k];
  const { offsets, nParams } = layerOffsets(sizes);
  const n = lanes[0].X.rows;
  const acts: Activation[] = lanes.map((l) => l.model.structure!.activation);
  // leaky ReLU inlined (leakyRelu's own expressions, per lane), else each lane's φ and φ′ called
  const leaky = acts.every((a) => a.leaky);
  const gamma = Float64Array.from(acts, (a) => a.leaky?.gamma ?? NaN),
    dphiAtZero = Float64Array.from(acts, (a) => a.leaky?.dphiAtZero ?? NaN);
  const losses: Loss[] = lanes.map((l) => l.loss);
  const w = lanes[0].reduction === 'mean' ? 1 / n : 1;
  const eta = Float64Array.from(lanes, (l) => l.eta);
  const S = wasmStride(B);
  const kernel = region !== undefined ? wasmKernel(sizes, n, S) : undefined;
  if (region !== undefined && kernel) {
    const { x, y, sel } = laneData(lanes, dIn, dOut, S);
    const l = wasmLayout(region, S, nParams, n, sizes),
      mem = wasmMemory!.buffer;
    const f64 = (at: number, len: number) => new Float64Array(mem, at, len);
    const state = {
      stride: S,
      theta: f64(l.theta, nParams * S),
      grad: f64(l.grad, nParams * S),
      loss: f64(l.loss, S),
      finite: new Uint8Array(mem, l.finite, S),
    };
    f64(l.eta, B).set(eta);
    f64(l.x, x.length).set(x);
    f64(l.y, y.length).set(y);
    const selF = f64(l.sel, sel.length);
    selF.set(sel);
    f64(l.gamma, B).set(gamma);
    f64(l.dphiAtZero, B).set(dphiAtZero);
    // the odd lane: a module of its own, else JavaScript
    const tail = B & 1 ? wasmKernel(sizes, n, S, true) : undefined;
    const odd = B & 1 && !tail ? unrolledKernel(sizes, true, true) : undefined;
    const none: never[] = [];
    const step: BatchedStep = ({ theta, grad, loss, finite }, update) => {
      const u = update ? 1 : 0;
      let notFinite = kernel(l.theta, l.grad, l.loss, l.finite, B >> 1, u, w, l.eta, l.x, l.y, l.sel, l.gamma, l.dphiAtZero);
      if (tail) notFinite += tail(l.theta, l.grad, l.loss, l.finite, B - 1, u, w, l.eta, l.x, l.y, l.sel, l.gamma, l.dphiAtZero);
      else if (odd) notFinite += odd(theta, grad, loss, finite, B - 1, B, S, update, n, w, eta, x, y, selF, gamma, dphiAtZero, none, none, none, none);
      return notFinite;
    };
    return { state, step };
  }
  const { x, y, sel } = laneData(lanes, dIn, dOut);
  const state = { stride: B, theta: new Float64Array(nParams * B), grad: new Float64Array(nParams * B), loss: new Float64Array(B), finite: new Uint8Array(B) };
  if (nParams <= UNROLLED_MAX_PARAMS) {
    const kernel = unrolledKernel(
      sizes,
      leaky,
      losses.every((l) => l === squareLoss),
    );
    const phi = acts.map((a) => a.phi),
      dphi = acts.map((a) => a.dphi),
      lossValue = losses.map((l) => l.value),
      lossDerivative = losses.map((l) => l.derivative);
    const step: BatchedStep = ({ theta, grad, loss, finite }, update) =>
      kernel(theta, grad, loss, finite, 0, B, B, update, n, w, eta, x, y, sel, gamma, dphiAtZero, phi, dphi, lossValue, lossDerivative);
    return { state, step };
  }
  // per row i: activations A[j] (A[0] = the input) and pre-activations Z[j] of layer j, entry r of lane b at (i·sizes[j] + r)·B + b
  const A = sizes.map((s, j) => (j === 0 ? x : new Float64Array(n * s * B)));
  const Z = sizes.map((s) => new Float64Array(n * s * B));
  const pred = new Float64Array(n * B),
    cvec = new Float64Array(n * B),
    acc = new Float64Array(B),
    on = new Uint8Array(B);
  const delta = sizes.map((s) => new Float64Array(s * B));
  return {
    state,
    step: genericStep(nParams, eta, (theta, grad, loss) => {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) {
          const off = offsets[j],
            rows = sizes[j + 1],
            cj = sizes[j],
            prev = A[j],
            zj = Z[j + 1],
            aj = A[j + 1],
            last = j === k - 1;
          for (let r = 0; r < rows; r++) {
            const t = (off + r * cj) * B,
              p = i * cj * B,
              o = (i * rows + r) * B;
            for (let b = 0; b < B; b++) {
              let s = 0;
              for (let c = 0; c < cj; c++) s += theta[t + c * B + b] * prev[p + c * B + b];
              zj[o + b] = s;
              aj[o + b] = last ? s : leaky ? (s > 0 ? s : gamma[b] * s) : acts[b].phi(s);
            }
          }
        }
        for (let b = 0; b < B; b++) pred[i * B + b] = A[k][(i * dOut + sel[i * B + b]) * B + b];
      }
      for (let b = 0; b < B; b++) acc[b] = 0;
      for (let i = 0; i < n; i++)
        for (let b = 0; b < B; b++) {
          const p = pred[i * B + b],
            t = y[i * B + b];
          acc[b] += losses[b].value(p, t);
          cvec[i * B + b] = w * losses[b].derivative(p, t);
        }
      for (let b = 0; b < B; b++) loss[b] = w * acc[b];
      grad.fill(0);
      for (let i = 0; i < n; i++) {
        // a lane whose c_i is 0 skips row i, as the scalar backward does
        for (let b = 0; b < B; b++) on[b] = cvec[i * B + b] !== 0 ? 1 : 0;
        const top = delta[k];
        top.fill(0);
        for (let b = 0; b < B; b++) if (on[b]) top[sel[i * B + b] * B + b] = cvec[i * B + b];
        for (let j = k - 1; j >= 0; j--) {
          const off = offsets[j],
            rows = sizes[j + 1],
            cj = sizes[j],
            dn = delta[j + 1],
            aj = A[j];
          for (let r = 0; r < rows; r++)
            for (let c = 0; c < cj; c++) {
              const g = (off + r * cj + c) * B,
                a = (i * cj + c) * B;
              for (let b = 0; b < B; b++) {
                const d = dn[r * B + b];
                if (d !== 0) grad[g + b] += d * aj[a + b];
              }
            }
          if (j === 0) break;
          const dj = delta[j],
            zj = Z[j];
          for (let c = 0; c < cj; c++) {
            const zc = (i * cj + c) * B;
            for (let b = 0; b < B; b++) {
              let s = 0;
              for (let r = 0; r < rows; r++) s += theta[(off + r * cj + c) * B + b] * dn[r * B + b];
              const z = zj[zc + b];
              dj[c * B + b] = on[b] ? s * (leaky ? (z > 0 ? 1 : z < 0 ? gamma[b] : dphiAtZero[b]) : acts[b].dphi(z)) : 0;
            }
          }
        }
      }
    }),
  };
}

/**
 * gradientDescent of every lane, in lock-step: lane b's outcome equals (bit for bit) its scalar run's
 * result, or the error that run throws. All lanes must share gradientDescentLaneKey. Once half of the
 * lanes in the batch have stopped, the running ones are packed into a smaller batch.
 */
export function batchedGradientDescent(lanes: GradientDescentLane[], options: { /** false: JavaScript kernels only */ wasm?: boolean } = {}): LaneOutcome[] {
  const B = lanes.length;
  if (!B) return [];
  const key = gradientDescentLaneKey(lanes[0]);
  if (key === undefined) throw new Error(`batched gradient descent: no batched kernel for the model "${lanes[0].model.name}"`);
  for (const l of lanes)
    if (gradientDescentLaneKey(l) !== key) throw new Error(`batched gradient descent: lanes of different shapes (${key}; ${gradientDescentLaneKey(l)})`);
  // the batch: position p holds lane at[p]; entry i of position p at i·stride + p (stride ≥ width, the number of positions)
  const P = lanes[0].model.nParams;
  // in WebAssembly: the batch's arrays in one of two regions, a packed batch in the other
  let regions: number[] | undefined;
  if (batchedKernels === 'wasm-simd' && !wasmHeld && options.wasm !== false && B >= 2 && wasmCovers(lanes)) {
    const bytes = wasmLayout(0, wasmStride(B), P, lanes[0].X.rows, lanes[0].model.structure!.sizes).bytes;
    const missing = 2 * bytes - wasmMemory!.buffer.byteLength;
    if (missing > 0) wasmMemory!.grow(Math.ceil(missing / 65536));
    regions = [0, bytes];
    wasmHeld = true;
  }
  try {
    return lockStep(lanes, P, regions);
  } finally {
    if (regions) wasmHeld = false;
  }
}

function lockStep(lanes: GradientDescentLane[], P: number, regions: number[] | undefined): LaneOutcome[] {
  const B = lanes.length;
  let at = lanes.map((_, b) => b),
    width = B,
    slot = 0;
  let { state, step } = reluNetStep(lanes, regions?.[slot]);
  let { stride, theta, grad, loss, finite } = state;
  let active = new Uint8Array(width);
  lanes.forEach((l, b) => {
    for (let i = 0; i < P; i++) theta[i * stride + b] = l.theta0[i];
  });
  // each lane's θ as its own array: what its observer sees, and its result
  const views = lanes.map(() => new Float64Array(P));
  const gather = (p: number) => {
    const v = views[at[p]];
    for (let i = 0; i < P; i++) v[i] = theta[i * stride + p];
    return v;
  };
  const steps = Float64Array.from(lanes, (l) => l.steps),
    stopLoss = Float64Array.from(lanes, (l) => l.stopLoss ?? -Infinity),
    observers = lanes.map((l) => l.observe);
  const recs = lanes.map(() => recorder());
  const probe = recorder();
  probe.record(0, 0, 0, true);
  const anyObserver = observers.some((o) => o !== undefined),
    anyStopLoss = stopLoss.some((s) => s > -Infinity);
  let fewestSteps = -Infinity;
  const schedules = lanes.map((l) => (l.snapshots ? snapshotSchedule(l.steps) : undefined));
  const anySnapshots = schedules.some((s) => s !== undefined);
  const snapshots = schedules.map((s) => (s ? ([] as NonNullable<SimResult['snapshots']>) : undefined));
  const out: LaneOutcome[] = new Array(B);
  let running = 0;
  const stop = (p: number, outcome: LaneOutcome) => {
    out[at[p]] = outcome;
    active[p] = 0;
    running--;
  };
  const finish = (p: number, k: number, stoppedBy: SimResult['stoppedBy']) => {
    const b = at[p];
    recs[b].record(k, k, loss[p], true);
    stop(p, {
      result: {
        theta: gather(p),
        loss: loss[p],
        steps: k,
        time: k * lanes[b].eta,
        errorEstimate: 0,
        trajectory: recs[b].points,
        stoppedBy,
        snapshots: snapshots[b],
      },
    });
  };
  // θ, ∇L and L of the running lanes, moved as they are into a batch of their own
  const pack = () => {
    const keep: number[] = [];
    for (let p = 0; p < width; p++) if (active[p]) keep.push(p);
    const n = keep.length;
    slot = 1 - slot;
    const next = reluNetStep(
      keep.map((p) => lanes[at[p]]),
      regions?.[slot],
    );
    const s = next.state.stride;
    keep.forEach((p, q) => {
      for (let i = 0; i < P; i++) {
        next.state.theta[i * s + q] = theta[i * stride + p];
        next.state.grad[i * s + q] = grad[i * stride + p];
      }
      next.state.loss[q] = loss[p];
    });
    at = keep.map((p) => at[p]);
    ({ stride, theta, grad, loss, finite } = next.state);
    [state, step, width] = [next.state, next.step, n];
    active = new Uint8Array(n).fill(1);
  };
  step(state, false);
  for (let p = 0; p < width; p++) {
    active[p] = 1;
    running++;
    recs[p].record(0, 0, loss[p], true);
    try {
      lanes[p].observe?.(gather(p));
    } catch (e) {
      stop(p, { error: e });
    }
  }
  for (let k = 0; running > 0; k++) {
    if (k >= fewestSteps || anyStopLoss) {
      fewestSteps = Infinity;
      for (let p = 0; p < width; p++) {
        if (!active[p]) continue;
        const b = at[p];
        if (k >= steps[b]) finish(p, k, 'steps');
        else if (loss[p] < stopLoss[b]) finish(p, k, 'loss');
        else fewestSteps = Math.min(fewestSteps, steps[b]);
      }
    }
    if (!running) break;
    if (2 * running <= width) pack();
    // stopped lanes still in the batch move on too: their results are already copied out and nothing reads them again
    const diverging = step(state, true);
    // every lane's recorder has seen the same steps as the probe, so it records exactly when the probe does
    const recorded = probe.points.length;
    probe.record(k + 1, k + 1, 0);
    const recordNow = probe.points.length > recorded;
    if (diverging || anyObserver || recordNow || anySnapshots)
      for (let p = 0; p < width; p++) {
        if (!active[p]) continue;
        if (!finite[p]) {
          stop(p, { error: new DivergedError(`step ${k + 1}`) });
          continue;
        }
        const b = at[p],
          observe = observers[b];
        if (observe)
          try {
            observe(gather(p));
          } catch (e) {
            stop(p, { error: e });
            continue;
          }
        if (recordNow) recs[b].record(k + 1, k + 1, loss[p]);
        if (schedules[b]?.has(k + 1)) snapshots[b]!.push({ step: k + 1, theta: Float64Array.from(gather(p)) });
      }
  }
  return out;
}

/** A run that a batched kernel can take together with the other lanes of the same key. */
export interface KernelLane {
  key: string;
  /** the numbers the kernel holds for this lane (θ, ∇L, per-row activations): what a batch's memory grows by per lane (WebAssembly pads a batch to a stride of 64 lanes, a few hundred numbers each) */
  entries: number;
  lane: unknown;
  kernel: (lanes: unknown[]) => LaneOutcome[];
}

/** The lane as a kernel lane; undefined when its model has no batched kernel. */
export function gradientDescentKernelLane(lane: GradientDescentLane): KernelLane | undefined {
  const key = gradientDescentLaneKey(lane);
  if (key === undefined) return undefined;
  const sizes = lane.model.structure!.sizes;
  const entries = 3 * lane.model.nParams + 2 * lane.X.rows * sizes.reduce((a, s) => a + s, 0) + lane.X.rows * lane.X.cols;
  return { key, entries, lane, kernel: batchedGradientDescent as (lanes: unknown[]) => LaneOutcome[] };
}

/** Runs lanes of one key together: outcome b is lane b's. */
export function runKernelLanes(group: KernelLane[]): LaneOutcome[] {
  return group.length ? group[0].kernel(group.map((g) => g.lane)) : [];
}
