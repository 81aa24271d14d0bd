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
import { cachedKernel, IdleInstances } from './kernel-cache.js';
import type { Mat } from './linalg.js';
import { squareLoss, type Loss } from './losses.js';
import type { Activation, Model } from './models.js';
import type { KernelLane, LaneOutcome } from './batched.js';
import { TWO_LAYER_KERNEL_MAX } from './two-layer-objective.js';
import { alignedArrays, F64, f64, f64x2, Fn, I32, i32, section, simd, str, uleb, V128, vec, type Code } from './wasm-asm.js';

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
  /** two lanes only: the lane's Status once it stopped, and 1 while it runs */
  STATUS = 18,
  ACTIVE = 19,
  SCALARS = 20;
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
  const Z = a.take(s.n * s.m),
    G = a.take(s.n * s.m);
  return { P, ptr, S, X, Y, ys, k, tmp, Z, G, bytes: a.end() };
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

/** Float64 arithmetic on one lane (f64) or two (f64x2: lane l of entry q at byte 16q + 8l), the same IEEE operations per lane. */
interface Num {
  lanes: 1 | 2;
  type: number;
  c(x: number): Code;
  load(addr: Code, offset: number): Code;
  store(addr: Code, x: Code, offset: number): Code;
  add(a: Code, b: Code): Code;
  sub(a: Code, b: Code): Code;
  mul(a: Code, b: Code): Code;
  div(a: Code, b: Code): Code;
  max(a: Code, b: Code): Code;
  abs(a: Code): Code;
  neg(a: Code): Code;
  gt(a: Code, b: Code): Code;
  lt(a: Code, b: Code): Code;
  le(a: Code, b: Code): Code;
  eq(a: Code, b: Code): Code;
  ne(a: Code, b: Code): Code;
  /** a where cond holds, else b */
  select(a: Code, b: Code, cond: Code): Code;
}
const scalarNum: Num = {
  lanes: 1,
  type: F64,
  c: f64.c,
  load: f64.load,
  store: f64.store,
  add: f64.add,
  sub: f64.sub,
  mul: f64.mul,
  div: op.div,
  max: op.max,
  abs: op.abs,
  neg: op.neg,
  gt: f64.gt,
  lt: op.lt,
  le: op.le,
  eq: f64.eq,
  ne: f64.ne,
  select: f64.select,
};
const pairNum: Num = {
  lanes: 2,
  type: V128,
  c: (x) => f64x2.splat(f64.c(x)),
  load: f64x2.load,
  store: f64x2.store,
  add: f64x2.add,
  sub: f64x2.sub,
  mul: f64x2.mul,
  div: (a, b) => simd(0xf3, a, b),
  max: (a, b) => simd(0xf5, a, b),
  abs: f64x2.abs,
  neg: (a) => simd(0xed, a),
  gt: f64x2.gt,
  lt: f64x2.lt,
  le: (a, b) => simd(0x4b, a, b),
  eq: (a, b) => simd(0x47, a, b),
  ne: f64x2.ne,
  select: f64x2.select,
};

/**
 * f(src, dst): L(θ) for θ at byte offset src, −∇L(θ) written at dst; two-layer-objective.ts's kernelSource with
 * a leaky ReLU, the square loss and `negate`, operation by operation (a select where both arms are pure; its
 * branch on c_i = 0 a branch for one lane, selects for two, the same values).
 */
function objectiveFn(s: FlowShape, L: { P: number; S: number; X: number; Y: number; Z: number; G: number }, V: Num = scalarNum) {
  const { n, m, d } = s;
  const nW = m * d,
    nB = nW + m,
    stride = 8 * V.lanes;
  const f = new Fn('f', [
    ['src', I32],
    ['dst', I32],
  ]);
  const at = (addr: number) => V.load(i32.c(0), addr);
  const g = f.get;
  const body: Code = [];
  const set = (name: string, x: Code) => body.push(...f.set(name, V.type, x));
  const sumV = (terms: Code[]): Code => terms.reduce((acc, t) => V.add(acc, t));
  // θ, X, z and G read from memory where used, not held in locals: TurboFan's registers spill badly with a hundred live vectors
  const t = (q: number) => V.load(g('src'), stride * q);
  const x = (q: number) => at(L.X + stride * q);
  const z = (i: number, j: number) => at(L.Z + stride * (i * m + j));
  const G = (i: number, j: number) => at(L.G + stride * (i * m + j));
  const put = (addr: number, v: Code) => body.push(...V.store(i32.c(0), v, addr));
  set('w', at(L.S + stride * W));
  set('gam', at(L.S + stride * GAM));
  set('dz', at(L.S + stride * DZ));
  set('zero', V.c(0));
  const phi = (z: Code) => V.select(z, V.mul(g('gam'), z), V.gt(z, g('zero')));
  const dphi = (z: Code) => V.select(V.c(1), V.select(g('gam'), g('dz'), V.lt(z, g('zero'))), V.gt(z, g('zero')));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const init = s.hiddenBias ? t(nB + j) : V.c(0);
      put(L.Z + stride * (i * m + j), sumV([init, ...Array.from({ length: d }, (_, k) => V.mul(t(j * d + k), x(i * d + k)))]));
    }
  set('ls', V.c(0));
  for (let i = 0; i < n; i++) {
    set(`f${i}`, sumV([V.c(0), ...Array.from({ length: m }, (_, j) => V.mul(t(nW + j), phi(z(i, j))))]));
    set(`r${i}`, V.sub(g(`f${i}`), at(L.Y + stride * i)));
    set('ls', V.add(g('ls'), V.mul(V.mul(V.c(0.5), g(`r${i}`)), g(`r${i}`))));
    set(`c${i}`, V.mul(g('w'), g(`r${i}`)));
  }
  for (let j = 0; j < m; j++) {
    if (s.trainOutput) set(`gv${j}`, V.c(0));
    if (s.hiddenBias) set(`gb${j}`, V.c(0));
  }
  for (let i = 0; i < n; i++) {
    const zero: Code = [],
      rest: Code = [];
    const isZero = V.eq(g(`c${i}`), g('zero'));
    // a row with c_i = 0 adds nothing and has G_ij = 0
    const unless = (x: Code, old: Code) => (V.lanes === 1 ? x : V.select(old, x, isZero));
    for (let j = 0; j < m; j++) {
      const Gij = L.G + stride * (i * m + j);
      if (V.lanes === 1) zero.push(...V.store(i32.c(0), V.c(0), Gij));
      if (s.trainOutput) rest.push(...f.set(`gv${j}`, V.type, unless(V.add(g(`gv${j}`), V.mul(g(`c${i}`), phi(z(i, j)))), g(`gv${j}`))));
      rest.push(...V.store(i32.c(0), unless(V.mul(V.mul(g(`c${i}`), t(nW + j)), dphi(z(i, j))), V.c(0)), Gij));
      if (s.hiddenBias) rest.push(...f.set(`gb${j}`, V.type, unless(V.add(g(`gb${j}`), G(i, j)), g(`gb${j}`))));
    }
    body.push(...(V.lanes === 1 ? op.if(isZero, zero, rest) : rest));
  }
  const blocked = n - (n % 4);
  const out = (q: number, x: Code) => body.push(...V.store(g('dst'), x, stride * q));
  for (let j = 0; j < m; j++)
    for (let k = 0; k < d; k++) {
      set('a', sumV([V.c(0), ...Array.from({ length: blocked }, (_, i) => V.mul(G(i, j), x(i * d + k)))]));
      for (let i = blocked; i < n; i++) set('a', V.select(V.add(g('a'), V.mul(G(i, j), x(i * d + k))), g('a'), V.ne(G(i, j), g('zero'))));
      out(j * d + k, V.neg(g('a')));
    }
  for (let j = 0; j < m; j++) out(nW + j, s.trainOutput ? V.neg(g(`gv${j}`)) : V.c(-0));
  if (s.hiddenBias) for (let j = 0; j < m; j++) out(nB + j, V.neg(g(`gb${j}`)));
  body.push(...V.mul(g('w'), g('ls')));
  return f.build(V.type, body);
}

/** dopriNextStep's growth factor from the scaled error `err` (its clamps, Math.pow imported for the mid range). */
function dopriGrowth(err: Code): Code {
  return op.ifF64(
    op.lt(err, f64.c(GROWTH_MAX_BELOW)),
    f64.c(5),
    op.ifF64(f64.gt(err, f64.c(GROWTH_MIN_ABOVE)), f64.c(0.2), op.min(f64.c(5), op.max(f64.c(0.2), f64.mul(f64.c(0.9), op.call(POW, err, f64.c(-0.2)))))),
  );
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
    ...setF('growth', dopriGrowth(g('err'))),
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

/** The module of one lane (`pair` false) or two: imports env.memory and env.pow (Math.pow); exports f (function 1), run (2) and, for two lanes, init (3). */
function flowModule(s: FlowShape, pair = false): Uint8Array<ArrayBuffer> {
  const fns = pair
    ? [objectiveFn(s, pairLayout(s), pairNum), pairRunFn(pairLayout(s)), pairInitFn(pairLayout(s))]
    : [objectiveFn(s, layout(s)), runFn(layout(s))];
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

/** Two lanes: each scalar and each entry of X, y, θ and the stages as a pair (lane l at byte 8l of 16). */
function pairLayout(s: FlowShape) {
  const P = s.m * s.d + s.m + (s.hiddenBias ? s.m : 0);
  const a = alignedArrays(16);
  const S = a.take(2 * SCALARS);
  const X = a.take(2 * s.n * s.d),
    Y = a.take(2 * s.n);
  const y = a.take(2 * P),
    y5 = a.take(2 * P);
  const k = Array.from({ length: 7 }, () => a.take(2 * P));
  const tmp = a.take(2 * P),
    acc = a.take(2);
  const Z = a.take(2 * s.n * s.m),
    G = a.take(2 * s.n * s.m);
  return { P, S, X, Y, y, y5, k, tmp, acc, Z, G, bytes: a.end() };
}

/**
 * run() for two lanes in lock-step, each with its own t, h, step count and stop: the stages, evaluations and error
 * norm two lanes per f64x2 vector; acceptance a mask (y ← y5 and k0 ← k6 where accepted, else kept); the stop tests
 * and dopriNextStep per lane. Returns Status.Accepted when a lane's accepted step is for JavaScript (PENDING set;
 * its dopriNextStep runs on the next call), else Status.Time once no lane runs (each lane's STATUS says why).
 */
function pairRunFn(L: ReturnType<typeof pairLayout>) {
  const { P } = L;
  const { A, B5, B4 } = dopriTableau;
  const V = pairNum;
  const f = new Fn('run', []);
  const g = f.get;
  const at = (k: number, l: number) => f64.load(i32.c(0), L.S + 16 * k + 8 * l);
  const put = (k: number, l: number, x: Code) => f64.store(i32.c(0), x, L.S + 16 * k + 8 * l);
  const vat = (k: number) => f64x2.load(i32.c(0), L.S + 16 * k);
  const vput = (k: number, x: Code) => f64x2.store(i32.c(0), x, L.S + 16 * k);
  const vld = (addr: number, i: number) => f64x2.load(i32.c(0), addr + 16 * i);
  const vst = (addr: number, i: number, x: Code) => f64x2.store(i32.c(0), x, addr + 16 * i);
  const setF = (name: string, x: Code) => f.set(name, F64, x);
  const setV = (name: string, x: Code) => f.set(name, V128, x);
  const setI = (name: string, x: Code) => f.set(name, I32, x);
  const active = (l: number) => f64.ne(at(ACTIVE, l), f64.c(0));
  const stop = (l: number, status: Status): Code => [...put(ACTIVE, l, f64.c(0)), ...put(STATUS, l, f64.c(status))];
  const nextStep = (l: number): Code => [
    ...setF('errL', at(ERR, l)),
    ...setF('hL', at(H, l)),
    ...setF('tL', at(T, l)),
    ...setF('growth', dopriGrowth(g('errL'))),
    ...setF('next', f64.mul(g('hL'), g('growth'))),
    ...op.if(op.lt(g('next'), f64.mul(f64.c(1e-14), op.max(f64.c(1), g('tL')))), stop(l, Status.Underflow), put(H, l, g('next'))),
  ];
  const lanes = [0, 1];
  const body: Code = [...setI('st', i32.c(Status.Time)), ...setV('rtol', vat(RTOL)), ...setV('atol', vat(ATOL))];
  const loop: Code = [];
  // while (t < time) and the stop tests, per running lane
  for (const l of lanes)
    loop.push(
      ...op.if(
        active(l),
        op.if(
          op.eqz(op.lt(at(T, l), at(TIME, l))),
          stop(l, Status.Time),
          op.if(
            op.lt(at(LOSS, l), at(STOP_LOSS, l)),
            stop(l, Status.Loss),
            op.if(
              op.ge(at(STEPS, l), at(MAX_STEPS, l)),
              stop(l, Status.MaxSteps),
              op.if(f64.gt(f64.add(at(T, l), at(H, l)), at(TIME, l)), put(H, l, f64.sub(at(TIME, l), at(T, l)))),
            ),
          ),
        ),
      ),
    );
  // no lane runs: leave (inside: if 0, loop 1, block 2)
  loop.push(...op.if(op.and(op.eqz(active(0)), op.eqz(active(1))), [...setI('st', i32.c(Status.Time)), ...op.br(2)]));
  loop.push(...setV('hv', vat(H)));
  for (let q = 0; q < A.length; q++) loop.push(...setV(`hA${q}`, V.mul(g('hv'), V.c(A[q]))));
  for (let s = 1, q = 0; s <= 6; s++) {
    const first = q;
    for (let i = 0; i < P; i++)
      loop.push(
        ...vst(
          L.tmp,
          i,
          [vld(L.y, i), ...Array.from({ length: s }, (_, r) => V.mul(g(`hA${first + r}`), vld(L.k[r], i)))].reduce((a, t) => V.add(a, t)),
        ),
      );
    q += s;
    const call = op.call(FUNC_F, i32.c(L.tmp), i32.c(L.k[s]));
    loop.push(...(s === 6 ? setV('lossEnd', call) : [...call, 0x1a]));
  }
  loop.push(...setV('err', V.c(0)), ...setV('absErr', V.c(0)));
  for (let i = 0; i < P; i++) {
    for (let r = 0; r < 7; r++) loop.push(...setV(`q${r}`, vld(L.k[r], i)));
    const weighted = (b: number[]) => [V.c(0), ...b.map((c, r) => V.mul(V.c(c), g(`q${r}`)))].reduce((a, t) => V.add(a, t));
    loop.push(...setV('a5', weighted(B5)), ...setV('a4', weighted(B4)));
    loop.push(...setV('yi', vld(L.y, i)), ...setV('y5i', V.add(g('yi'), V.mul(g('hv'), g('a5')))));
    loop.push(...vst(L.y5, i, g('y5i')));
    loop.push(...setV('e', V.mul(g('hv'), V.abs(V.sub(g('a5'), g('a4'))))));
    loop.push(...setV('absErr', V.max(g('absErr'), g('e'))));
    loop.push(...setV('sc', V.add(g('atol'), V.mul(g('rtol'), V.max(V.abs(g('yi')), V.abs(g('y5i')))))));
    loop.push(...setV('err', V.max(g('err'), V.div(g('e'), g('sc')))));
  }
  loop.push(...vput(ERR, g('err')), ...vput(ABS_ERR, g('absErr')));
  for (const l of lanes) loop.push(...op.if(active(l), op.if(op.eqz(finite(at(ERR, l))), stop(l, Status.ErrorNotFinite))));
  // accepted: running, err ≤ 1
  loop.push(...setV('acc', f64x2.and(V.ne(vat(ACTIVE), V.c(0)), V.le(g('err'), V.c(1)))));
  loop.push(...f64x2.store(i32.c(0), g('acc'), L.acc));
  const keep = (fresh: Code, old: Code) => V.select(fresh, old, g('acc'));
  loop.push(...vput(T, keep(V.add(vat(T), g('hv')), vat(T))));
  loop.push(...vput(STEPS, keep(V.add(vat(STEPS), V.c(1)), vat(STEPS))));
  loop.push(...vput(ERR_SUM, keep(V.add(vat(ERR_SUM), g('absErr')), vat(ERR_SUM))));
  loop.push(...vput(LOSS, keep(g('lossEnd'), vat(LOSS))));
  for (let i = 0; i < P; i++) {
    loop.push(...vst(L.y, i, keep(vld(L.y5, i), vld(L.y, i))));
    loop.push(...vst(L.k[0], i, keep(vld(L.k[6], i), vld(L.k[0], i))));
  }
  loop.push(...setI('flag', i32.c(0)));
  for (const l of lanes) {
    const fin = [...setI('fin', finite(at(LOSS, l)))];
    for (let i = 0; i < P; i++) fin.push(...setI('fin', op.and(g('fin'), finite(f64.load(i32.c(0), L.y + 16 * i + 8 * l)))));
    const forJs = op.if(op.or(f64.ne(at(EVERY, l), f64.c(0)), op.ge(at(STEPS, l), at(REC_NEXT, l))), [...put(PENDING, l, f64.c(1)), ...setI('flag', i32.c(1))]);
    loop.push(...op.if(i32.load(i32.c(0), L.acc + 8 * l), [...fin, ...op.if(op.eqz(g('fin')), stop(l, Status.PointNotFinite), forJs)]));
  }
  for (const l of lanes) loop.push(...op.if(op.and(active(l), f64.eq(at(PENDING, l), f64.c(0))), nextStep(l)));
  loop.push(...op.if(g('flag'), [...setI('st', i32.c(Status.Accepted)), ...op.br(2)]));
  loop.push(...op.br(0));
  body.push(0x02, 0x40);
  for (const l of lanes) body.push(...op.if(f64.ne(at(PENDING, l), f64.c(0)), [...put(PENDING, l, f64.c(0)), ...op.if(active(l), nextStep(l))]));
  body.push(0x03, 0x40, ...loop, 0x0b, 0x0b, ...g('st'));
  return f.build(I32, body);
}

/** init(): L and −∇L of both lanes at y (into LOSS and k0). */
function pairInitFn(L: ReturnType<typeof pairLayout>) {
  const f = new Fn('init', []);
  return f.build(undefined, f64x2.store(i32.c(0), op.call(FUNC_F, i32.c(L.y), i32.c(L.k[0])), L.S + 16 * LOSS));
}

interface Instance {
  f: (src: number, dst: number) => number;
  run: () => Status;
  init: () => void;
  memory: WebAssembly.Memory;
}

const modules = new Map<string, WebAssembly.Module>();
/** Instances not in use, by shape and lanes: a run started from an observer takes another one. */
const idle = new IdleInstances<Instance>();

const shapeKey = (s: FlowShape) => `${s.n} ${s.m} ${s.d} ${s.trainOutput} ${s.hiddenBias}`;

/** fn with an instance of the shape's module (one lane or two) held for its duration. */
function withInstance<T>(s: FlowShape, pair: boolean, fn: (inst: Instance) => T): T {
  const key = `${shapeKey(s)} ${pair ? 2 : 1}`;
  let inst = idle.take(key);
  if (!inst) {
    const mod = cachedKernel(modules, key, () => new WebAssembly.Module(flowModule(s, pair)));
    const memory = new WebAssembly.Memory({ initial: Math.ceil((pair ? pairLayout(s) : layout(s)).bytes / 65536) });
    const e = new WebAssembly.Instance(mod, { env: { memory, pow: Math.pow } }).exports as unknown as Omit<Instance, 'memory'>;
    inst = { f: e.f, run: e.run, init: e.init, memory };
  }
  try {
    return fn(inst);
  } finally {
    idle.give(key, inst);
  }
}

/** Whether the kernel runs: 'wasm', or 'js' (CLAIMCHECK_KERNELS=js, or a WebAssembly that rejects the module), where gradientFlow runs instead. */
export const twoLayerFlowKernels: 'wasm' | 'js' = (() => {
  if (process.env.CLAIMCHECK_KERNELS === 'js') return 'js';
  try {
    const s = { n: 1, m: 1, d: 1, trainOutput: true, hiddenBias: true };
    return WebAssembly.validate(flowModule(s)) && WebAssembly.validate(flowModule(s, true)) ? 'wasm' : 'js';
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
  return withInstance(s, false, (inst) =>
    integrate(inst, s, (model as { twoLayer?: TwoLayerShape }).twoLayer!, X, y, reduction === 'mean' ? 1 / X.rows : 1, theta0, o),
  );
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
  // the kernel returns at the recorder's next step
  S[REC_NEXT] = rec.next;
  let stoppedBy: SimResult['stoppedBy'];
  for (;;) {
    const st = inst.run();
    if (st === Status.Accepted) {
      const steps = S[STEPS];
      acceptedSteps?.push(S[H]);
      observe?.(views.get(ptr[PY])!, undefined, S[ABS_ERR]);
      rec.record(steps, S[T], S[LOSS]);
      S[REC_NEXT] = rec.next;
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

/** One trial's gradient flow, as gradientFlow(objective(model, loss, X, y, reduction), theta0, options) would run it. */
export interface GradientFlowLane {
  model: Model;
  loss: Loss;
  reduction: 'sum' | 'mean';
  X: Mat;
  y: Float64Array;
  theta0: Float64Array;
  options: GradientFlowOptions;
}

/** Lanes with equal keys run together in batchedTwoLayerGradientFlow; undefined where the kernel does not apply. */
export function twoLayerFlowLaneKey(lane: Pick<GradientFlowLane, 'model' | 'loss' | 'X'>): string | undefined {
  const s = twoLayerFlowKernels === 'wasm' ? twoLayerFlowShape(lane.model, lane.loss, lane.X) : undefined;
  return s && `gradient-flow two-layer ${shapeKey(s)}`;
}

const runLane = (l: GradientFlowLane): LaneOutcome => {
  try {
    return { result: twoLayerGradientFlow(l.model, l.loss, l.X, l.y, l.reduction, l.theta0, l.options)! };
  } catch (error) {
    return { error };
  }
};

/**
 * The lanes' runs (one key), two at a time in lock-step on the two-lane kernel (an odd last one alone): outcome b is
 * lane b's result, or what its scalar run throws (a DivergedError, an observer's error).
 */
export function batchedTwoLayerGradientFlow(lanes: GradientFlowLane[]): LaneOutcome[] {
  const out: LaneOutcome[] = [];
  for (let b = 0; b + 1 < lanes.length; b += 2) {
    const pair = [lanes[b], lanes[b + 1]];
    const s = twoLayerFlowShape(pair[0].model, pair[0].loss, pair[0].X)!;
    out.push(...withInstance(s, true, (inst) => integratePair(inst, s, pair)));
  }
  if (lanes.length % 2) out.push(runLane(lanes[lanes.length - 1]));
  return out;
}

/** The lane as a kernel lane (src/search/trial.ts runs lanes of one key together); undefined where the kernel does not apply. */
export function twoLayerFlowKernelLane(lane: GradientFlowLane): KernelLane | undefined {
  const key = twoLayerFlowLaneKey(lane);
  if (key === undefined) return undefined;
  const P = lane.model.nParams;
  return { key, entries: 12 * P + lane.X.rows * (lane.X.cols + 1), lane, kernel: batchedTwoLayerGradientFlow as (lanes: unknown[]) => LaneOutcome[] };
}

function integratePair(inst: Instance, s: FlowShape, lanes: GradientFlowLane[]): LaneOutcome[] {
  const L = pairLayout(s);
  const buf = inst.memory.buffer;
  const S = new Float64Array(buf, L.S, 2 * SCALARS);
  const Xs = new Float64Array(buf, L.X, 2 * s.n * s.d),
    Ys = new Float64Array(buf, L.Y, 2 * s.n),
    ys = new Float64Array(buf, L.y, 2 * L.P);
  S.fill(0);
  const gather = (l: number) => Float64Array.from({ length: L.P }, (_, i) => ys[2 * i + l]);
  const outcomes: Array<LaneOutcome | undefined> = [undefined, undefined];
  const recs = lanes.map(() => recorder());
  lanes.forEach((lane, l) => {
    const net = (lane.model as { twoLayer?: TwoLayerShape }).twoLayer!;
    const A = net.inputs(lane.X)!.data;
    for (let q = 0; q < A.length; q++) Xs[2 * q + l] = A[q];
    for (let i = 0; i < s.n; i++) Ys[2 * i + l] = lane.y[i];
    for (let i = 0; i < L.P; i++) ys[2 * i + l] = lane.theta0[i];
    const o = lane.options,
      leaky = net.activation.leaky!;
    const set = (k: number, v: number) => (S[2 * k + l] = v);
    set(W, lane.reduction === 'mean' ? 1 / lane.X.rows : 1);
    set(GAM, leaky.gamma);
    set(DZ, leaky.dphiAtZero);
    set(TIME, o.time);
    set(RTOL, o.rtol);
    set(ATOL, o.atol);
    set(MAX_STEPS, o.maxSteps);
    set(STOP_LOSS, o.stopLoss ?? NaN);
    set(EVERY, o.observe || o.acceptedSteps ? 1 : 0);
    set(H, o.h0 ?? Math.min(o.time, 1e-3));
    set(REC_NEXT, 1);
    set(ACTIVE, 1);
  });
  inst.init();
  const fail = (l: number, error: unknown) => {
    outcomes[l] = { error };
    S[2 * ACTIVE + l] = 0;
    S[2 * PENDING + l] = 0;
  };
  lanes.forEach((lane, l) => {
    const loss = S[2 * LOSS + l];
    try {
      const theta = gather(l);
      assertFinite(theta, loss, 't = 0');
      lane.options.observe?.(theta);
      recs[l].record(0, 0, loss, true);
    } catch (e) {
      fail(l, e);
    }
  });
  const at = (k: number, l: number) => S[2 * k + l];
  while (inst.run() === Status.Accepted)
    lanes.forEach((lane, l) => {
      if (!at(PENDING, l)) return;
      const steps = at(STEPS, l);
      try {
        lane.options.acceptedSteps?.push(at(H, l));
        lane.options.observe?.(gather(l), undefined, at(ABS_ERR, l));
        recs[l].record(steps, at(T, l), at(LOSS, l));
        S[2 * REC_NEXT + l] = recs[l].next;
      } catch (e) {
        fail(l, e);
      }
    });
  return lanes.map((lane, l) => {
    if (outcomes[l]) return outcomes[l];
    const st = at(STATUS, l) as Status,
      t = at(T, l);
    if (st === Status.PointNotFinite) lane.options.acceptedSteps?.push(at(H, l));
    if (st === Status.ErrorNotFinite || st === Status.PointNotFinite) return { error: new DivergedError(`t = ${t}`) };
    if (st === Status.Underflow) return { error: new DivergedError(`t = ${t} (step size underflow)`) };
    const loss = at(LOSS, l),
      steps = at(STEPS, l);
    recs[l].record(steps, t, loss, true);
    const stoppedBy = st === Status.Loss ? 'loss' : st === Status.MaxSteps ? 'max-steps' : 'time';
    return { result: { theta: gather(l), loss, steps, time: t, errorEstimate: at(ERR_SUM, l), trajectory: recs[l].points, stoppedBy } };
  });
}
