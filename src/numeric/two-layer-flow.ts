// Gradient flow of a small two-layer leaky-ReLU net under the square loss (dynamics.ts gradientFlow on
// objective(twoLayerNet(…), squareLoss, …)) with the whole Dormand–Prince attempt loop in one WebAssembly
// function generated per shape: the six evaluations of −∇L written out in two-layer-objective.ts's order,
// the stages and error norm in dormandPrince's order, dopriNextStep's control (Math.pow imported, so the
// growth is JavaScript's), acceptance, FSAL and the stop tests. Every operation is the scalar run's, in its
// order, so the result is bit-identical (test/numeric/two-layer-flow.test.ts). It returns to JavaScript only
// where JavaScript acts: at the recorder's next point, after every accepted step when an observer or the
// accepted steps are asked for, on divergence and at the end. At n = 5 parameters the JavaScript loop was
// per-call overhead (385 ns per attempt on vardi2021.thm1-closest-point's chattering runs).
import {
  assertFinite,
  DivergedError,
  dopriTableau,
  GROWTH_MAX_BELOW,
  GROWTH_MIN_ABOVE,
  recorder,
  type GradientFlowOptions,
  type SimResult,
} from './dynamics.js';
import { cachedKernel } from './kernel-cache.js';
import type { Mat } from './linalg.js';
import { squareLoss, type Loss } from './losses.js';
import type { Activation, Model } from './models.js';
import { TWO_LAYER_KERNEL_MAX } from './two-layer-objective.js';
import { alignedArrays, F64, f64, Fn, I32, i32, section, str, uleb, vec, type Code } from './wasm-asm.js';

/** A two-layer net's shape (Model.twoLayer); the kernel covers leaky ReLUs only. */
interface TwoLayerShape {
  d: number;
  width: number;
  activation: Activation;
  trainOutput: boolean;
  hiddenBias: boolean;
  inputs(X: Mat): Mat | undefined;
}

/** The kernel's shape: n rows, m hidden units, d inputs. */
export interface FlowShape {
  n: number;
  m: number;
  d: number;
  trainOutput: boolean;
  hiddenBias: boolean;
}

/** Parameters up to this many get the kernel (its stages are written out entry by entry). */
export const TWO_LAYER_FLOW_MAX_PARAMS = 256;

// scalars (float64) at S + 8·index
const W = 0,
  GAM = 1,
  DZ = 2,
  TIME = 3,
  RTOL = 4,
  ATOL = 5,
  MAX_STEPS = 6,
  STOP_LOSS = 7,
  REC_NEXT = 8,
  EVERY = 9,
  T = 10,
  H = 11,
  STEPS = 12,
  ERR_SUM = 13,
  LOSS = 14,
  ERR = 15,
  ABS_ERR = 16,
  PENDING = 17,
  SCALARS = 18;
// the current y, y5, k0 and k6 (swapped on acceptance): i32 byte offsets at PTR + 4·index
const PY = 0,
  PY5 = 1,
  PK0 = 2,
  PK6 = 3;

/** What run() returns. */
const enum Status {
  Time = 0,
  Loss = 1,
  MaxSteps = 2,
  /** an accepted step for JavaScript: the recorder's next point, or every step when observed */
  Accepted = 3,
  /** the error norm is not finite (at t before the step) */
  ErrorNotFinite = 5,
  /** the accepted point is not finite (at t after the step) */
  PointNotFinite = 6,
  Underflow = 7,
}

function layout(s: FlowShape) {
  const P = s.m * s.d + s.m + (s.hiddenBias ? s.m : 0);
  const a = alignedArrays(16);
  const ptr = a.take(2);
  const S = a.take(SCALARS);
  const X = a.take(s.n * s.d),
    Y = a.take(s.n);
  const ys = [a.take(P), a.take(P)];
  const k = Array.from({ length: 7 }, () => a.take(P));
  const tmp = a.take(P);
  return { P, ptr, S, X, Y, ys, k, tmp, bytes: a.end() };
}

const op = {
  abs: (a: Code): Code => [...a, 0x99],
  neg: (a: Code): Code => [...a, 0x9a],
  div: (a: Code, b: Code): Code => [...a, ...b, 0xa3],
  min: (a: Code, b: Code): Code => [...a, ...b, 0xa4],
  max: (a: Code, b: Code): Code => [...a, ...b, 0xa5],
  lt: (a: Code, b: Code): Code => [...a, ...b, 0x63],
  le: (a: Code, b: Code): Code => [...a, ...b, 0x65],
  ge: (a: Code, b: Code): Code => [...a, ...b, 0x66],
  and: (a: Code, b: Code): Code => [...a, ...b, 0x71],
  or: (a: Code, b: Code): Code => [...a, ...b, 0x72],
  eqz: (a: Code): Code => [...a, 0x45],
  i32store: (addr: Code, x: Code, offset: number): Code => [...addr, ...x, 0x36, 2, ...uleb(offset)],
  call: (index: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(index)],
  /** if cond { then } (else { otherwise }) with no result */
  if: (cond: Code, then: Code, otherwise?: Code): Code => [...cond, 0x04, 0x40, ...then, ...(otherwise ? [0x05, ...otherwise] : []), 0x0b],
  /** if cond then a else b, as an f64 value */
  ifF64: (cond: Code, a: Code, b: Code): Code => [...cond, 0x04, F64, ...a, 0x05, ...b, 0x0b],
  br: (depth: number): Code => [0x0c, ...uleb(depth)],
};
const finite = (x: Code): Code => op.lt(op.abs(x), f64.c(Infinity));
const sum = (terms: Code[]): Code => terms.reduce((acc, t) => f64.add(acc, t));
// function indices: the import Math.pow, then f and run
const POW = 0,
  FUNC_F = 1;

/**
 * f(src, dst): L(θ) for θ at byte offset src, −∇L(θ) written at dst; two-layer-objective.ts's kernelSource with
 * a leaky ReLU, the square loss and `negate`, operation by operation (a branch where it branches, a select where
 * both arms are pure).
 */
function objectiveFn(s: FlowShape, L: ReturnType<typeof layout>) {
  const { n, m, d } = s;
  const nW = m * d,
    nB = nW + m;
  const f = new Fn('f', [
    ['src', I32],
    ['dst', I32],
  ]);
  const at = (addr: number) => f64.load(i32.c(0), addr);
  const g = f.get;
  const body: Code = [];
  const set = (name: string, x: Code) => body.push(...f.set(name, F64, x));
  for (let q = 0; q < L.P; q++) set(`t${q}`, f64.load(g('src'), 8 * q));
  for (let q = 0; q < n * d; q++) set(`x${q}`, at(L.X + 8 * q));
  set('w', at(L.S + 8 * W));
  set('gam', at(L.S + 8 * GAM));
  set('dz', at(L.S + 8 * DZ));
  const phi = (z: string) => f64.select(g(z), f64.mul(g('gam'), g(z)), f64.gt(g(z), f64.c(0)));
  const dphi = (z: string) => f64.select(f64.c(1), f64.select(g('gam'), g('dz'), op.lt(g(z), f64.c(0))), f64.gt(g(z), f64.c(0)));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const init = s.hiddenBias ? g(`t${nB + j}`) : f64.c(0);
      set(`z${i}_${j}`, sum([init, ...Array.from({ length: d }, (_, k) => f64.mul(g(`t${j * d + k}`), g(`x${i * d + k}`)))]));
    }
  set('ls', f64.c(0));
  for (let i = 0; i < n; i++) {
    set(`f${i}`, sum([f64.c(0), ...Array.from({ length: m }, (_, j) => f64.mul(g(`t${nW + j}`), phi(`z${i}_${j}`)))]));
    set(`r${i}`, f64.sub(g(`f${i}`), at(L.Y + 8 * i)));
    set('ls', f64.add(g('ls'), f64.mul(f64.mul(f64.c(0.5), g(`r${i}`)), g(`r${i}`))));
    set(`c${i}`, f64.mul(g('w'), g(`r${i}`)));
  }
  for (let j = 0; j < m; j++) {
    if (s.trainOutput) set(`gv${j}`, f64.c(0));
    if (s.hiddenBias) set(`gb${j}`, f64.c(0));
  }
  for (let i = 0; i < n; i++) {
    const zero: Code = [],
      rest: Code = [];
    for (let j = 0; j < m; j++) {
      const z = `z${i}_${j}`,
        G = `G${i}_${j}`;
      zero.push(...f.set(G, F64, f64.c(0)));
      if (s.trainOutput) rest.push(...f.set(`gv${j}`, F64, f64.add(g(`gv${j}`), f64.mul(g(`c${i}`), phi(z)))));
      rest.push(...f.set(G, F64, f64.mul(f64.mul(g(`c${i}`), g(`t${nW + j}`)), dphi(z))));
      if (s.hiddenBias) rest.push(...f.set(`gb${j}`, F64, f64.add(g(`gb${j}`), g(G))));
    }
    body.push(...op.if(f64.eq(g(`c${i}`), f64.c(0)), zero, rest));
  }
  const blocked = n - (n % 4);
  const out = (q: number, x: Code) => body.push(...f64.store(g('dst'), x, 8 * q));
  for (let j = 0; j < m; j++)
    for (let k = 0; k < d; k++) {
      set('a', sum([f64.c(0), ...Array.from({ length: blocked }, (_, i) => f64.mul(g(`G${i}_${j}`), g(`x${i * d + k}`)))]));
      for (let i = blocked; i < n; i++) {
        const G = g(`G${i}_${j}`);
        set('a', f64.select(f64.add(g('a'), f64.mul(G, g(`x${i * d + k}`))), g('a'), f64.ne(G, f64.c(0))));
      }
      out(j * d + k, op.neg(g('a')));
    }
  for (let j = 0; j < m; j++) out(nW + j, s.trainOutput ? op.neg(g(`gv${j}`)) : f64.c(-0));
  if (s.hiddenBias) for (let j = 0; j < m; j++) out(nB + j, op.neg(g(`gb${j}`)));
  body.push(...f64.mul(g('w'), g('ls')));
  return f.build(F64, body);
}

/** run(): dormandPrince's loop from the state in memory until it stops or JavaScript must act; returns a Status. */
function runFn(L: ReturnType<typeof layout>) {
  const { P } = L;
  const { A, B5, B4 } = dopriTableau;
  const f = new Fn('run', []);
  const g = f.get;
  const scalar = (k: number) => f64.load(i32.c(0), L.S + 8 * k);
  const store = (k: number, x: Code) => f64.store(i32.c(0), x, L.S + 8 * k);
  const setF = (name: string, x: Code) => f.set(name, F64, x);
  const setI = (name: string, x: Code) => f.set(name, I32, x);
  const state: Array<[string, number]> = [
    ['t', T],
    ['h', H],
    ['steps', STEPS],
    ['errSum', ERR_SUM],
    ['loss', LOSS],
    ['err', ERR],
    ['absErr', ABS_ERR],
  ];
  const ptrs: Array<[string, number]> = [
    ['pY', PY],
    ['pY5', PY5],
    ['pK0', PK0],
    ['pK6', PK6],
  ];
  const body: Code = [];
  for (const [name, k] of state) body.push(...setF(name, scalar(k)));
  for (const [name, k] of [
    ['time', TIME],
    ['rtol', RTOL],
    ['atol', ATOL],
    ['maxSteps', MAX_STEPS],
    ['stopLoss', STOP_LOSS],
    ['recNext', REC_NEXT],
    ['every', EVERY],
  ] as Array<[string, number]>)
    body.push(...setF(name, scalar(k)));
  for (const [name, k] of ptrs) body.push(...setI(name, i32.load(i32.c(0), L.ptr + 4 * k)));
  body.push(...setI('st', i32.c(Status.Time)));
  // dopriNextStep(h, err, t); `exit`: the outer block's branch depth where this code sits
  const nextStep = (exit: number): Code => [
    ...setF(
      'growth',
      op.ifF64(
        op.lt(g('err'), f64.c(GROWTH_MAX_BELOW)),
        f64.c(5),
        op.ifF64(
          f64.gt(g('err'), f64.c(GROWTH_MIN_ABOVE)),
          f64.c(0.2),
          op.min(f64.c(5), op.max(f64.c(0.2), f64.mul(f64.c(0.9), op.call(POW, g('err'), f64.c(-0.2))))),
        ),
      ),
    ),
    ...setF('next', f64.mul(g('h'), g('growth'))),
    ...op.if(op.lt(g('next'), f64.mul(f64.c(1e-14), op.max(f64.c(1), g('t')))), [...setI('st', i32.c(Status.Underflow)), ...op.br(exit + 1)]),
    ...setF('h', g('next')),
  ];
  const leave = (status: Status, depth: number): Code => [...setI('st', i32.c(status)), ...op.br(depth)];
  const ld = (base: Code, i: number, offset = 0) => f64.load(base, offset + 8 * i);
  const fixed = (addr: number, i: number) => f64.load(i32.c(0), addr + 8 * i);
  const kAt = (r: number, i: number) => (r === 0 ? ld(g('pK0'), i) : r === 6 ? ld(g('pK6'), i) : fixed(L.k[r], i));
  const loop: Code = [];
  // while (t < time), the stop tests (inside: if 0, loop 1, block 2)
  loop.push(...op.if(op.eqz(op.lt(g('t'), g('time'))), leave(Status.Time, 2)));
  loop.push(...op.if(op.lt(g('loss'), g('stopLoss')), leave(Status.Loss, 2)));
  loop.push(...op.if(op.ge(g('steps'), g('maxSteps')), leave(Status.MaxSteps, 2)));
  loop.push(...op.if(f64.gt(f64.add(g('t'), g('h')), g('time')), setF('h', f64.sub(g('time'), g('t')))));
  for (let q = 0; q < A.length; q++) loop.push(...setF(`hA${q}`, f64.mul(g('h'), f64.c(A[q]))));
  // stage s: tmp = y + Σ_r (h·a_sr)·k_r, then k_s = F(tmp)
  for (let s = 1, q = 0; s <= 6; s++) {
    const first = q;
    for (let i = 0; i < P; i++)
      loop.push(...f64.store(i32.c(0), sum([ld(g('pY'), i), ...Array.from({ length: s }, (_, r) => f64.mul(g(`hA${first + r}`), kAt(r, i)))]), L.tmp + 8 * i));
    q += s;
    const call = op.call(FUNC_F, i32.c(L.tmp), s === 6 ? g('pK6') : i32.c(L.k[s]));
    loop.push(...(s === 6 ? setF('lossEnd', call) : [...call, 0x1a]));
  }
  loop.push(...setF('err', f64.c(0)), ...setF('absErr', f64.c(0)));
  for (let i = 0; i < P; i++) {
    for (let r = 0; r < 7; r++) loop.push(...setF(`q${r}`, kAt(r, i)));
    const weighted = (b: number[]) => sum([f64.c(0), ...b.map((c, r) => f64.mul(f64.c(c), g(`q${r}`)))]);
    loop.push(...setF('a5', weighted(B5)), ...setF('a4', weighted(B4)));
    loop.push(...setF('yi', ld(g('pY'), i)), ...setF('y5i', f64.add(g('yi'), f64.mul(g('h'), g('a5')))));
    loop.push(...f64.store(g('pY5'), g('y5i'), 8 * i));
    loop.push(...setF('e', f64.mul(g('h'), op.abs(f64.sub(g('a5'), g('a4'))))));
    loop.push(...setF('absErr', op.max(g('absErr'), g('e'))));
    loop.push(...setF('sc', f64.add(g('atol'), f64.mul(g('rtol'), op.max(op.abs(g('yi')), op.abs(g('y5i')))))));
    loop.push(...setF('err', op.max(g('err'), op.div(g('e'), g('sc')))));
  }
  loop.push(...op.if(op.eqz(finite(g('err'))), leave(Status.ErrorNotFinite, 2)));
  // acceptance (inside its if: if 0, loop 1, block 2; one more inside the ifs below)
  const accept: Code = [
    ...setF('t', f64.add(g('t'), g('h'))),
    ...setF('steps', f64.add(g('steps'), f64.c(1))),
    ...setF('errSum', f64.add(g('errSum'), g('absErr'))),
    ...setI('sw', g('pY')),
    ...setI('pY', g('pY5')),
    ...setI('pY5', g('sw')),
    ...setI('sw', g('pK0')),
    ...setI('pK0', g('pK6')),
    ...setI('pK6', g('sw')),
    ...setF('loss', g('lossEnd')),
    ...setI('fin', finite(g('loss'))),
  ];
  for (let i = 0; i < P; i++) accept.push(...setI('fin', op.and(g('fin'), finite(ld(g('pY'), i)))));
  accept.push(...op.if(op.eqz(g('fin')), leave(Status.PointNotFinite, 3)));
  accept.push(...op.if(op.or(f64.ne(g('every'), f64.c(0)), op.ge(g('steps'), g('recNext'))), [...store(PENDING, f64.c(1)), ...leave(Status.Accepted, 3)]));
  loop.push(...op.if(op.le(g('err'), f64.c(1)), accept));
  loop.push(...nextStep(1), ...op.br(0));
  // block { if (pending) { the accepted step's dopriNextStep } loop { … } }
  body.push(0x02, 0x40);
  body.push(...op.if(f64.ne(scalar(PENDING), f64.c(0)), [...store(PENDING, f64.c(0)), ...nextStep(1)]));
  body.push(0x03, 0x40, ...loop, 0x0b, 0x0b);
  for (const [name, k] of state) body.push(...store(k, g(name)));
  for (const [name, k] of ptrs) body.push(...op.i32store(i32.c(0), g(name), L.ptr + 4 * k));
  body.push(...g('st'));
  return f.build(I32, body);
}

/** The module: imports env.memory and env.pow (Math.pow); exports f (function 1) and run (function 2). */
function flowModule(s: FlowShape): Uint8Array<ArrayBuffer> {
  const L = layout(s);
  const fns = [objectiveFn(s, L), runFn(L)];
  const powType = [0x60, ...vec([[F64], [F64]]), ...vec([[F64]])];
  return Uint8Array.from(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].concat(
      section(1, vec([powType, ...fns.map((f) => f.type)])),
      section(
        2,
        vec([
          [...str('env'), ...str('memory'), 0x02, 0x00, 0x00],
          [...str('env'), ...str('pow'), 0x00, ...uleb(0)],
        ]),
      ),
      section(3, vec(fns.map((_, i) => uleb(i + 1)))),
      section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i + 1)]))),
      section(10, vec(fns.map((f) => f.code))),
    ),
  );
}

interface Instance {
  f: (src: number, dst: number) => number;
  run: () => Status;
  memory: WebAssembly.Memory;
}

const modules = new Map<string, WebAssembly.Module>();
/** Instances not in use, by shape: a run started from an observer takes another one. */
const idle = new Map<string, Instance[]>();

const shapeKey = (s: FlowShape) => `${s.n} ${s.m} ${s.d} ${s.trainOutput} ${s.hiddenBias}`;

function instantiate(s: FlowShape, key: string): Instance {
  const mod = cachedKernel(modules, key, () => new WebAssembly.Module(flowModule(s)));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(layout(s).bytes / 65536) });
  const e = new WebAssembly.Instance(mod, { env: { memory, pow: Math.pow } }).exports as unknown as Omit<Instance, 'memory'>;
  return { f: e.f, run: e.run, memory };
}

/** Whether the kernel runs: 'wasm', or 'js' (CLAIMCHECK_KERNELS=js, or a WebAssembly that rejects the module), where gradientFlow runs instead. */
export const twoLayerFlowKernels: 'wasm' | 'js' = (() => {
  if (process.env.CLAIMCHECK_KERNELS === 'js') return 'js';
  try {
    return WebAssembly.validate(flowModule({ n: 1, m: 1, d: 1, trainOutput: true, hiddenBias: true })) ? 'wasm' : 'js';
  } catch {
    return 'js';
  }
})();

/** The kernel's shape for objective(model, loss, X, y, ·); undefined where it has none (then twoLayerGradientFlow answers undefined). */
export function twoLayerFlowShape(model: Model, loss: Loss, X: Mat): FlowShape | undefined {
  const s = (model as { twoLayer?: TwoLayerShape }).twoLayer;
  const A = s?.inputs(X);
  if (!s || !A || !s.activation.leaky || loss !== squareLoss) return undefined;
  const n = A.rows,
    m = s.width,
    d = s.d,
    P = model.nParams;
  if (A.cols !== d || n !== X.rows || n < 1 || P !== m * d + m + (s.hiddenBias ? m : 0) || n * m * d > TWO_LAYER_KERNEL_MAX || P > TWO_LAYER_FLOW_MAX_PARAMS)
    return undefined;
  return { n, m, d, trainOutput: s.trainOutput, hiddenBias: s.hiddenBias };
}

/**
 * gradientFlow(objective(model, loss, X, y, reduction), theta0, o) on the generated kernel: the same SimResult,
 * DivergedError messages, observer calls and accepted steps. undefined where the kernel does not apply
 * (not a leaky-ReLU two-layer net under the square loss, too large, or kernels off).
 */
export function twoLayerGradientFlow(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  reduction: 'sum' | 'mean',
  theta0: Float64Array,
  o: GradientFlowOptions,
): SimResult | undefined {
  if (twoLayerFlowKernels !== 'wasm') return undefined;
  const s = twoLayerFlowShape(model, loss, X);
  if (!s) return undefined;
  const key = shapeKey(s);
  const inst = idle.get(key)?.pop() ?? instantiate(s, key);
  try {
    return integrate(inst, s, (model as { twoLayer?: TwoLayerShape }).twoLayer!, X, y, reduction === 'mean' ? 1 / X.rows : 1, theta0, o);
  } finally {
    const list = idle.get(key);
    if (list) list.push(inst);
    else idle.set(key, [inst]);
  }
}

function integrate(
  inst: Instance,
  s: FlowShape,
  net: TwoLayerShape,
  X: Mat,
  y: Float64Array,
  w: number,
  theta0: Float64Array,
  o: GradientFlowOptions,
): SimResult {
  const L = layout(s);
  const buf = inst.memory.buffer;
  const S = new Float64Array(buf, L.S, SCALARS);
  const ptr = new Int32Array(buf, L.ptr, 4);
  const views = new Map(L.ys.map((at) => [at, new Float64Array(buf, at, L.P)]));
  new Float64Array(buf, L.X, s.n * s.d).set(net.inputs(X)!.data);
  new Float64Array(buf, L.Y, s.n).set(y);
  const { time, rtol, atol, maxSteps, stopLoss, observe, acceptedSteps } = o;
  const leaky = net.activation.leaky!;
  S.fill(0);
  S[W] = w;
  S[GAM] = leaky.gamma;
  S[DZ] = leaky.dphiAtZero;
  S[TIME] = time;
  S[RTOL] = rtol;
  S[ATOL] = atol;
  S[MAX_STEPS] = maxSteps;
  S[STOP_LOSS] = stopLoss ?? NaN; // loss < NaN never holds
  S[EVERY] = observe || acceptedSteps ? 1 : 0;
  ptr.set([L.ys[0], L.ys[1], L.k[0], L.k[6]]);
  const y0 = views.get(L.ys[0])!;
  y0.set(theta0);
  let loss = inst.f(L.ys[0], L.k[0]);
  assertFinite(y0, loss, 't = 0');
  observe?.(y0);
  S[H] = o.h0 ?? Math.min(time, 1e-3);
  S[LOSS] = loss;
  const rec = recorder();
  rec.record(0, 0, loss, true);
  // the recorder's next step, mirrored (recorder() records at step k ≥ next, then next = max(k + 1, ⌈1.08 k⌉))
  S[REC_NEXT] = 1;
  let stoppedBy: SimResult['stoppedBy'];
  for (;;) {
    const st = inst.run();
    if (st === Status.Accepted) {
      const steps = S[STEPS];
      acceptedSteps?.push(S[H]);
      observe?.(views.get(ptr[PY])!, undefined, S[ABS_ERR]);
      rec.record(steps, S[T], S[LOSS]);
      if (steps >= S[REC_NEXT]) S[REC_NEXT] = Math.max(steps + 1, Math.ceil(steps * 1.08));
      continue;
    }
    if (st === Status.PointNotFinite) acceptedSteps?.push(S[H]);
    if (st === Status.ErrorNotFinite || st === Status.PointNotFinite) throw new DivergedError(`t = ${S[T]}`);
    if (st === Status.Underflow) throw new DivergedError(`t = ${S[T]} (step size underflow)`);
    stoppedBy = st === Status.Loss ? 'loss' : st === Status.MaxSteps ? 'max-steps' : 'time';
    break;
  }
  loss = S[LOSS];
  const steps = S[STEPS],
    t = S[T];
  rec.record(steps, t, loss, true);
  return { theta: Float64Array.from(views.get(ptr[PY])!), loss, steps, time: t, errorEstimate: S[ERR_SUM], trajectory: rec.points, stoppedBy };
}
