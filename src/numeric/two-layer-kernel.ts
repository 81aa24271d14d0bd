// The two-layer net's float64 step (models.ts twoLayerNet with a leaky ReLU) as a WebAssembly SIMD
// module generated per shape: θ, the data and every intermediate live in the kernel's own memory, the
// backward pass reads the pre-activations of the forward pass before it, and nothing is allocated per
// step. Every number is computed by twoLayerNet's operations (dense.ts's sums, in their order of terms;
// f64x2 add and mul are IEEE per lane, never fused), so results are bit-identical to it
// (test/numeric/two-layer-kernel.test.ts). normalizedFlow and gradientDescent (dynamics.ts) are written
// out here on the kernel, step for step in their order.
import { DivergedError, recorder, snapshotSchedule, type NormalizedFlowOptions, type Observer, type SimResult } from './dynamics.js';
import { cachedKernel, IdleInstances } from './kernel-cache.js';
import { normalizedFlowRuns } from './kernel-flow.js';
import type { Mat } from './linalg.js';
import { lossSumAndWeights, type Loss } from './losses.js';
import type { Model } from './models.js';
import { alignedArrays, f64, f64x2, Fn, I32, i32, F64, ifThen, section, str, thetaUpdateFn, uleb, V128, vec, type Code } from './wasm-asm.js';

// ---- the kernel module ----

/** What a kernel is generated for: n rows, m hidden units, r inputs, whether v is trained, whether there is a hidden bias. */
export interface TwoLayerShape {
  n: number;
  m: number;
  r: number;
  trainOutput: boolean;
  bias: boolean;
}

/** Byte offsets of the kernel's arrays in its memory, each 16-byte aligned; rows come in pairs (q = 0 … pairs−1), an odd n padded with a zero row. */
function layout({ n, m, r, bias }: TwoLayerShape) {
  const pairs = (n + 1) >> 1,
    P = m * r + m + (bias ? m : 0);
  const mem = alignedArrays(16); // 0: γ, 8: φ′(0)
  const take = mem.take;
  const theta = take(P),
    grad = take(P),
    xp = take(2 * pairs * r),
    x = take(2 * pairs * r),
    z = take(2 * pairs * m),
    g = take(2 * pairs * m),
    pred = take(2 * pairs),
    c = take(2 * pairs),
    y = take(2 * pairs),
    loss = take(1),
    kRange = take(pairs),
    qRange = take(r);
  return {
    P,
    pairs,
    /** θ in twoLayerNet's layout: W (m×r, row-major), v (m), b (m, with a bias) */
    theta,
    grad,
    /** X's rows in pairs, interleaved: (X[2q,k], X[2q+1,k]) at xp + 16(q·r + k) */
    xp,
    /** X row-major */
    x,
    /** pre-activations z_ij and g_ij = c_i v_j φ′(z_ij), rows in pairs: (z[2q,j], z[2q+1,j]) at z + 16(q·m + j) */
    z,
    g,
    pred,
    c,
    /** the labels y_i and the exponential loss of the last lossWeights() (the normalized flow's) */
    y,
    loss,
    /** per pair of rows q, [kStart, kEnd) (i32 at kRange + 8q): both rows of X are 0 outside (a bias keeps every k) */
    kRange,
    /** per block of columns starting at k (see backward), [qStart, qEnd) (i32 at qRange + 8k): the pairs of rows with a nonzero X in the block */
    qRange,
    bytes: mem.end(),
  };
}

/** moduleBytes (wasm-asm.ts) with env.exp: (f64) → f64 imported as function 0 (Math.exp: the normalized flow's weights) */
function moduleWithExp(fns: Array<ReturnType<Fn['build']>>): Uint8Array<ArrayBuffer> {
  const expType = [0x60, 1, F64, 1, F64];
  return Uint8Array.from(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].concat(
      section(1, vec([expType, ...fns.map((f) => f.type)])),
      section(
        2,
        vec([
          [...str('env'), ...str('memory'), 0x02, 0x00, 0x00],
          [...str('env'), ...str('exp'), 0x00, 0x00],
        ]),
      ),
      section(3, vec(fns.map((_, i) => uleb(i + 1)))),
      section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i + 1)]))),
      section(10, vec(fns.map((f) => f.code))),
    ),
  );
}

/**
 * The module of one shape, importing its memory (layout above) and Math.exp, and exporting
 * forward(): z = XWᵀ (+ b) and pred_i = Σ_j v_j φ(z_ij);
 * backward(): grad = Σ_i c_i ∂f(x_i)/∂θ from the z of the last forward (only trained entries written);
 * ascend(h): θ ← θ + h·grad; descend(η): θ ← θ − η·grad, each returning 1 when the new θ is finite, else 0.
 */
function kernelModule(s: TwoLayerShape): Uint8Array<ArrayBuffer> {
  const { m, r, trainOutput, bias } = s;
  const L = layout(s);
  const { pairs, P } = L;
  const nW = m * r,
    nB = nW + m;
  const zero = f64x2.splat(f64.c(0));
  // γ and φ′(0) in both lanes, in locals that a function sets first (withLeaky)
  const withLeaky = (f: Fn) => [...f.set('gamma', V128, f64x2.loadSplat(i32.c(0))), ...f.set('dz', V128, f64x2.loadSplat(i32.c(8)))];
  /** the address of θ[index] (index: i32 code) */
  const thAt = (index: Code) => i32.add(i32.c(L.theta), i32.mul(index, i32.c(8)));
  /** the address of grad[index] */
  const gradAt = (index: Code) => i32.add(i32.c(L.grad), i32.mul(index, i32.c(8)));
  // leakyRelu's φ and φ′ per lane: φ(z) = z > 0 ? z : γz; φ′(z) = z > 0 ? 1 : z < 0 ? γ : φ′(0)
  const phi = (f: Fn, z: Code) => f64x2.select(z, f64x2.mul(f.get('gamma'), z), f64x2.gt(z, zero));
  const dphi = (f: Fn, z: Code) => f64x2.select(f64x2.splat(f64.c(1)), f64x2.select(f.get('gamma'), f.get('dz'), f64x2.lt(z, zero)), f64x2.gt(z, zero));
  const fns: Array<ReturnType<Fn['build']>> = [];

  // forward. z_ij = b_j + Σ_k W[j,k] X[i,k] from k = 0 (dense.ts's order), two rows per vector (a pair
  // q of rows: (X[2q,k], X[2q+1,k]) at xp + 16(q·r + k)); two pairs × four neurons at a time share the
  // loads. Terms outside the pair's kRange are X = 0: adding W·0 = ±0 leaves a sum begun at +0 unchanged
  // (without a bias), for finite W (a non-finite W is a diverged run either way).
  {
    const f = new Fn('forward', []);
    const head = withLeaky(f);
    const zAt = (q: Code, j: Code) => i32.add(i32.c(L.z), i32.mul(i32.add(i32.mul(q, i32.c(m)), j), i32.c(16)));
    const kRangeOf = (q: Code, end: 0 | 1) => i32.load(i32.add(i32.c(L.kRange), i32.mul(q, i32.c(8))), 4 * end);
    /** z for `rows` pairs from q and `js` neurons from j, accumulators s{u}_{t} */
    const block = (rows: number, js: number): Code => {
      const out: Code = [];
      for (let u = 0; u < rows; u++)
        for (let t = 0; t < js; t++) out.push(...f.set(`s${u}_${t}`, V128, bias ? f64x2.splat(f64.load(thAt(i32.add(f.get('j'), i32.c(nB))), 8 * t)) : zero));
      out.push(...f.set('xk', I32, i32.add(i32.c(L.xp), i32.mul(i32.add(i32.mul(f.get('q'), i32.c(r)), f.get('kStart')), i32.c(16)))));
      out.push(...f.set('w', I32, thAt(i32.add(i32.mul(f.get('j'), i32.c(r)), f.get('kStart')))));
      out.push(
        ...f.loop('k', f.get('kStart'), f.get('kEnd'), 1, () => {
          const body: Code = [];
          for (let u = 0; u < rows; u++) body.push(...f.set(`x${u}`, V128, f64x2.load(f.get('xk'), 16 * r * u)));
          for (let t = 0; t < js; t++) {
            body.push(...f.set('wt', V128, f64x2.loadSplat(f.get('w'), 8 * r * t)));
            for (let u = 0; u < rows; u++) body.push(...f.set(`s${u}_${t}`, V128, f64x2.add(f.get(`s${u}_${t}`), f64x2.mul(f.get('wt'), f.get(`x${u}`)))));
          }
          body.push(...f.set('xk', I32, i32.add(f.get('xk'), i32.c(16))), ...f.set('w', I32, i32.add(f.get('w'), i32.c(8))));
          return body;
        }),
      );
      for (let u = 0; u < rows; u++) for (let t = 0; t < js; t++) out.push(...f64x2.store(zAt(f.get('q'), f.get('j')), f.get(`s${u}_${t}`), 16 * (u * m + t)));
      // pred_i += v_j φ(z_ij), j in order
      for (let t = 0; t < js; t++) {
        out.push(...f.set('vt', V128, f64x2.loadSplat(thAt(f.get('j')), 8 * (nW + t))));
        for (let u = 0; u < rows; u++) out.push(...f.set(`f${u}`, V128, f64x2.add(f.get(`f${u}`), f64x2.mul(f.get('vt'), phi(f, f.get(`s${u}_${t}`))))));
      }
      return out;
    };
    /** every neuron for `rows` pairs from q: four at a time, then one at a time; pred_i = Σ_j v_j φ(z_ij) from 0 in j order beside them */
    const neurons = (rows: number): Code => {
      const out: Code = [];
      for (let u = 0; u < rows; u++) out.push(...f.set(`f${u}`, V128, zero));
      out.push(...f.loop('j', i32.c(0), i32.c(m & ~3), 4, () => block(rows, 4)), ...f.loop('j', i32.c(m & ~3), i32.c(m), 1, () => block(rows, 1)));
      for (let u = 0; u < rows; u++) out.push(...f64x2.store(i32.add(i32.c(L.pred), i32.mul(f.get('q'), i32.c(16))), f.get(`f${u}`), 16 * u));
      return out;
    };
    const maxI32 = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, 0x4a, 0x1b], // select(a, b, a > b)
      minI32 = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, 0x48, 0x1b]; // select(a, b, a < b)
    const body: Code = [
      ...head,
      ...f.loop('q', i32.c(0), i32.c(pairs & ~1), 2, () => [
        ...f.set('kStart', I32, minI32(kRangeOf(f.get('q'), 0), kRangeOf(i32.add(f.get('q'), i32.c(1)), 0))),
        ...f.set('kEnd', I32, maxI32(kRangeOf(f.get('q'), 1), kRangeOf(i32.add(f.get('q'), i32.c(1)), 1))),
        ...neurons(2),
      ]),
      ...f.loop('q', i32.c(pairs & ~1), i32.c(pairs), 1, () => [
        ...f.set('kStart', I32, kRangeOf(f.get('q'), 0)),
        ...f.set('kEnd', I32, kRangeOf(f.get('q'), 1)),
        ...neurons(1),
      ]),
    ];
    fns.push(f.build(undefined, body));
  }
  // backward. g_ij = (c_i v_j) φ′(z_ij), 0 where c_i = 0; ∂/∂v_j = Σ_i c_i φ(z_ij) and ∂/∂b_j = Σ_i g_ij
  // over the rows with c_i ≠ 0 (in i order, from 0); ∂/∂W[j,k] = Σ_i g_ij X[i,k] from 0 in i order
  // (dense.ts), two k per vector, two neurons sharing the loads of X.
  {
    const f = new Fn('backward', []);
    const head = withLeaky(f);
    const gAt = (q: Code, j: Code) => i32.add(i32.c(L.g), i32.mul(i32.add(i32.mul(q, i32.c(m)), j), i32.c(16)));
    const zAt = (q: Code, j: Code) => i32.add(i32.c(L.z), i32.mul(i32.add(i32.mul(q, i32.c(m)), j), i32.c(16)));
    const inf = f64x2.splat(f64.c(Infinity));
    const body: Code = [
      ...head,
      ...f.set('gFinite', V128, f64x2.lt(zero, inf)),
      ...f.loop('q', i32.c(0), i32.c(pairs), 1, () => [
        ...f.set('cq', V128, f64x2.load(i32.add(i32.c(L.c), i32.mul(f.get('q'), i32.c(16))))),
        ...f.set('on', V128, f64x2.ne(f.get('cq'), zero)),
        ...f.loop('j', i32.c(0), i32.c(m), 1, () => [
          ...f.set('zq', V128, f64x2.load(zAt(f.get('q'), f.get('j')))),
          ...f.set(
            'gq',
            V128,
            f64x2.select(f64x2.mul(f64x2.mul(f.get('cq'), f64x2.loadSplat(thAt(f.get('j')), 8 * nW)), dphi(f, f.get('zq'))), zero, f.get('on')),
          ),
          ...f64x2.store(gAt(f.get('q'), f.get('j')), f.get('gq')),
          ...f.set('gFinite', V128, f64x2.and(f.get('gFinite'), f64x2.lt(f64x2.abs(f.get('gq')), inf))),
        ]),
      ]),
      // with every g_ij finite, a term g_ij·X[i,k] with X[i,k] = 0 is ±0 and leaves a sum begun at +0 unchanged: ∂/∂W skips the rows outside qRange
      ...f.set('skip', I32, f64x2.allTrue(f.get('gFinite'))),
    ];
    if (trainOutput || bias) {
      // per row in order (the pair's two rows in turn), the rows with c_i ≠ 0
      for (const [o, sum] of [
        [nW, trainOutput],
        [nB, bias],
      ] as const)
        if (sum) body.push(...f.loop('j', i32.c(0), i32.c(m), 1, () => f64.store(gradAt(f.get('j')), f64.c(0), 8 * o)));
      body.push(
        ...f.loop('q', i32.c(0), i32.c(pairs), 1, () =>
          [0, 1].flatMap((lane) => {
            const ci = f64.load(i32.add(i32.c(L.c), i32.mul(f.get('q'), i32.c(16))), 8 * lane);
            return [
              ...f.set('ci', F64, ci),
              ...ifThen(
                f64.ne(f.get('ci'), f64.c(0)),
                f.loop('j', i32.c(0), i32.c(m), 1, () => {
                  const zij = f64.load(zAt(f.get('q'), f.get('j')), 8 * lane);
                  const out: Code = [];
                  if (trainOutput) {
                    // c_i·φ(z_ij), φ as twoLayerNet writes it: z > 0 ? z : γz
                    out.push(...f.set('zs', F64, zij), ...f.set('a', I32, gradAt(f.get('j'))));
                    const phiS = f64.select(f.get('zs'), f64.mul(f64.load(i32.c(0)), f.get('zs')), f64.gt(f.get('zs'), f64.c(0)));
                    out.push(...f64.store(f.get('a'), f64.add(f64.load(f.get('a'), 8 * nW), f64.mul(f.get('ci'), phiS)), 8 * nW));
                  }
                  if (bias)
                    out.push(
                      ...f.set('a', I32, gradAt(f.get('j'))),
                      ...f64.store(f.get('a'), f64.add(f64.load(f.get('a'), 8 * nB), f64.load(gAt(f.get('q'), f.get('j')), 8 * lane)), 8 * nB),
                    );
                  return out;
                }),
              ),
            ];
          }),
        ),
      );
    }
    // ∂/∂W[j,k] = Σ_i g_ij X[i,k] from 0 in i order: two neurons × four k (two vectors of X's row) at a
    // time, summed over the rows (the two rows of a pair in turn); an odd m or r ends with single ones
    const gradW = (j: Code, k: Code) => i32.add(i32.c(L.grad), i32.mul(i32.add(i32.mul(j, i32.c(r)), k), i32.c(8)));
    /** `js` neurons from j × `kw` entries from k (4: two vectors, 2: one, 1: a scalar), accumulators a{t}_{u} */
    const block = (js: number, kw: 4 | 2 | 1): Code => {
      const wide = kw > 1,
        vs = kw === 4 ? 2 : 1;
      const out: Code = [];
      for (let t = 0; t < js; t++) for (let u = 0; u < vs; u++) out.push(...(wide ? f.set(`a${t}_${u}`, V128, zero) : f.set(`e${t}`, F64, f64.c(0))));
      const qRangeOf = (end: 0 | 1) => i32.load(i32.add(i32.c(L.qRange), i32.mul(f.get('k'), i32.c(8))), 4 * end);
      out.push(
        ...f.set('qStart', I32, f64.select(qRangeOf(0), i32.c(0), f.get('skip'))),
        ...f.set('qEnd', I32, f64.select(qRangeOf(1), i32.c(pairs), f.get('skip'))),
        ...f.set('ga', I32, gAt(f.get('qStart'), f.get('j'))),
        ...f.set('xa', I32, i32.add(i32.c(L.x), i32.mul(i32.add(i32.mul(f.get('qStart'), i32.c(2 * r)), f.get('k')), i32.c(8)))),
      );
      out.push(
        ...f.loop('q', f.get('qStart'), f.get('qEnd'), 1, () => {
          const body: Code = [];
          for (const lane of [0, 1]) {
            const x = 8 * r * lane;
            for (let u = 0; u < vs; u++)
              body.push(...(wide ? f.set(`x${u}`, V128, f64x2.load(f.get('xa'), x + 16 * u)) : f.set('xs', F64, f64.load(f.get('xa'), x))));
            for (let t = 0; t < js; t++) {
              const g = f64.load(f.get('ga'), 16 * t + 8 * lane);
              if (!wide) body.push(...f.set(`e${t}`, F64, f64.add(f.get(`e${t}`), f64.mul(g, f.get('xs')))));
              else {
                body.push(...f.set('gt', V128, f64x2.loadSplat(f.get('ga'), 16 * t + 8 * lane)));
                for (let u = 0; u < vs; u++) body.push(...f.set(`a${t}_${u}`, V128, f64x2.add(f.get(`a${t}_${u}`), f64x2.mul(f.get('gt'), f.get(`x${u}`)))));
              }
            }
          }
          body.push(...f.set('ga', I32, i32.add(f.get('ga'), i32.c(16 * m))), ...f.set('xa', I32, i32.add(f.get('xa'), i32.c(16 * r))));
          return body;
        }),
      );
      for (let t = 0; t < js; t++)
        for (let u = 0; u < vs; u++)
          out.push(
            ...(wide
              ? f64x2.store(gradW(f.get('j'), f.get('k')), f.get(`a${t}_${u}`), 8 * r * t + 16 * u)
              : f64.store(gradW(f.get('j'), f.get('k')), f.get(`e${t}`), 8 * r * t)),
          );
      return out;
    };
    const allK = (js: number): Code => [
      ...f.loop('k', i32.c(0), i32.c(r & ~3), 4, () => block(js, 4)),
      ...f.loop('k', i32.c(r & ~3), i32.c(r & ~1), 2, () => block(js, 2)),
      ...f.loop('k', i32.c(r & ~1), i32.c(r), 1, () => block(js, 1)),
    ];
    body.push(...f.loop('j', i32.c(0), i32.c(m & ~1), 2, () => allK(2)), ...f.loop('j', i32.c(m & ~1), i32.c(m), 1, () => allK(1)));
    fns.push(f.build(undefined, body));
  }

  // θ ← θ + h·grad (ascend) and θ ← θ − η·grad (descend), entry by entry; both return 1 when every
  // entry of the new θ is finite (|θ_i| < ∞), else 0
  fns.push(thetaUpdateFn('ascend', P, L.theta, L.grad), thetaUpdateFn('descend', P, L.theta, L.grad, true));

  // one call per step: flowStep(h) = backward, ascend(h), forward; descentStep(η) = descend(η), forward
  const callFn = (name: string): Code => [0x10, ...uleb(1 + fns.findIndex((g) => g.name === name))];
  {
    const f = new Fn('flowStep', [['h', F64]]);
    fns.push(f.build(I32, [...callFn('backward'), ...f.get('h'), ...callFn('ascend'), ...callFn('forward')]));
  }
  {
    const f = new Fn('descentStep', [['h', F64]]);
    fns.push(f.build(I32, [...f.get('h'), ...callFn('descend'), ...callFn('forward')]));
  }
  // lossWeights(): dynamics.ts exponentialLossWeights(n, pred, y, c) written out, operation for operation (f64.min is
  // Math.min, NaN and −0 included; exp is Math.exp itself); the loss also stored at `loss`
  {
    const { n } = s;
    const f = new Fn('lossWeights', []);
    const at = (base: number) => i32.add(i32.c(base), i32.mul(f.get('i'), i32.c(8)));
    const q = () => f64.mul(f64.load(at(L.y)), f64.load(at(L.pred)));
    const exp = (x: Code): Code => [...x, 0x10, 0];
    const neg = (x: Code): Code => [...x, 0x9a];
    const body: Code = [
      ...f.set('qmin', F64, f64.c(Infinity)),
      ...f.loop('i', i32.c(0), i32.c(n), 1, () => f.set('qmin', F64, [...f.get('qmin'), ...q(), 0xa4])),
      ...f.set('s', F64, f64.c(0)),
      ...f.loop('i', i32.c(0), i32.c(n), 1, () => [
        ...f.set('e', F64, exp(neg(f64.sub(q(), f.get('qmin'))))),
        ...f64.store(at(L.c), f.get('e')),
        ...f.set('s', F64, f64.add(f.get('s'), f.get('e'))),
      ]),
      ...f.loop('i', i32.c(0), i32.c(n), 1, () => f64.store(at(L.c), f64.mul([...f64.load(at(L.c)), ...f.get('s'), 0xa3], f64.load(at(L.y))))),
      ...f.set('s', F64, f64.mul(exp(neg(f.get('qmin'))), f.get('s'))),
      ...f64.store(i32.c(L.loss), f.get('s')),
      ...f.get('s'),
    ];
    fns.push(f.build(F64, body));
  }
  // flow(count, h): up to `count` normalized-flow steps (flowStep(h), then lossWeights); returns how many steps
  // stayed finite: count, or the index of the first step whose θ is not finite or whose loss is NaN
  {
    const f = new Fn('flow', [
      ['count', I32],
      ['h', F64],
    ]);
    const body: Code = [
      ...f.loop('k', i32.c(0), f.get('count'), 1, () => [
        ...f.set('ok', I32, [...f.get('h'), ...callFn('flowStep')]),
        ...f.set('loss', F64, callFn('lossWeights')),
        // loss ≠ loss (NaN) or θ not finite: return k
        ...ifThen([...f.get('loss'), ...f.get('loss'), 0x62, ...f.get('ok'), 0x45, 0x72], [...f.get('k'), 0x0f]),
      ]),
      ...f.get('count'),
    ];
    fns.push(f.build(I32, body));
  }

  return moduleWithExp(fns);
}

interface KernelExports {
  forward(): void;
  backward(): void;
  ascend(h: number): number;
  descend(eta: number): number;
  /** backward(), ascend(h), forward(); returns ascend's */
  flowStep(h: number): number;
  /** descend(η), forward(); returns descend's */
  descentStep(eta: number): number;
  /** the exponential loss of pred against y, and the normalized flow's weights into c (exponentialLossWeights) */
  lossWeights(): number;
  /** up to `count` steps of flowStep(h) and lossWeights(); the number of steps that stayed finite (see the module) */
  flow(count: number, h: number): number;
}

const shapeKey = (s: TwoLayerShape) => `${s.n} ${s.m} ${s.r} ${s.trainOutput} ${s.bias}`;
const modules = new Map<string, WebAssembly.Module | undefined>();
function compiled(s: TwoLayerShape): WebAssembly.Module | undefined {
  return cachedKernel(modules, shapeKey(s), () => {
    try {
      return new WebAssembly.Module(kernelModule(s));
    } catch {
      return undefined;
    }
  });
}

/** Whether generated kernels run: 'wasm-simd', or 'js' (CLAIMCHECK_KERNELS=js, or no WebAssembly SIMD), where the runs below fall back to the model's own passes. */
export const twoLayerKernels: 'wasm-simd' | 'js' =
  process.env.CLAIMCHECK_KERNELS !== 'js' && WebAssembly.validate(kernelModule({ n: 1, m: 1, r: 1, trainOutput: true, bias: true })) ? 'wasm-simd' : 'js';

/** One model's float64 step on its training data; θ, grad, pred and c are views into the kernel's memory. */
export interface TwoLayerKernel extends KernelExports {
  theta: Float64Array;
  grad: Float64Array;
  /** f(x_i; θ) after forward() */
  pred: Float64Array;
  /** the coefficients c_i backward() reads */
  c: Float64Array;
  /** the labels lossWeights() reads */
  y: Float64Array;
  /** the loss of the last lossWeights() */
  loss: Float64Array;
  /** hands the kernel's memory back for the next run of this shape (its views are then reused) */
  release(): void;
}

type Instance = { exports: KernelExports; buffer: ArrayBuffer };
/** Released instances by shape. */
const idle = new IdleInstances<Instance>();

/** The kernel of `model` (a two-layer net with a leaky ReLU, in full or Gram coordinates) on its data X; undefined where none applies. */
export function twoLayerKernel(model: Model, X: Mat): TwoLayerKernel | undefined {
  const s = model.twoLayer;
  if (twoLayerKernels !== 'wasm-simd' || !s || !s.activation.leaky) return undefined;
  const A = s.inputs(X);
  // dense.ts skips some zero terms g_ij·X[i,k]; the same sums hold only for finite data
  if (!A || A.cols !== s.d || !A.data.subarray(0, A.rows * A.cols).every(Number.isFinite)) return undefined;
  const shape: TwoLayerShape = { n: A.rows, m: s.width, r: s.d, trainOutput: s.trainOutput, bias: s.hiddenBias };
  const L = layout(shape);
  if (model.nParams !== L.P) return undefined;
  const key = shapeKey(shape);
  let inst = idle.take(key);
  if (!inst) {
    const mod = compiled(shape);
    if (!mod) return undefined;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(L.bytes / 65536) });
    inst = { exports: new WebAssembly.Instance(mod, { env: { memory, exp: Math.exp } }).exports as unknown as KernelExports, buffer: memory.buffer };
  }
  const { exports: e, buffer: buf } = inst;
  const f = (at: number, len: number) => new Float64Array(buf, at, len);
  const { n, r } = shape;
  f(0, 2).set([s.activation.leaky.gamma, s.activation.leaky.dphiAtZero]);
  f(L.grad, L.P).fill(0);
  f(L.c, 2 * L.pairs).fill(0);
  f(L.y, 2 * L.pairs).fill(0);
  const xp = f(L.xp, 2 * L.pairs * r),
    x = f(L.x, 2 * L.pairs * r),
    kRange = new Int32Array(buf, L.kRange, 2 * L.pairs),
    qRange = new Int32Array(buf, L.qRange, 2 * r);
  x.fill(0).set(A.data.subarray(0, n * r));
  const nonzero = (i: number, k: number) => i < n && A.data[i * r + k] !== 0;
  for (let q = 0; q < L.pairs; q++) {
    let start = r,
      end = 0;
    for (let lane = 0; lane < 2; lane++) {
      const i = 2 * q + lane;
      for (let k = 0; k < r; k++) {
        xp[2 * (q * r + k) + lane] = i < n ? A.data[i * r + k] : 0;
        if (nonzero(i, k)) ((start = Math.min(start, k)), (end = Math.max(end, k + 1)));
      }
    }
    if (shape.bias) ((start = 0), (end = r));
    kRange.set(start < end ? [start, end] : [0, 0], 2 * q);
  }
  // the backward pass's column blocks: four from 0, then two, then one
  for (let k = 0; k < r; k += k < (r & ~3) ? 4 : k < (r & ~1) ? 2 : 1) {
    const w = k < (r & ~3) ? 4 : k < (r & ~1) ? 2 : 1;
    let first = 2 * L.pairs,
      last = -1;
    for (let i = 0; i < n; i++) for (let c = k; c < k + w; c++) if (nonzero(i, c)) ((first = Math.min(first, i)), (last = Math.max(last, i)));
    qRange.set(last < 0 ? [0, 0] : [first >> 1, (last >> 1) + 1], 2 * k);
  }
  const mine = inst;
  let released = false;
  return {
    theta: f(L.theta, L.P),
    grad: f(L.grad, L.P),
    pred: f(L.pred, n),
    c: f(L.c, n),
    y: f(L.y, n),
    loss: f(L.loss, 1),
    forward: e.forward,
    backward: e.backward,
    ascend: e.ascend,
    descend: e.descend,
    flowStep: e.flowStep,
    descentStep: e.descentStep,
    lossWeights: e.lossWeights,
    flow: e.flow,
    release() {
      if (released) return;
      released = true;
      idle.give(key, mine);
    },
  };
}

// ---- the dynamics on the kernel ----

/**
 * `run` on the kernel of `model` and X, the kernel given back afterwards; undefined where none applies.
 * Observers see a θ of their own (updated in place at every step, as the scalar runs pass theirs), not the kernel's memory.
 */
function onKernel(model: Model, X: Mat, observe: Observer | undefined, run: (K: TwoLayerKernel, look: () => void) => SimResult): SimResult | undefined {
  const K = twoLayerKernel(model, X);
  if (!K) return undefined;
  const seen = observe && new Float64Array(K.theta.length);
  const look = () => {
    if (!observe) return;
    seen!.set(K.theta);
    observe(seen!);
  };
  try {
    return run(K, look);
  } finally {
    K.release();
  }
}

/** normalizedFlow(model, X, y, theta0, o) on the kernel: the same steps, the same result; undefined where no kernel applies or with unit steps. */
export function twoLayerNormalizedFlow(model: Model, X: Mat, y: Float64Array, theta0: Float64Array, o: NormalizedFlowOptions): SimResult | undefined {
  if (o.unitStep) return undefined;
  // normalizedFlowRuns hands the observer its θ
  return onKernel(model, X, undefined, (K) => {
    K.y.set(y.subarray(0, X.rows));
    return normalizedFlowRuns({ theta: K.theta, forward: K.forward, lossWeights: K.lossWeights, loss: K.loss, flow: K.flow }, theta0, o);
  });
}

export interface TwoLayerDescentOptions {
  steps: number;
  eta: number;
  stopLoss?: number;
  snapshots?: boolean;
  observe?: Observer;
}

/** gradientDescent(objective(model, loss, X, y, reduction), theta0, o) on the kernel: the same steps, the same result; undefined where no kernel applies. */
export function twoLayerGradientDescent(
  model: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  reduction: 'sum' | 'mean',
  theta0: Float64Array,
  o: TwoLayerDescentOptions,
): SimResult | undefined {
  return onKernel(model, X, o.observe, (K, look) => {
    const n = X.rows;
    const w = reduction === 'mean' ? 1 / n : 1;
    const { theta, pred, c } = K;
    theta.set(theta0);
    // objective.ts's valueAndGrad after the forward pass at θ
    const valueAndGrad = (): number => {
      const s = lossSumAndWeights(loss, pred, y, n, w, c);
      K.backward();
      return w * s;
    };
    const rec = recorder();
    K.forward();
    let L = valueAndGrad();
    rec.record(0, 0, L, true);
    look();
    const schedule = o.snapshots ? snapshotSchedule(o.steps) : undefined;
    const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
    let k = 0;
    let stoppedBy: SimResult['stoppedBy'] = 'steps';
    for (; k < o.steps; k++) {
      if (o.stopLoss !== undefined && L < o.stopLoss) {
        stoppedBy = 'loss';
        break;
      }
      const finite = K.descentStep(o.eta);
      L = valueAndGrad();
      // assertFinite's test and error
      if (!Number.isFinite(L) || !finite) throw new DivergedError(`step ${k + 1}`);
      look();
      rec.record(k + 1, k + 1, L);
      if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(theta) });
    }
    rec.record(k, k, L, true);
    return { theta: Float64Array.from(theta), loss: L, steps: k, time: k * o.eta, errorEstimate: 0, trajectory: rec.points, stoppedBy, snapshots };
  });
}
