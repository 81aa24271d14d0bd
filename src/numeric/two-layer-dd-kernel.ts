// The two batteries of double-double dot products in twoLayerNetDD's passes (models.ts): the pre-activations
// z_ij = ⟨w_j, x_i⟩ and the weight gradient Σ_i g_ij x_i, each a ddDotFloat (dd.ts) of a double-double vector
// with float64 data, as a WebAssembly SIMD module generated per shape. Two dot products run per f64x2 vector
// (two neurons, or two columns of X), and two of them interleaved, each lane performing ddDotFloat's
// operations in its order (IEEE add, sub and mul per lane, never fused), so every sum is bit-identical to
// ddDotFloat's (test/numeric/two-layer-dd-kernel.test.ts).
import { call, f64, f64x2, F64, Fn, I32, i32, ifThen, moduleBytes, simd, V128, type Code } from './wasm-asm.js';
import { cachedKernel } from './kernel-cache.js';

/** Byte offsets of the arrays in a kernel's memory, for n rows, m neurons, d columns (m and d padded to even). */
function layout(n: number, m: number, d: number) {
  const mp = m + (m & 1),
    dp = d + (d & 1);
  let at = 0;
  const take = (doubles: number) => {
    const o = at;
    at += 8 * (doubles + (doubles & 1));
    return o;
  };
  return {
    mp,
    dp,
    /** X and its high halves, n × dp row-major (a zero column pads an odd d) */
    x: take(n * dp),
    xs: take(n * dp),
    /** W's hi, lo and high halves of hi, neurons in pairs: (W[2p,k], W[2p+1,k]) at 16(p·d + k) (a zero neuron pads an odd m) */
    wh: take(mp * d),
    wl: take(mp * d),
    ws: take(mp * d),
    /** z's hi and lo, n × mp row-major */
    zh: take(n * mp),
    zl: take(n * mp),
    /** G's hi, lo and high halves of hi, m × n row-major */
    gh: take(m * n),
    gl: take(m * n),
    gs: take(m * n),
    /** the weight gradient's hi and lo, m × dp row-major */
    rh: take(m * dp),
    rl: take(m * dp),
    /** a leaky ReLU's φ(z) (hi, lo) and φ′(z), n × mp as z */
    ph: take(n * mp),
    pl: take(n * mp),
    dq: take(n * mp),
    /** v's hi and lo (m), c's hi and lo (n), the outputs f (n), v's gradient (m) */
    vh: take(mp),
    vl: take(mp),
    ch: take(n),
    cl: take(n),
    fh: take(n),
    fl: take(n),
    uh: take(mp),
    ul: take(mp),
    /** i32 tables of the data's zeros: kEnd[i] for the block of rows from i, iStart[k] for the block of columns from k */
    kEnd: take(n),
    iStart: take(dp),
    bytes: at,
  };
}

/**
 * One step of ddDotFloat on `chains` running sums (sh{u}, sl{u}): a = (ah, al) with high half a1 (a2 = ah − a1,
 * shared), b{u} with high half b1{u}; the names of the locals holding them.
 */
function ddDotTerm(f: Fn, chains: number): Code {
  const g = f.get;
  const out: Code = [...f.set('a2', V128, f64x2.sub(g('ah'), g('a1')))];
  for (let u = 0; u < chains; u++) {
    const b = g(`b${u}`),
      b1 = g(`b1${u}`),
      sh = g(`sh${u}`),
      sl = g(`sl${u}`);
    out.push(
      ...f.set('b2', V128, f64x2.sub(b, b1)),
      ...f.set('p', V128, f64x2.mul(g('ah'), b)),
      // pe = a1·b1 − p + a1·b2 + a2·b1 + a2·b2 + aLo·b, left to right
      ...f.set(
        'pe',
        V128,
        f64x2.add(
          f64x2.add(
            f64x2.add(f64x2.add(f64x2.sub(f64x2.mul(g('a1'), b1), g('p')), f64x2.mul(g('a1'), g('b2'))), f64x2.mul(g('a2'), b1)),
            f64x2.mul(g('a2'), g('b2')),
          ),
          f64x2.mul(g('al'), b),
        ),
      ),
      ...f.set('s', V128, f64x2.add(sh, g('p'))),
      ...f.set('v', V128, f64x2.sub(g('s'), sh)),
      // e = sh − (s − v) + (p − v) + (sl + pe)
      ...f.set('e', V128, f64x2.add(f64x2.add(f64x2.sub(sh, f64x2.sub(g('s'), g('v'))), f64x2.sub(g('p'), g('v'))), f64x2.add(sl, g('pe')))),
      ...f.set(`sh${u}`, V128, f64x2.add(g('s'), g('e'))),
      ...f.set(`sl${u}`, V128, f64x2.sub(g('e'), f64x2.sub(g(`sh${u}`), g('s')))),
    );
  }
  return out;
}

/** f64 or f64x2 arithmetic: one generator writes dd.ts's operations for one value or two per vector (IEEE per lane, never fused). */
interface Lanes {
  type: number;
  c(x: number): Code;
  add(a: Code, b: Code): Code;
  sub(a: Code, b: Code): Code;
  mul(a: Code, b: Code): Code;
  /** |a| > b */
  absGt(a: Code, b: Code): Code;
  /** a where `when`, else b */
  select(a: Code, b: Code, when: Code): Code;
}
const scalar: Lanes = {
  type: F64,
  c: f64.c,
  add: f64.add,
  sub: f64.sub,
  mul: f64.mul,
  absGt: (a, b) => [...a, 0x99, ...b, 0x64], // f64.abs; f64.gt
  select: f64.select,
};
const vector: Lanes = {
  type: V128,
  c: (x) => f64x2.splat(f64.c(x)),
  add: f64x2.add,
  sub: f64x2.sub,
  mul: f64x2.mul,
  absGt: (a, b) => f64x2.gt(f64x2.abs(a), b),
  select: f64x2.select,
};

/** dd.ts's highHalf of `x` into the local `out` (Veltkamp's split, scaled above 2^996: both formed, one kept). */
function highHalfInto(L: Lanes, f: Fn, out: string, x: Code): Code {
  const g = f.get;
  return [
    ...f.set(`${out}_x`, L.type, x),
    ...f.set(`${out}_t`, L.type, L.mul(L.c(134217729), g(`${out}_x`))),
    ...f.set(`${out}_y`, L.type, L.mul(g(`${out}_x`), L.c(2 ** -28))),
    ...f.set(`${out}_u`, L.type, L.mul(L.c(134217729), g(`${out}_y`))),
    ...f.set(
      out,
      L.type,
      L.select(
        L.mul(L.sub(g(`${out}_u`), L.sub(g(`${out}_u`), g(`${out}_y`))), L.c(2 ** 28)),
        L.sub(g(`${out}_t`), L.sub(g(`${out}_t`), g(`${out}_x`))),
        L.absGt(g(`${out}_x`), L.c(2 ** 996)),
      ),
    ),
  ];
}

/** ddMulAt's product of the locals a = (ah, al), b = (bh, bl) with high halves a1, b1, into the locals `${out}h`, `${out}l`. */
function ddMulInto(L: Lanes, f: Fn, out: string, [ah, al, a1]: string[], [bh, bl, b1]: string[]): Code {
  const g = f.get;
  const p = `${out}_p`,
    a2 = `${out}_a2`,
    b2 = `${out}_b2`,
    e = `${out}_e`;
  return [
    ...f.set(p, L.type, L.mul(g(ah), g(bh))),
    ...f.set(a2, L.type, L.sub(g(ah), g(a1))),
    ...f.set(b2, L.type, L.sub(g(bh), g(b1))),
    // e = a1·b1 − p + a1·b2 + a2·b1 + a2·b2 + (ah·bl + al·bh + al·bl), left to right
    ...f.set(
      e,
      L.type,
      L.add(
        L.add(L.add(L.add(L.sub(L.mul(g(a1), g(b1)), g(p)), L.mul(g(a1), g(b2))), L.mul(g(a2), g(b1))), L.mul(g(a2), g(b2))),
        L.add(L.add(L.mul(g(ah), g(bl)), L.mul(g(al), g(bh))), L.mul(g(al), g(bl))),
      ),
    ),
    ...f.set(`${out}h`, L.type, L.add(g(p), g(e))),
    ...f.set(`${out}l`, L.type, L.sub(g(e), L.sub(g(`${out}h`), g(p)))),
  ];
}

/** ddDotStrided's step (sh, sl) += (ph, pl) on locals, as ddAdd. */
function ddAccumulate(L: Lanes, f: Fn, sh: string, sl: string, ph: string, pl: string): Code {
  const g = f.get;
  return [
    ...f.set('s', L.type, L.add(g(sh), g(ph))),
    ...f.set('v', L.type, L.sub(g('s'), g(sh))),
    ...f.set('e', L.type, L.add(L.sub(g(sh), L.sub(g('s'), g('v'))), L.sub(g(ph), g('v')))),
    ...f.set('t', L.type, L.add(g(sl), g(pl))),
    ...f.set('v', L.type, L.sub(g('t'), g(sl))),
    ...f.set('ff', L.type, L.add(L.sub(g(sl), L.sub(g('t'), g('v'))), L.sub(g(pl), g('v')))),
    ...f.set('e', L.type, L.add(g('e'), g('t'))),
    ...f.set('h', L.type, L.add(g('s'), g('e'))),
    ...f.set('e', L.type, L.sub(g('e'), L.sub(g('h'), g('s')))),
    ...f.set('s', L.type, g('h')),
    ...f.set('e', L.type, L.add(g('e'), g('ff'))),
    ...f.set('h', L.type, L.add(g('s'), g('e'))),
    ...f.set(sl, L.type, L.sub(g('e'), L.sub(g('h'), g('s')))),
    ...f.set(sh, L.type, g('h')),
  ];
}

/**
 * preActivations(): z[i, j] = ddDotFloat(W row j, X row i) for every i, j, two neurons per vector and two rows
 * interleaved; weightGradient(): grad[j, k] = ddDotFloat(G row j, X column k), two columns per vector and two
 * pairs of columns interleaved.
 */
function kernelModule(n: number, m: number, d: number): Uint8Array<ArrayBuffer> {
  const L = layout(n, m, d);
  const { mp, dp } = L;
  const zero = f64x2.splat(f64.c(0));
  const fns: Array<ReturnType<Fn['build']>> = [];
  {
    // with skip: the terms past kEnd (X zero there in the block's rows) left out, exact where W and z are finite (see activations)
    const f = new Fn('preActivations', [['skip', I32]]);
    const g = f.get;
    /** `rows` rows from i for the neuron pair p */
    const block = (rows: number): Code => {
      const out: Code = [];
      for (let u = 0; u < rows; u++) out.push(...f.set(`sh${u}`, V128, zero), ...f.set(`sl${u}`, V128, zero));
      out.push(...f.set('w', I32, i32.mul(i32.mul(g('p2'), i32.c(d)), i32.c(16))), ...f.set('xa', I32, i32.mul(i32.mul(g('i'), i32.c(dp)), i32.c(8))));
      out.push(
        ...f.set('kEnd', I32, f64.select(i32.load(i32.mul(g('i'), i32.c(4)), L.kEnd), i32.c(d), g('skip'))),
        ...f.loop('k', i32.c(0), g('kEnd'), 1, () => {
          const body: Code = [
            ...f.set('ah', V128, f64x2.load(g('w'), L.wh)),
            ...f.set('al', V128, f64x2.load(g('w'), L.wl)),
            ...f.set('a1', V128, f64x2.load(g('w'), L.ws)),
          ];
          for (let u = 0; u < rows; u++)
            body.push(
              ...f.set(`b${u}`, V128, f64x2.loadSplat(g('xa'), L.x + 8 * dp * u)),
              ...f.set(`b1${u}`, V128, f64x2.loadSplat(g('xa'), L.xs + 8 * dp * u)),
            );
          body.push(...ddDotTerm(f, rows), ...f.set('w', I32, i32.add(g('w'), i32.c(16))), ...f.set('xa', I32, i32.add(g('xa'), i32.c(8))));
          return body;
        }),
      );
      const zAt = i32.mul(i32.add(i32.mul(g('i'), i32.c(mp)), i32.mul(g('p2'), i32.c(2))), i32.c(8));
      for (let u = 0; u < rows; u++) out.push(...f64x2.store(zAt, g(`sh${u}`), L.zh + 8 * mp * u), ...f64x2.store(zAt, g(`sl${u}`), L.zl + 8 * mp * u));
      return out;
    };
    const body = f.loop('p2', i32.c(0), i32.c(mp >> 1), 1, () => [
      ...f.loop('i', i32.c(0), i32.c(n & ~1), 2, () => block(2)),
      ...f.loop('i', i32.c(n & ~1), i32.c(n), 1, () => block(1)),
    ]);
    fns.push(f.build(undefined, body));
  }
  {
    // with skip: the rows before iStart (X zero there in the block's columns) left out, exact where G is finite (see gradient)
    const f = new Fn('weightGradient', [['skip', I32]]);
    const g = f.get;
    /** `pairs` pairs of columns from k for neuron j */
    const block = (pairs: number): Code => {
      const out: Code = [];
      for (let u = 0; u < pairs; u++) out.push(...f.set(`sh${u}`, V128, zero), ...f.set(`sl${u}`, V128, zero));
      out.push(
        ...f.set('iFrom', I32, f64.select(i32.load(i32.mul(g('k'), i32.c(4)), L.iStart), i32.c(0), g('skip'))),
        ...f.set('ga', I32, i32.mul(i32.add(i32.mul(g('j'), i32.c(n)), g('iFrom')), i32.c(8))),
        ...f.set('xa', I32, i32.mul(i32.add(i32.mul(g('iFrom'), i32.c(dp)), g('k')), i32.c(8))),
      );
      out.push(
        ...f.loop('i', g('iFrom'), i32.c(n), 1, () => {
          const body: Code = [
            ...f.set('ah', V128, f64x2.loadSplat(g('ga'), L.gh)),
            ...f.set('al', V128, f64x2.loadSplat(g('ga'), L.gl)),
            ...f.set('a1', V128, f64x2.loadSplat(g('ga'), L.gs)),
          ];
          for (let u = 0; u < pairs; u++)
            body.push(...f.set(`b${u}`, V128, f64x2.load(g('xa'), L.x + 16 * u)), ...f.set(`b1${u}`, V128, f64x2.load(g('xa'), L.xs + 16 * u)));
          body.push(...ddDotTerm(f, pairs), ...f.set('ga', I32, i32.add(g('ga'), i32.c(8))), ...f.set('xa', I32, i32.add(g('xa'), i32.c(8 * dp))));
          return body;
        }),
      );
      const rAt = i32.mul(i32.add(i32.mul(g('j'), i32.c(dp)), g('k')), i32.c(8));
      for (let u = 0; u < pairs; u++) out.push(...f64x2.store(rAt, g(`sh${u}`), L.rh + 16 * u), ...f64x2.store(rAt, g(`sl${u}`), L.rl + 16 * u));
      return out;
    };
    const kp = dp >> 1;
    const body = f.loop('j', i32.c(0), i32.c(m), 1, () => [
      ...f.loop('k', i32.c(0), i32.c(2 * (kp & ~1)), 4, () => block(2)),
      ...f.loop('k', i32.c(2 * (kp & ~1)), i32.c(dp), 2, () => block(1)),
    ]);
    fns.push(f.build(undefined, body));
  }
  fns.push(...leakyFns(L, n, m, d, fns));
  return moduleBytes(fns);
}

/**
 * The leaky ReLU's passes around the dot products, as twoLayerNetDD's (no hidden bias), with z, φ(z) and φ′(z) kept here:
 * activations(γ, γ_lo, φ′(0)): W's high halves, z, φ(z) = z (z > 0) or ddMul(γ, z), φ′(z) = 1, γ or φ′(0) by z's sign;
 * outputs(): f_i = ddDotStrided(φ(z) row i, v); gradient(): G[j, i] = c_i (where c_i = 0) or ddMul(ddMul(c_i, v_j), φ′(z_ij)),
 * its high halves and the weight gradient; outputGradient(): ∂/∂v_j = ddDotStrided(φ(z) column j, c).
 */
function leakyFns(L: ReturnType<typeof layout>, n: number, m: number, d: number, fns: Array<{ name: string }>) {
  const { mp } = L;
  const out: Array<ReturnType<Fn['build']>> = [];
  {
    const f = new Fn('activations', [
      ['gh', F64],
      ['gl', F64],
      ['d0', F64],
    ]);
    const g = f.get;
    const at = (q: string) => i32.mul(g(q), i32.c(8));
    const V = vector;
    const zero = V.c(0);
    const inf = V.c(Infinity);
    const finite = (x: Code) => f64x2.lt(f64x2.abs(x), inf);
    const and = (a: Code, b: Code) => simd(0x4e, a, b);
    const sameBits = (a: Code, b: Code) => simd(0xd6, a, b); // i64x2.eq
    const body: Code = [
      ...f.set('wok', V128, f64x2.lt(zero, inf)),
      ...f.loop('q', i32.c(0), i32.c(mp * d), 2, () => [
        ...highHalfInto(V, f, 'w1', f64x2.load(at('q'), L.wh)),
        ...f64x2.store(at('q'), g('w1'), L.ws),
        ...f.set('wok', V128, and(g('wok'), and(finite(g('w1_x')), finite(f64x2.load(at('q'), L.wl))))),
      ]),
      // with W finite, a term with x = 0 is ±0 and leaves a sum (sh, sl) as it is where that sum is finite and a fixed point
      // of adding ±0 (sh + e = sh and e − (sh + e − sh) = sl, e = sl or +0): z past kEnd is then z at kEnd; else all terms
      ...f.set('skip', I32, f64x2.allTrue(g('wok'))),
      ...g('skip'),
      ...call(fns, 'preActivations'),
      ...ifThen(g('skip'), [
        ...f.set('zok', V128, f64x2.lt(zero, inf)),
        ...f.loop('q', i32.c(0), i32.c(n * mp), 2, () => [
          ...f.set('zh', V128, f64x2.load(at('q'), L.zh)),
          ...f.set('zl', V128, f64x2.load(at('q'), L.zl)),
          ...f.set('ze', V128, V.select(g('zl'), zero, f64x2.ne(g('zl'), zero))),
          ...f.set('zs', V128, f64x2.add(g('zh'), g('ze'))),
          ...f.set(
            'zok',
            V128,
            and(and(g('zok'), finite(g('zh'))), and(sameBits(g('zs'), g('zh')), sameBits(f64x2.sub(g('ze'), f64x2.sub(g('zs'), g('zh'))), g('zl')))),
          ),
        ]),
        ...ifThen([...f64x2.allTrue(g('zok')), 0x45], [...i32.c(0), ...call(fns, 'preActivations')]), // i32.eqz
      ]),
      ...f.set('ah', V128, f64x2.splat(g('gh'))),
      ...f.set('al', V128, f64x2.splat(g('gl'))),
      ...highHalfInto(V, f, 'a1', g('ah')),
      ...f.set('dneg', V128, g('ah')),
      ...f.set('dzero', V128, f64x2.splat(g('d0'))),
      ...f.loop('q', i32.c(0), i32.c(n * mp), 2, () => [
        ...f.set('bh', V128, f64x2.load(at('q'), L.zh)),
        ...f.set('bl', V128, f64x2.load(at('q'), L.zl)),
        // z > 0: h > 0 or (h = 0 and l > 0); z < 0 likewise
        ...f.set('hz', V128, simd(0x47, g('bh'), zero)),
        ...f.set('pos', V128, simd(0x50, f64x2.gt(g('bh'), zero), simd(0x4e, g('hz'), f64x2.gt(g('bl'), zero)))),
        ...f.set('neg', V128, simd(0x50, f64x2.lt(g('bh'), zero), simd(0x4e, g('hz'), f64x2.lt(g('bl'), zero)))),
        ...highHalfInto(V, f, 'b1', g('bh')),
        ...ddMulInto(V, f, 'm', ['ah', 'al', 'a1'], ['bh', 'bl', 'b1']),
        ...f64x2.store(at('q'), V.select(g('bh'), g('mh'), g('pos')), L.ph),
        ...f64x2.store(at('q'), V.select(g('bl'), g('ml'), g('pos')), L.pl),
        ...f64x2.store(at('q'), V.select(V.c(1), V.select(g('dneg'), g('dzero'), g('neg')), g('pos')), L.dq),
      ]),
    ];
    out.push(f.build(undefined, body));
  }
  const S = scalar;
  {
    const f = new Fn('outputs', []);
    const g = f.get;
    const V = vector;
    const lane = (x: Code, k: number): Code => [...simd(0x21, x), k]; // f64x2.extract_lane
    /** φ(z) at (i, j) and (i + 1, j) (rows = 2), or at (i, j) in both lanes */
    const twoRows = (rows: number, from: number): Code =>
      rows === 2 ? [...simd(0x22, f64x2.loadSplat(g('a'), from), f64.load(g('a'), from + 8 * mp)), 1] : f64x2.loadSplat(g('a'), from); // f64x2.replace_lane
    /** f_i (and f_{i+1}), one row per lane */
    const block = (rows: number): Code => {
      const out: Code = [
        ...f.set('sh', V128, V.c(0)),
        ...f.set('sl', V128, V.c(0)),
        ...f.loop('j', i32.c(0), i32.c(m), 1, () => [
          ...f.set('a', I32, i32.mul(i32.add(i32.mul(g('i'), i32.c(mp)), g('j')), i32.c(8))),
          ...f.set('ah', V128, twoRows(rows, L.ph)),
          ...f.set('al', V128, twoRows(rows, L.pl)),
          ...f.set('b', I32, i32.mul(g('j'), i32.c(8))),
          ...f.set('bh', V128, f64x2.loadSplat(g('b'), L.vh)),
          ...f.set('bl', V128, f64x2.loadSplat(g('b'), L.vl)),
          ...highHalfInto(V, f, 'a1', g('ah')),
          ...highHalfInto(V, f, 'b1', g('bh')),
          ...ddMulInto(V, f, 'p', ['ah', 'al', 'a1'], ['bh', 'bl', 'b1']),
          ...ddAccumulate(V, f, 'sh', 'sl', 'ph', 'pl'),
        ]),
      ];
      for (let u = 0; u < rows; u++)
        out.push(
          ...f64.store(i32.mul(g('i'), i32.c(8)), lane(g('sh'), u), L.fh + 8 * u),
          ...f64.store(i32.mul(g('i'), i32.c(8)), lane(g('sl'), u), L.fl + 8 * u),
        );
      return out;
    };
    const body = [...f.loop('i', i32.c(0), i32.c(n & ~1), 2, () => block(2)), ...(n & 1 ? [...f.set('i', I32, i32.c(n - 1)), ...block(1)] : [])];
    out.push(f.build(undefined, body));
  }
  {
    const f = new Fn('gradient', []);
    const g = f.get;
    const V = vector;
    const zero = V.c(0);
    const finite = (x: Code) => f64x2.lt(f64x2.abs(x), V.c(Infinity));
    const and = (a: Code, b: Code) => simd(0x4e, a, b);
    const lane = (x: Code, k: number): Code => [...simd(0x21, x), k]; // f64x2.extract_lane
    /** G[j, i] and G[j + 1, i] (the second only where `lanes` is 2: an odd m's last neuron is alone), from c_i in a* and c0 */
    const neurons = (lanes: number): Code => {
      const out: Code = [
        ...f.set('b', I32, i32.mul(g('j'), i32.c(8))),
        ...f.set('bh', V128, f64x2.load(g('b'), L.vh)),
        ...f.set('bl', V128, f64x2.load(g('b'), L.vl)),
        ...highHalfInto(V, f, 'b1', g('bh')),
        ...ddMulInto(V, f, 't', ['ah', 'al', 'a1'], ['bh', 'bl', 'b1']),
        ...highHalfInto(V, f, 't1', g('th')),
        ...f.set('dh', V128, f64x2.load(i32.mul(i32.add(i32.mul(g('i'), i32.c(mp)), g('j')), i32.c(8)), L.dq)),
        ...f.set('dl', V128, zero),
        ...highHalfInto(V, f, 'd1', g('dh')),
        ...ddMulInto(V, f, 'u', ['th', 'tl', 't1'], ['dh', 'dl', 'd1']),
        // c_i = 0 (either zero): G = c_i
        ...f.set('uh', V128, V.select(g('ah'), g('uh'), g('c0'))),
        ...f.set('ul', V128, V.select(g('al'), g('ul'), g('c0'))),
        ...f.set('gok', V128, and(g('gok'), and(finite(g('uh')), finite(g('ul'))))),
        ...highHalfInto(V, f, 'g1', g('uh')),
        ...f.set('ga', I32, i32.mul(i32.add(i32.mul(g('j'), i32.c(n)), g('i')), i32.c(8))),
      ];
      for (let k = 0; k < lanes; k++)
        out.push(
          ...f64.store(g('ga'), lane(g('uh'), k), L.gh + 8 * n * k),
          ...f64.store(g('ga'), lane(g('ul'), k), L.gl + 8 * n * k),
          ...f64.store(g('ga'), lane(g('g1'), k), L.gs + 8 * n * k),
        );
      return out;
    };
    const body = [
      ...f.set('gok', V128, f64x2.lt(zero, V.c(Infinity))),
      ...f.loop('i', i32.c(0), i32.c(n), 1, () => [
        ...f.set('ah', V128, f64x2.loadSplat(i32.mul(g('i'), i32.c(8)), L.ch)),
        ...f.set('al', V128, f64x2.loadSplat(i32.mul(g('i'), i32.c(8)), L.cl)),
        ...highHalfInto(V, f, 'a1', g('ah')),
        ...f.set('c0', V128, and(simd(0x47, g('ah'), zero), simd(0x47, g('al'), zero))), // f64x2.eq
        ...f.loop('j', i32.c(0), i32.c(m & ~1), 2, () => neurons(2)),
        ...(m & 1 ? [...f.set('j', I32, i32.c(m - 1)), ...neurons(1)] : []),
      ]),
      // with G finite, the rows before iStart (X zero in the block's columns) add ±0 to sums at +0: left out
      ...f64x2.allTrue(g('gok')),
      ...call(fns, 'weightGradient'),
    ];
    out.push(f.build(undefined, body));
  }
  {
    const f = new Fn('outputGradient', []);
    const g = f.get;
    const body = f.loop('j', i32.c(0), i32.c(m), 1, () => [
      ...f.set('sh', F64, S.c(0)),
      ...f.set('sl', F64, S.c(0)),
      ...f.loop('i', i32.c(0), i32.c(n), 1, () => [
        ...f.set('a', I32, i32.mul(i32.add(i32.mul(g('i'), i32.c(mp)), g('j')), i32.c(8))),
        ...f.set('ah', F64, f64.load(g('a'), L.ph)),
        ...f.set('al', F64, f64.load(g('a'), L.pl)),
        ...f.set('b', I32, i32.mul(g('i'), i32.c(8))),
        ...f.set('bh', F64, f64.load(g('b'), L.ch)),
        ...f.set('bl', F64, f64.load(g('b'), L.cl)),
        ...highHalfInto(S, f, 'a1', g('ah')),
        ...highHalfInto(S, f, 'b1', g('bh')),
        ...ddMulInto(S, f, 'p', ['ah', 'al', 'a1'], ['bh', 'bl', 'b1']),
        ...ddAccumulate(S, f, 'sh', 'sl', 'ph', 'pl'),
      ]),
      ...f64.store(i32.mul(g('j'), i32.c(8)), g('sh'), L.uh),
      ...f64.store(i32.mul(g('j'), i32.c(8)), g('sl'), L.ul),
    ]);
    out.push(f.build(undefined, body));
  }
  return out;
}

const modules = new Map<string, WebAssembly.Module | undefined>();

/** The generated kernels of twoLayerNetDD on data X (n×d) with high halves XSplit; θ's and G's arrays in, results out. */
export interface DDDotKernel {
  /** zHi/zLo[i·m + j] = ddDotFloat(wHi, wLo, wSplit, j·d, X, XSplit, i·d, 1, d) for every row i and neuron j (W: m×d) */
  preActivations(wHi: Float64Array, wLo: Float64Array, wSplit: Float64Array, zHi: Float64Array, zLo: Float64Array): void;
  /** gradHi/gradLo[j·d + k] = ddDotFloat(gHi, gLo, gSplit, j·n, X, XSplit, k, d, n) for every neuron j and column k (G: m×n) */
  weightGradient(gHi: Float64Array, gLo: Float64Array, gSplit: Float64Array, gradHi: Float64Array, gradLo: Float64Array): void;
  /** the pre-activations of W (θ's first m·d entries) and a leaky ReLU's φ(z), φ′(z) (slope γ, φ′(0) = dphiAtZero), kept in the kernel */
  leakyActivations(thetaHi: Float64Array, thetaLo: Float64Array, gamma: number, dphiAtZero: number): void;
  /** out_i = ddDotStrided(φ(z) row i, v) (v: θ from vAt), at the last leakyActivations */
  outputs(thetaHi: Float64Array, thetaLo: Float64Array, vAt: number, outHi: Float64Array, outLo: Float64Array): void;
  /** twoLayerNetDD's gradient of Σ_i c_i f_i at the last leakyActivations: W's into grad[0, m·d), v's into grad[vAt, vAt + m) with trainOutput */
  leakyGradient(
    cHi: Float64Array,
    cLo: Float64Array,
    thetaHi: Float64Array,
    thetaLo: Float64Array,
    vAt: number,
    gradHi: Float64Array,
    gradLo: Float64Array,
    trainOutput: boolean,
  ): void;
}

/** The kernel of shape (n, m, d) holding the data; undefined where WebAssembly SIMD is unavailable or CLAIMCHECK_KERNELS=js. */
export function ddDotKernel(X: Float64Array, XSplit: Float64Array, n: number, m: number, d: number): DDDotKernel | undefined {
  if (process.env.CLAIMCHECK_KERNELS === 'js' || n < 1 || m < 1 || d < 1) return undefined;
  const key = `${n} ${m} ${d}`;
  const mod = cachedKernel(modules, key, () => {
    try {
      return new WebAssembly.Module(kernelModule(n, m, d));
    } catch {
      return undefined;
    }
  });
  if (!mod) return undefined;
  const L = layout(n, m, d);
  const { mp, dp } = L;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(L.bytes / 65536) });
  const e = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as {
    preActivations(skip: number): void;
    weightGradient(skip: number): void;
    activations(gh: number, gl: number, d0: number): void;
    outputs(): void;
    gradient(): void;
    outputGradient(): void;
  };
  const f = (at: number, len: number) => new Float64Array(memory.buffer, at, len);
  const x = f(L.x, n * dp),
    xs = f(L.xs, n * dp);
  for (let i = 0; i < n; i++) (x.set(X.subarray(i * d, (i + 1) * d), i * dp), xs.set(XSplit.subarray(i * d, (i + 1) * d), i * dp));
  // the zeros of X: past kEnd[i] in the rows of the block from i (two rows, one for an odd last), before iStart[k] in the columns
  // of the block from k (four columns, then two: weightGradient's blocks)
  const kEnd = new Int32Array(memory.buffer, L.kEnd, n),
    iStart = new Int32Array(memory.buffer, L.iStart, dp);
  const nonzero = (i: number, k: number) => i < n && k < d && X[i * d + k] !== 0;
  for (let i = 0; i < n; i += 2) for (let k = 0; k < d; k++) if (nonzero(i, k) || nonzero(i + 1, k)) kEnd[i] = k + 1;
  const kp = dp >> 1;
  for (let k = 0; k < dp; k += k < 2 * (kp & ~1) ? 4 : 2) {
    const w = k < 2 * (kp & ~1) ? 4 : 2;
    let first = n;
    for (let i = n - 1; i >= 0; i--) for (let c = k; c < k + w; c++) if (nonzero(i, c)) first = i;
    iStart[k] = first;
  }
  const wh = f(L.wh, mp * d),
    wl = f(L.wl, mp * d),
    ws = f(L.ws, mp * d),
    zh = f(L.zh, n * mp),
    zl = f(L.zl, n * mp),
    gh = f(L.gh, m * n),
    gl = f(L.gl, m * n),
    gs = f(L.gs, m * n),
    rh = f(L.rh, m * dp),
    rl = f(L.rl, m * dp),
    vh = f(L.vh, m),
    vl = f(L.vl, m),
    ch = f(L.ch, n),
    cl = f(L.cl, n),
    fh = f(L.fh, n),
    fl = f(L.fl, n),
    uh = f(L.uh, m),
    ul = f(L.ul, m);
  const setV = (thetaHi: Float64Array, thetaLo: Float64Array, vAt: number) => {
    for (let j = 0; j < m; j++) ((vh[j] = thetaHi[vAt + j]), (vl[j] = thetaLo[vAt + j]));
  };
  return {
    preActivations(wHi, wLo, wSplit, zHi, zLo) {
      for (let j = 0; j < m; j++) {
        const o = 2 * (j >> 1) * d + (j & 1);
        for (let k = 0; k < d; k++) ((wh[o + 2 * k] = wHi[j * d + k]), (wl[o + 2 * k] = wLo[j * d + k]), (ws[o + 2 * k] = wSplit[j * d + k]));
      }
      e.preActivations(0);
      for (let i = 0; i < n; i++) (zHi.set(zh.subarray(i * mp, i * mp + m), i * m), zLo.set(zl.subarray(i * mp, i * mp + m), i * m));
    },
    weightGradient(gHi, gLo, gSplit, gradHi, gradLo) {
      gh.set(gHi.subarray(0, m * n));
      gl.set(gLo.subarray(0, m * n));
      gs.set(gSplit.subarray(0, m * n));
      e.weightGradient(0);
      for (let j = 0; j < m; j++) (gradHi.set(rh.subarray(j * dp, j * dp + d), j * d), gradLo.set(rl.subarray(j * dp, j * dp + d), j * d));
    },
    leakyActivations(wHi, wLo, gamma, dphiAtZero) {
      for (let j = 0; j < m; j++) {
        const o = 2 * (j >> 1) * d + (j & 1);
        for (let k = 0; k < d; k++) ((wh[o + 2 * k] = wHi[j * d + k]), (wl[o + 2 * k] = wLo[j * d + k]));
      }
      e.activations(gamma, 0, dphiAtZero);
    },
    outputs(thetaHi, thetaLo, vAt, outHi, outLo) {
      setV(thetaHi, thetaLo, vAt);
      e.outputs();
      for (let i = 0; i < n; i++) ((outHi[i] = fh[i]), (outLo[i] = fl[i]));
    },
    leakyGradient(cHi, cLo, thetaHi, thetaLo, vAt, gradHi, gradLo, trainOutput) {
      setV(thetaHi, thetaLo, vAt);
      for (let i = 0; i < n; i++) ((ch[i] = cHi[i]), (cl[i] = cLo[i]));
      e.gradient();
      if (dp === d) (gradHi.set(rh.subarray(0, m * d)), gradLo.set(rl.subarray(0, m * d)));
      else for (let j = 0; j < m; j++) (gradHi.set(rh.subarray(j * dp, j * dp + d), j * d), gradLo.set(rl.subarray(j * dp, j * dp + d), j * d));
      if (!trainOutput) return;
      e.outputGradient();
      for (let j = 0; j < m; j++) ((gradHi[vAt + j] = uh[j]), (gradLo[vAt + j] = ul[j]));
    },
  };
}
