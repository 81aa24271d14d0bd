// Dense float64 kernels of the two-layer step: Z = X Wᵀ (+ b) and W̄ = Gᵀ X, register-blocked so
// that each loaded W and X entry serves several sums. Every sum keeps the plain loops' order of
// terms (over k for Z, over i for W̄), so the results are bit-identical to the plain loops
// (test/numeric/dense.test.ts). Matrices are row-major Float64Arrays; the bias b may start at an offset.
// Where the WebAssembly build (wasm/dense.as.ts → dense.wasm, two f64 lanes) loads, the exported
// kernels run it; the JavaScript loops below are the fallback and its reference.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cachedKernel } from './kernel-cache.js';

const TILE = 512;

/**
 * Z[i·m + j] = b_j + Σ_k W[j,k] X[i,k], summed in k order (b_j = 0 without a bias). The k range is
 * cut into tiles that stay in cache; each sum is carried across tiles in Z, so the order holds.
 * `symmetric` (W = X, m = n, no bias): only the blocks on and above the diagonal are computed.
 */
export function preActivationsJs(
  W: Float64Array,
  X: Float64Array,
  b: Float64Array | undefined,
  bOff: number,
  n: number,
  m: number,
  d: number,
  Z: Float64Array,
  symmetric = false,
): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) Z[i * m + j] = b ? b[bOff + j] : 0;
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = Math.min(d, k0 + TILE);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const x0 = i * d,
        x1 = x0 + d,
        z0 = i * m,
        z1 = z0 + m;
      let j = symmetric ? i : 0;
      for (; j + 1 < m; j += 2) {
        const w0 = j * d,
          w1 = w0 + d;
        let s00 = Z[z0 + j],
          s01 = Z[z0 + j + 1],
          s10 = Z[z1 + j],
          s11 = Z[z1 + j + 1];
        for (let k = k0; k < k1; k++) {
          const a0 = X[x0 + k],
            a1 = X[x1 + k],
            u0 = W[w0 + k],
            u1 = W[w1 + k];
          s00 += u0 * a0;
          s01 += u1 * a0;
          s10 += u0 * a1;
          s11 += u1 * a1;
        }
        Z[z0 + j] = s00;
        Z[z0 + j + 1] = s01;
        Z[z1 + j] = s10;
        Z[z1 + j + 1] = s11;
      }
      for (; j < m; j++) {
        const w0 = j * d;
        let s0 = Z[z0 + j],
          s1 = Z[z1 + j];
        for (let k = k0; k < k1; k++) {
          const u = W[w0 + k];
          s0 += u * X[x0 + k];
          s1 += u * X[x1 + k];
        }
        Z[z0 + j] = s0;
        Z[z1 + j] = s1;
      }
    }
    for (; i < n; i++) {
      const x0 = i * d;
      for (let j = symmetric ? i : 0; j < m; j++) {
        const w0 = j * d;
        let s = Z[i * m + j];
        for (let k = k0; k < k1; k++) s += W[w0 + k] * X[x0 + k];
        Z[i * m + j] = s;
      }
    }
  }
  if (symmetric) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) Z[i * m + j] = Z[j * m + i];
}

/** grad[j,k] (from 0) = Σ_i G[i·m + j] X[i,k], summed in i order; writes grad[0 .. m·d). Tiled over k like preActivations. */
export function outerGradientJs(G: Float64Array, X: Float64Array, n: number, m: number, d: number, grad: Float64Array): void {
  grad.fill(0, 0, m * d);
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = Math.min(d, k0 + TILE);
    let i = 0;
    // four data rows at a time; (((g + t0) + t1) + t2) + t3 is the plain loop's order
    for (; i + 3 < n; i += 4) {
      const x0 = i * d,
        x1 = x0 + d,
        x2 = x1 + d,
        x3 = x2 + d;
      let j = 0;
      for (; j + 1 < m; j += 2) {
        const p0 = G[i * m + j],
          p1 = G[(i + 1) * m + j],
          p2 = G[(i + 2) * m + j],
          p3 = G[(i + 3) * m + j];
        const q0 = G[i * m + j + 1],
          q1 = G[(i + 1) * m + j + 1],
          q2 = G[(i + 2) * m + j + 1],
          q3 = G[(i + 3) * m + j + 1];
        const r0 = j * d,
          r1 = r0 + d;
        for (let k = k0; k < k1; k++) {
          const a0 = X[x0 + k],
            a1 = X[x1 + k],
            a2 = X[x2 + k],
            a3 = X[x3 + k];
          grad[r0 + k] = grad[r0 + k] + p0 * a0 + p1 * a1 + p2 * a2 + p3 * a3;
          grad[r1 + k] = grad[r1 + k] + q0 * a0 + q1 * a1 + q2 * a2 + q3 * a3;
        }
      }
      for (; j < m; j++) {
        const p0 = G[i * m + j],
          p1 = G[(i + 1) * m + j],
          p2 = G[(i + 2) * m + j],
          p3 = G[(i + 3) * m + j];
        const r0 = j * d;
        for (let k = k0; k < k1; k++) grad[r0 + k] = grad[r0 + k] + p0 * X[x0 + k] + p1 * X[x1 + k] + p2 * X[x2 + k] + p3 * X[x3 + k];
      }
    }
    for (; i < n; i++) {
      const x0 = i * d;
      for (let j = 0; j < m; j++) {
        const p = G[i * m + j];
        if (p === 0) continue;
        const r0 = j * d;
        for (let k = k0; k < k1; k++) grad[r0 + k] += p * X[x0 + k];
      }
    }
  }
}

interface DenseWasm {
  memory: WebAssembly.Memory;
  workspace(): number;
  interleaveRowPairs(w: number, m: number, d: number, wp: number): void;
  preActivations(wp: number, x: number, b: number, n: number, m: number, d: number, z: number): void;
  outerGradient(g: number, x: number, n: number, m: number, d: number, grad: number): void;
  rowDots(xp: number, theta: number, n: number, d: number, z: number): void;
  cpSquareLoss(
    theta: number,
    out: number,
    P: number,
    R: number,
    m: number,
    at: number,
    T: number,
    G: number,
    n: number,
    starts: number,
    ent: number,
    val: number,
    y: number,
    c: number,
    w: number,
    negate: number,
    s: number,
  ): number;
}

/** dist/numeric/wasm/dense.wasm (also when this module runs from src/ under vitest); undefined when it is missing, WebAssembly SIMD is unavailable, or CLAIMCHECK_KERNELS=js. */
function loadModule(): WebAssembly.Module | undefined {
  if (process.env.CLAIMCHECK_KERNELS === 'js') return undefined;
  const here = import.meta.url;
  const file = fileURLToPath(here.endsWith('.ts') ? new URL('../../dist/numeric/wasm/dense.wasm', here) : new URL('./wasm/dense.wasm', here));
  if (!existsSync(file)) return undefined;
  try {
    return new WebAssembly.Module(readFileSync(file));
  } catch {
    return undefined;
  }
}

const denseModule = loadModule();
const wasm = denseModule && (new WebAssembly.Instance(denseModule).exports as unknown as DenseWasm);
/** Which implementation the kernels run: 'wasm-simd' or 'js'. */
export const denseKernels: 'wasm-simd' | 'js' = wasm ? 'wasm-simd' : 'js';

let view = new Float64Array(0);
/** The workspace as a float64 view, holding at least `doubles`; it starts 16-byte aligned. Only this function grows the memory (the module never allocates), so the view stays valid until it does. */
function workspace(doubles: number): Float64Array {
  if (view.length < doubles) {
    const base = wasm!.workspace(),
      mem = wasm!.memory;
    const need = base + doubles * 8;
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
    view = new Float64Array(mem.buffer, base, (mem.buffer.byteLength - base) >> 3);
  }
  return view;
}

/** Workspace regions start at even offsets (16-byte aligned). */
const pad = (k: number) => (k + 1) & ~1;

export function preActivationsWasm(
  W: Float64Array,
  X: Float64Array,
  b: Float64Array | undefined,
  bOff: number,
  n: number,
  m: number,
  d: number,
  Z: Float64Array,
): void {
  const nm = n * m,
    md = m * d,
    nd = n * d;
  const oX = pad(md),
    oB = oX + pad(nd),
    oZ = oB + pad(m),
    oW = oZ + pad(nm);
  const ws = workspace(oW + md);
  ws.set(W.subarray(0, md), oW);
  ws.set(X.subarray(0, nd), oX);
  if (b) ws.set(b.subarray(bOff, bOff + m), oB);
  const base = ws.byteOffset;
  wasm!.interleaveRowPairs(base + 8 * oW, m, d, base);
  wasm!.preActivations(base, base + 8 * oX, b ? base + 8 * oB : 0, n, m, d, base + 8 * oZ);
  Z.set(ws.subarray(oZ, oZ + nm));
}

export function outerGradientWasm(G: Float64Array, X: Float64Array, n: number, m: number, d: number, grad: Float64Array): void {
  const nm = n * m,
    md = m * d,
    nd = n * d;
  const oX = pad(nm),
    oGrad = oX + pad(nd);
  const ws = workspace(oGrad + md);
  ws.set(G.subarray(0, nm), 0);
  ws.set(X.subarray(0, nd), oX);
  const base = ws.byteOffset;
  wasm!.outerGradient(base, base + 8 * oX, n, m, d, base + 8 * oGrad);
  grad.set(ws.subarray(oGrad, oGrad + md), 0);
}

/** Below this many products a call into WebAssembly (≈0.4 µs of copies and call) costs more than it saves: measured per product, JS 0.5 µs vs wasm 0.8 µs at n = m = d = 8, wasm ahead from 16³. */
const WASM_FROM = 4096;

/** Z = X Wᵀ (+ b), each entry summed in k order (see preActivationsJs). */
export function preActivations(
  W: Float64Array,
  X: Float64Array,
  b: Float64Array | undefined,
  bOff: number,
  n: number,
  m: number,
  d: number,
  Z: Float64Array,
  symmetric = false,
): void {
  if (wasm && !symmetric && n * m * d >= WASM_FROM) preActivationsWasm(W, X, b, bOff, n, m, d, Z);
  else preActivationsJs(W, X, b, bOff, n, m, d, Z, symmetric);
}

/** grad[0 .. m·d) = Gᵀ X, each entry summed in i order (see outerGradientJs). */
export function outerGradient(G: Float64Array, X: Float64Array, n: number, m: number, d: number, grad: Float64Array): void {
  if (wasm && n * m * d >= WASM_FROM) outerGradientWasm(G, X, n, m, d, grad);
  else outerGradientJs(G, X, n, m, d, grad);
}

/** X θ and Σ_i c_i x_i of one n×d matrix X copied once into a dense.wasm instance of its own (rowProducts). */
export interface RowProducts {
  /** views into the instance's memory: θ (d entries), z (n), c (n), grad (d) */
  theta: Float64Array;
  z: Float64Array;
  c: Float64Array;
  grad: Float64Array;
  /** z ← X θ, each z_i summed in k order from 0 (preActivations with one neuron, two rows per vector) */
  predict(): void;
  /** grad ← Σ_i c_i x_i, each entry summed in i order (outerGradient with one neuron) */
  gradient(): void;
}

/** One dense.wasm instance per matrix shape for rowProducts: X's copy (rows in pairs), and which matrix it holds now. */
interface ResidentRows {
  x: Float64Array;
  boundTo?: Float64Array;
  bind(X: Float64Array): void;
  views: Omit<RowProducts, 'predict' | 'gradient'>;
  predict(): void;
  gradient(): void;
}

function residentRows(n: number, d: number): ResidentRows {
  const inst = new WebAssembly.Instance(denseModule!).exports as unknown as DenseWasm;
  const nd = n * d;
  const oXp = pad(nd),
    oT = oXp + pad(nd),
    oZ = oT + pad(d),
    oC = oZ + pad(n),
    oG = oC + pad(n);
  const base = inst.workspace(),
    mem = inst.memory,
    need = base + 8 * (oG + d);
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const at = (o: number) => base + 8 * o;
  const f64 = (o: number, len: number) => new Float64Array(mem.buffer, at(o), len);
  const R: ResidentRows = {
    x: f64(0, nd),
    bind(X) {
      R.x.set(X.subarray(0, nd));
      inst.interleaveRowPairs(base, n, d, at(oXp));
      R.boundTo = X;
    },
    views: { theta: f64(oT, d), z: f64(oZ, n), c: f64(oC, n), grad: f64(oG, d) },
    predict: () => inst.rowDots(at(oXp), at(oT), n, d, at(oZ)),
    gradient: () => inst.outerGradient(at(oC), base, n, 1, d, at(oG)),
  };
  return R;
}

/**
 * X held in WebAssembly memory for the products of a linear model (X θ and Xᵀ c), so that a call copies θ and c,
 * not X: one dense.wasm instance per shape n × d (the 256 most recently used), shared by the products of every matrix
 * of that shape, and copied X again when a call finds it holding another matrix (as the views θ, z, c and grad are
 * shared, a caller writes θ or c and reads z or grad within one call). X's entries are read now (and at such a copy):
 * a matrix changed in place afterwards must be passed again. Undefined where the WebAssembly build is not used.
 */
export function rowProducts(X: Float64Array, n: number, d: number): RowProducts | undefined {
  if (!denseModule || !wasm) return undefined;
  const R = cachedKernel(resident, `${n} ${d}`, () => residentRows(n, d));
  // the shapes kept hold at most RESIDENT_BYTES of copies (a claim's data sets of many large shapes): the least recently used go first
  let bytes = residentBytes();
  for (const [key, r] of resident) {
    if (bytes <= RESIDENT_BYTES || r === R) break;
    resident.delete(key);
    bytes -= 16 * r.x.length;
  }
  if (R.boundTo !== X || !R.x.every((v, i) => Object.is(v, X[i]))) R.bind(X);
  const bound = () => R.boundTo === X || R.bind(X);
  return {
    ...R.views,
    predict: () => (bound(), R.predict()),
    gradient: () => (bound(), R.gradient()),
  };
}

const resident = new Map<string, ResidentRows>();
/** The bytes of X's copies (each held twice: as given and in row pairs) that rowProducts keeps for shapes not in use. */
export const RESIDENT_BYTES = 64 * 2 ** 20;
/** The bytes rowProducts keeps now, for tests. */
export function residentBytes(): number {
  let bytes = 0;
  for (const r of resident.values()) bytes += 16 * r.x.length;
  return bytes;
}

/**
 * An order-3 CP factorization's square-loss objective (tensor.ts cpObjectiveKernel) on dense.wasm's cpSquareLoss, its
 * data copied once into an instance of its own: at (three θ offsets per measured entry, in increasing entry order),
 * the rows' nonzeros (starts, ent: the measured entry's index, val) and y. The kernel returns w·L with ∇L (−∇L with
 * `negate`) in out, or undefined, writing nothing, where the caller must take the model's passes.
 */
export function cpSquareLossWasm(
  P: number,
  R: number,
  at: Int32Array,
  starts: Int32Array,
  ent: Int32Array,
  val: Float64Array,
  y: Float64Array,
  w: number,
  negate: boolean,
): ((theta: Float64Array, out: Float64Array) => number | undefined) | undefined {
  if (!denseModule || !wasm) return undefined;
  const inst = new WebAssembly.Instance(denseModule).exports as unknown as DenseWasm;
  const m = at.length / 3,
    n = y.length,
    nz = val.length;
  let o = inst.workspace();
  const take = (bytes: number) => ((o += Math.ceil(bytes / 16) * 16), o - Math.ceil(bytes / 16) * 16);
  const l = {
    theta: take(8 * P),
    out: take(8 * P),
    at: take(4 * at.length),
    T: take(8 * m),
    G: take(8 * m),
    starts: take(4 * (n + 1)),
    ent: take(4 * nz),
    val: take(8 * nz),
    y: take(8 * n),
    c: take(8 * n),
    s: take(8),
  };
  const mem = inst.memory;
  if (mem.buffer.byteLength < o) mem.grow(Math.ceil((o - mem.buffer.byteLength) / 65536));
  new Int32Array(mem.buffer, l.at, at.length).set(at);
  new Int32Array(mem.buffer, l.starts, n + 1).set(starts);
  new Int32Array(mem.buffer, l.ent, nz).set(ent);
  new Float64Array(mem.buffer, l.val, nz).set(val);
  new Float64Array(mem.buffer, l.y, n).set(y);
  const theta = new Float64Array(mem.buffer, l.theta, P),
    out = new Float64Array(mem.buffer, l.out, P),
    s = new Float64Array(mem.buffer, l.s, 1);
  const neg = negate ? 1 : 0;
  return (th, dst) => {
    theta.set(th);
    if (!inst.cpSquareLoss(l.theta, l.out, P, R, m, l.at, l.T, l.G, n, l.starts, l.ent, l.val, l.y, l.c, w, neg, l.s)) return undefined;
    dst.set(out);
    return w * s[0];
  };
}

/** The Dormand–Prince exports of dense.wasm (wasm/dense.as.ts): stage points and error estimate; arguments are byte offsets into `memory`. */
export interface DopriWasm {
  memory: WebAssembly.Memory;
  workspace(): number;
  dopriStage1(y: number, tmp: number, n: number, k0: number, c0: number): void;
  dopriStage2(y: number, tmp: number, n: number, k0: number, k1: number, c0: number, c1: number): void;
  dopriStage3(y: number, tmp: number, n: number, k0: number, k1: number, k2: number, c0: number, c1: number, c2: number): void;
  dopriStage4(y: number, tmp: number, n: number, k0: number, k1: number, k2: number, k3: number, c0: number, c1: number, c2: number, c3: number): void;
  dopriStage5(
    y: number,
    tmp: number,
    n: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    c4: number,
  ): void;
  dopriStage6(
    y: number,
    tmp: number,
    n: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    k5: number,
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    c4: number,
    c5: number,
  ): void;
  dopriError(
    y: number,
    y5: number,
    n: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    k5: number,
    k6: number,
    h: number,
    atol: number,
    rtol: number,
    b: number,
    out: number,
  ): number;
}

/** A Dormand–Prince instance of dense.wasm with a memory of its own (so the dense kernels, which F may call, never grow it); undefined where WebAssembly is not used. */
export const dopriWasm: DopriWasm | undefined = denseModule && (new WebAssembly.Instance(denseModule).exports as unknown as DopriWasm);
