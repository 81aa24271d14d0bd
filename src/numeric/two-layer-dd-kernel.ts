// The two batteries of double-double dot products in twoLayerNetDD's passes (models.ts): the pre-activations
// z_ij = ⟨w_j, x_i⟩ and the weight gradient Σ_i g_ij x_i, each a ddDotFloat (dd.ts) of a double-double vector
// with float64 data, as a WebAssembly SIMD module generated per shape. Two dot products run per f64x2 vector
// (two neurons, or two columns of X), and two of them interleaved, each lane performing ddDotFloat's
// operations in its order (IEEE add, sub and mul per lane, never fused), so every sum is bit-identical to
// ddDotFloat's (test/numeric/two-layer-dd-kernel.test.ts).
import { f64, f64x2, Fn, I32, i32, moduleBytes, V128, type Code } from './wasm-asm.js';
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
    const f = new Fn('preActivations', []);
    const g = f.get;
    /** `rows` rows from i for the neuron pair p */
    const block = (rows: number): Code => {
      const out: Code = [];
      for (let u = 0; u < rows; u++) out.push(...f.set(`sh${u}`, V128, zero), ...f.set(`sl${u}`, V128, zero));
      out.push(...f.set('w', I32, i32.mul(i32.mul(g('p2'), i32.c(d)), i32.c(16))), ...f.set('xa', I32, i32.mul(i32.mul(g('i'), i32.c(dp)), i32.c(8))));
      out.push(
        ...f.loop('k', i32.c(0), i32.c(d), 1, () => {
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
    const f = new Fn('weightGradient', []);
    const g = f.get;
    /** `pairs` pairs of columns from k for neuron j */
    const block = (pairs: number): Code => {
      const out: Code = [];
      for (let u = 0; u < pairs; u++) out.push(...f.set(`sh${u}`, V128, zero), ...f.set(`sl${u}`, V128, zero));
      out.push(...f.set('ga', I32, i32.mul(i32.mul(g('j'), i32.c(n)), i32.c(8))), ...f.set('xa', I32, i32.mul(g('k'), i32.c(8))));
      out.push(
        ...f.loop('i', i32.c(0), i32.c(n), 1, () => {
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
  return moduleBytes(fns);
}

const modules = new Map<string, WebAssembly.Module | undefined>();

/** The generated kernels of twoLayerNetDD on data X (n×d) with high halves XSplit; θ's and G's arrays in, results out. */
export interface DDDotKernel {
  /** zHi/zLo[i·m + j] = ddDotFloat(wHi, wLo, wSplit, j·d, X, XSplit, i·d, 1, d) for every row i and neuron j (W: m×d) */
  preActivations(wHi: Float64Array, wLo: Float64Array, wSplit: Float64Array, zHi: Float64Array, zLo: Float64Array): void;
  /** gradHi/gradLo[j·d + k] = ddDotFloat(gHi, gLo, gSplit, j·n, X, XSplit, k, d, n) for every neuron j and column k (G: m×n) */
  weightGradient(gHi: Float64Array, gLo: Float64Array, gSplit: Float64Array, gradHi: Float64Array, gradLo: Float64Array): void;
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
  const e = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as { preActivations(): void; weightGradient(): void };
  const f = (at: number, len: number) => new Float64Array(memory.buffer, at, len);
  const x = f(L.x, n * dp),
    xs = f(L.xs, n * dp);
  for (let i = 0; i < n; i++) (x.set(X.subarray(i * d, (i + 1) * d), i * dp), xs.set(XSplit.subarray(i * d, (i + 1) * d), i * dp));
  const wh = f(L.wh, mp * d),
    wl = f(L.wl, mp * d),
    ws = f(L.ws, mp * d),
    zh = f(L.zh, n * mp),
    zl = f(L.zl, n * mp),
    gh = f(L.gh, m * n),
    gl = f(L.gl, m * n),
    gs = f(L.gs, m * n),
    rh = f(L.rh, m * dp),
    rl = f(L.rl, m * dp);
  return {
    preActivations(wHi, wLo, wSplit, zHi, zLo) {
      for (let j = 0; j < m; j++) {
        const o = 2 * (j >> 1) * d + (j & 1);
        for (let k = 0; k < d; k++) ((wh[o + 2 * k] = wHi[j * d + k]), (wl[o + 2 * k] = wLo[j * d + k]), (ws[o + 2 * k] = wSplit[j * d + k]));
      }
      e.preActivations();
      for (let i = 0; i < n; i++) (zHi.set(zh.subarray(i * mp, i * mp + m), i * m), zLo.set(zl.subarray(i * mp, i * mp + m), i * m));
    },
    weightGradient(gHi, gLo, gSplit, gradHi, gradLo) {
      gh.set(gHi.subarray(0, m * n));
      gl.set(gLo.subarray(0, m * n));
      gs.set(gSplit.subarray(0, m * n));
      e.weightGradient();
      for (let j = 0; j < m; j++) (gradHi.set(rh.subarray(j * dp, j * dp + d), j * d), gradLo.set(rl.subarray(j * dp, j * dp + d), j * d));
    },
  };
}
