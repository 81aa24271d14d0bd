// AssemblyScript source of the WebAssembly SIMD (f64x2) versions of src/numeric/dense.ts, compiled
// by `npm run build:wasm` to dense.wasm. The two lanes always hold two different sums, and each sum
// adds its terms in the plain loops' order, so results are bit-identical to dense.ts
// (test/numeric/dense.test.ts). All arguments are byte offsets into this module's memory.

const TILE: i32 = 512;

/** First free byte after the module's own data: the caller's workspace starts here. */
export function workspace(): usize {
  return (__heap_base + 15) & ~15;
}

/** Rows 2p and 2p+1 of the m×d matrix at w, interleaved into wp as preActivations reads them (an odd last row copied plainly). */
export function interleaveRowPairs(w: usize, m: i32, d: i32, wp: usize): void {
  const pairs = m >> 1;
  for (let p = 0; p < pairs; p++) {
    const r0 = w + ((<usize>(2 * p * d)) << 3),
      r1 = r0 + ((<usize>d) << 3),
      o = wp + ((<usize>(p * d)) << 4);
    for (let k = 0; k < d; k++) {
      const src = (<usize>k) << 3;
      v128.store(o + ((<usize>k) << 4), f64x2.replace_lane(f64x2.splat(load<f64>(r0 + src)), 1, load<f64>(r1 + src)));
    }
  }
  if (m & 1) memory.copy(wp + ((<usize>(pairs * d)) << 4), w + ((<usize>((m - 1) * d)) << 3), (<usize>d) << 3);
}

/**
 * Z[i·m + j] = b_j + Σ_k W[j,k] X[i,k] in k order. W arrives with its rows interleaved in pairs:
 * rows 2p and 2p+1 as (W[2p,k], W[2p+1,k]) for k = 0..d−1 at wp + 16·(p·d + k); an odd last row
 * follows plainly. b = 0: no bias.
 */
export function preActivations(wp: usize, x: usize, b: usize, n: i32, m: i32, d: i32, z: usize): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) store<f64>(z + ((<usize>(i * m + j)) << 3), b ? load<f64>(b + ((<usize>j) << 3)) : 0.0);
  const pairs = m >> 1;
  const last = wp + ((<usize>(pairs * d)) << 4);
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = min(d, k0 + TILE);
    let p = 0;
    // four neurons (two pairs) × four data rows: 16 products per k from 2 vector and 4 scalar loads
    for (; p + 1 < pairs; p += 2) {
      const w = wp + ((<usize>(p * d)) << 4),
        w2 = w + ((<usize>d) << 4);
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const z0 = z + ((<usize>(i * m + 2 * p)) << 3),
          zs = (<usize>m) << 3;
        let s0 = v128.load(z0),
          s1 = v128.load(z0 + zs),
          s2 = v128.load(z0 + 2 * zs),
          s3 = v128.load(z0 + 3 * zs);
        let t0 = v128.load(z0, 16),
          t1 = v128.load(z0 + zs, 16),
          t2 = v128.load(z0 + 2 * zs, 16),
          t3 = v128.load(z0 + 3 * zs, 16);
        const x0 = x + ((<usize>(i * d)) << 3),
          xs = (<usize>d) << 3;
        for (let k = k0; k < k1; k++) {
          const u = v128.load(w + ((<usize>k) << 4)),
            v = v128.load(w2 + ((<usize>k) << 4));
          const xk = x0 + ((<usize>k) << 3);
          const a0 = f64x2.splat(load<f64>(xk)),
            a1 = f64x2.splat(load<f64>(xk + xs)),
            a2 = f64x2.splat(load<f64>(xk + 2 * xs)),
            a3 = f64x2.splat(load<f64>(xk + 3 * xs));
          s0 = f64x2.add(s0, f64x2.mul(u, a0));
          t0 = f64x2.add(t0, f64x2.mul(v, a0));
          s1 = f64x2.add(s1, f64x2.mul(u, a1));
          t1 = f64x2.add(t1, f64x2.mul(v, a1));
          s2 = f64x2.add(s2, f64x2.mul(u, a2));
          t2 = f64x2.add(t2, f64x2.mul(v, a2));
          s3 = f64x2.add(s3, f64x2.mul(u, a3));
          t3 = f64x2.add(t3, f64x2.mul(v, a3));
        }
        v128.store(z0, s0);
        v128.store(z0 + zs, s1);
        v128.store(z0 + 2 * zs, s2);
        v128.store(z0 + 3 * zs, s3);
        v128.store(z0, t0, 16);
        v128.store(z0 + zs, t1, 16);
        v128.store(z0 + 2 * zs, t2, 16);
        v128.store(z0 + 3 * zs, t3, 16);
      }
      for (; i < n; i++) {
        const z0 = z + ((<usize>(i * m + 2 * p)) << 3);
        let s = v128.load(z0),
          t = v128.load(z0, 16);
        const x0 = x + ((<usize>(i * d)) << 3);
        for (let k = k0; k < k1; k++) {
          const a = f64x2.splat(load<f64>(x0 + ((<usize>k) << 3)));
          s = f64x2.add(s, f64x2.mul(v128.load(w + ((<usize>k) << 4)), a));
          t = f64x2.add(t, f64x2.mul(v128.load(w2 + ((<usize>k) << 4)), a));
        }
        v128.store(z0, s);
        v128.store(z0, t, 16);
      }
    }
    for (; p < pairs; p++) {
      const w = wp + ((<usize>(p * d)) << 4);
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const z0 = z + ((<usize>(i * m + 2 * p)) << 3),
          zs = (<usize>m) << 3;
        let s0 = v128.load(z0),
          s1 = v128.load(z0 + zs),
          s2 = v128.load(z0 + 2 * zs),
          s3 = v128.load(z0 + 3 * zs);
        const x0 = x + ((<usize>(i * d)) << 3),
          xs = (<usize>d) << 3;
        for (let k = k0; k < k1; k++) {
          const u = v128.load(w + ((<usize>k) << 4));
          const xk = x0 + ((<usize>k) << 3);
          s0 = f64x2.add(s0, f64x2.mul(u, f64x2.splat(load<f64>(xk))));
          s1 = f64x2.add(s1, f64x2.mul(u, f64x2.splat(load<f64>(xk + xs))));
          s2 = f64x2.add(s2, f64x2.mul(u, f64x2.splat(load<f64>(xk + 2 * xs))));
          s3 = f64x2.add(s3, f64x2.mul(u, f64x2.splat(load<f64>(xk + 3 * xs))));
        }
        v128.store(z0, s0);
        v128.store(z0 + zs, s1);
        v128.store(z0 + 2 * zs, s2);
        v128.store(z0 + 3 * zs, s3);
      }
      for (; i < n; i++) {
        const z0 = z + ((<usize>(i * m + 2 * p)) << 3);
        let s = v128.load(z0);
        const x0 = x + ((<usize>(i * d)) << 3);
        for (let k = k0; k < k1; k++) s = f64x2.add(s, f64x2.mul(v128.load(w + ((<usize>k) << 4)), f64x2.splat(load<f64>(x0 + ((<usize>k) << 3)))));
        v128.store(z0, s);
      }
    }
    if (m & 1) {
      for (let i = 0; i < n; i++) {
        const zi = z + ((<usize>(i * m + m - 1)) << 3);
        let s = load<f64>(zi);
        const x0 = x + ((<usize>(i * d)) << 3);
        for (let k = k0; k < k1; k++) s += load<f64>(last + ((<usize>k) << 3)) * load<f64>(x0 + ((<usize>k) << 3));
        store<f64>(zi, s);
      }
    }
  }
}

/** grad[j,k] (from 0) = Σ_i G[i·m + j] X[i,k] in i order, two k at a time. */
export function outerGradient(g: usize, x: usize, n: i32, m: i32, d: i32, grad: usize): void {
  memory.fill(grad, 0, (<usize>(m * d)) << 3);
  const xs = (<usize>d) << 3;
  const even = d & ~1;
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = min(d, k0 + TILE);
    const k1e = min(even, k1);
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const x0 = x + ((<usize>(i * d)) << 3);
      let j = 0;
      // two neurons at a time share the four rows' loads
      for (; j + 1 < m; j += 2) {
        const gi = g + ((<usize>(i * m + j)) << 3),
          gs = (<usize>m) << 3;
        const q0 = load<f64>(gi),
          q1 = load<f64>(gi + gs),
          q2 = load<f64>(gi + 2 * gs),
          q3 = load<f64>(gi + 3 * gs);
        const e0 = load<f64>(gi, 8),
          e1 = load<f64>(gi + gs, 8),
          e2 = load<f64>(gi + 2 * gs, 8),
          e3 = load<f64>(gi + 3 * gs, 8);
        const p0 = f64x2.splat(q0),
          p1 = f64x2.splat(q1),
          p2 = f64x2.splat(q2),
          p3 = f64x2.splat(q3);
        const h0 = f64x2.splat(e0),
          h1 = f64x2.splat(e1),
          h2 = f64x2.splat(e2),
          h3 = f64x2.splat(e3);
        const r = grad + ((<usize>(j * d)) << 3),
          r2 = r + xs;
        let k = k0;
        for (; k < k1e; k += 2) {
          const o = (<usize>k) << 3;
          const a0 = v128.load(x0 + o),
            a1 = v128.load(x0 + xs + o),
            a2 = v128.load(x0 + 2 * xs + o),
            a3 = v128.load(x0 + 3 * xs + o);
          v128.store(
            r + o,
            f64x2.add(f64x2.add(f64x2.add(f64x2.add(v128.load(r + o), f64x2.mul(p0, a0)), f64x2.mul(p1, a1)), f64x2.mul(p2, a2)), f64x2.mul(p3, a3)),
          );
          v128.store(
            r2 + o,
            f64x2.add(f64x2.add(f64x2.add(f64x2.add(v128.load(r2 + o), f64x2.mul(h0, a0)), f64x2.mul(h1, a1)), f64x2.mul(h2, a2)), f64x2.mul(h3, a3)),
          );
        }
        for (; k < k1; k++) {
          const o = (<usize>k) << 3;
          const a0 = load<f64>(x0 + o),
            a1 = load<f64>(x0 + xs + o),
            a2 = load<f64>(x0 + 2 * xs + o),
            a3 = load<f64>(x0 + 3 * xs + o);
          store<f64>(r + o, load<f64>(r + o) + q0 * a0 + q1 * a1 + q2 * a2 + q3 * a3);
          store<f64>(r2 + o, load<f64>(r2 + o) + e0 * a0 + e1 * a1 + e2 * a2 + e3 * a3);
        }
      }
      for (; j < m; j++) {
        const gi = g + ((<usize>(i * m + j)) << 3),
          gs = (<usize>m) << 3;
        const q0 = load<f64>(gi),
          q1 = load<f64>(gi + gs),
          q2 = load<f64>(gi + 2 * gs),
          q3 = load<f64>(gi + 3 * gs);
        const p0 = f64x2.splat(q0),
          p1 = f64x2.splat(q1),
          p2 = f64x2.splat(q2),
          p3 = f64x2.splat(q3);
        const r = grad + ((<usize>(j * d)) << 3);
        let k = k0;
        for (; k < k1e; k += 2) {
          const o = (<usize>k) << 3;
          let s = v128.load(r + o);
          s = f64x2.add(s, f64x2.mul(p0, v128.load(x0 + o)));
          s = f64x2.add(s, f64x2.mul(p1, v128.load(x0 + xs + o)));
          s = f64x2.add(s, f64x2.mul(p2, v128.load(x0 + 2 * xs + o)));
          s = f64x2.add(s, f64x2.mul(p3, v128.load(x0 + 3 * xs + o)));
          v128.store(r + o, s);
        }
        for (; k < k1; k++) {
          const o = (<usize>k) << 3;
          store<f64>(
            r + o,
            load<f64>(r + o) + q0 * load<f64>(x0 + o) + q1 * load<f64>(x0 + xs + o) + q2 * load<f64>(x0 + 2 * xs + o) + q3 * load<f64>(x0 + 3 * xs + o),
          );
        }
      }
    }
    for (; i < n; i++) {
      const x0 = x + ((<usize>(i * d)) << 3);
      for (let j = 0; j < m; j++) {
        const q = load<f64>(g + ((<usize>(i * m + j)) << 3));
        if (q == 0) continue;
        const p = f64x2.splat(q);
        const r = grad + ((<usize>(j * d)) << 3);
        let k = k0;
        for (; k < k1e; k += 2) {
          const o = (<usize>k) << 3;
          v128.store(r + o, f64x2.add(v128.load(r + o), f64x2.mul(p, v128.load(x0 + o))));
        }
        for (; k < k1; k++) {
          const o = (<usize>k) << 3;
          store<f64>(r + o, load<f64>(r + o) + q * load<f64>(x0 + o));
        }
      }
    }
  }
}

/**
 * z_i = Σ_k θ_k X[i,k] in k order, from 0 (preActivations with one neuron), two rows per vector: X arrives with
 * its rows interleaved in pairs (interleaveRowPairs with m = n), an odd last row plainly after them.
 */
export function rowDots(xp: usize, theta: usize, n: i32, d: i32, z: usize): void {
  const pairs = n >> 1,
    ps = (<usize>d) << 4;
  const zero = f64x2.splat(0.0);
  let p = 0;
  // four pairs (eight rows) at a time: four independent sums per θ_k
  for (; p + 3 < pairs; p += 4) {
    const a = xp + ((<usize>(p * d)) << 4);
    let s0 = zero,
      s1 = zero,
      s2 = zero,
      s3 = zero;
    for (let k = 0; k < d; k++) {
      const t = f64x2.splat(load<f64>(theta + ((<usize>k) << 3))),
        o = a + ((<usize>k) << 4);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(o), t));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(o + ps), t));
      s2 = f64x2.add(s2, f64x2.mul(v128.load(o + 2 * ps), t));
      s3 = f64x2.add(s3, f64x2.mul(v128.load(o + 3 * ps), t));
    }
    const zo = z + ((<usize>p) << 4);
    v128.store(zo, s0);
    v128.store(zo, s1, 16);
    v128.store(zo, s2, 32);
    v128.store(zo, s3, 48);
  }
  for (; p < pairs; p++) {
    const a = xp + ((<usize>(p * d)) << 4);
    let s = zero;
    for (let k = 0; k < d; k++) s = f64x2.add(s, f64x2.mul(v128.load(a + ((<usize>k) << 4)), f64x2.splat(load<f64>(theta + ((<usize>k) << 3)))));
    v128.store(z + ((<usize>p) << 4), s);
  }
  if (n & 1) {
    const a = xp + ((<usize>(pairs * d)) << 4);
    let s = 0.0;
    for (let k = 0; k < d; k++) s += load<f64>(a + ((<usize>k) << 3)) * load<f64>(theta + ((<usize>k) << 3));
    store<f64>(z + ((<usize>(n - 1)) << 3), s);
  }
}

/**
 * tensor.ts's fused objective of an order-3 CP factorization under the square loss (cpObjectiveKernel), the same
 * operations in the same order, products of two components (r, r + 1) per vector. Byte offsets: θ and out (P
 * doubles), at (i32: the three factor rows, θ offsets, of each measured entry, in increasing entry order), T and
 * G (a double per measured entry), starts (i32, n + 1), ent (i32: the measured entry's index of each nonzero of a
 * row), val, y and c (n), s (the loss sum is stored there). Returns 0, writing nothing to out, when R·max|θ|³
 * ≤ 1e300 fails (T not surely finite) or some c_k is not finite: the caller takes the model's passes.
 */
export function cpSquareLoss(
  theta: usize,
  out: usize,
  P: i32,
  R: i32,
  m: i32,
  at: usize,
  T: usize,
  G: usize,
  n: i32,
  starts: usize,
  ent: usize,
  val: usize,
  y: usize,
  c: usize,
  w: f64,
  negate: i32,
  s: usize,
): i32 {
  let big = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < P; i += 2) big = f64x2.max(big, f64x2.abs(v128.load(theta + ((<usize>i) << 3))));
  let M = max<f64>(f64x2.extract_lane(big, 0), f64x2.extract_lane(big, 1));
  if (i < P) M = max<f64>(M, abs<f64>(load<f64>(theta + ((<usize>i) << 3))));
  if (!(<f64>R * (M * M * M) <= 1e300)) return 0;
  const pairs = R & ~1;
  // T_e = Σ_r (a0·a1)·a2 in r order, from 0 (a zero factor gives ±0 as the stopped product does: the sum is never −0)
  for (let j = 0; j < m; j++) {
    const b = at + ((<usize>(3 * j)) << 2);
    const b0 = theta + ((<usize>load<i32>(b)) << 3),
      b1 = theta + ((<usize>load<i32>(b, 4)) << 3),
      b2 = theta + ((<usize>load<i32>(b, 8)) << 3);
    let v = 0.0;
    let r = 0;
    for (; r < pairs; r += 2) {
      const o = (<usize>r) << 3;
      const p = f64x2.mul(f64x2.mul(v128.load(b0 + o), v128.load(b1 + o)), v128.load(b2 + o));
      v += f64x2.extract_lane(p, 0);
      v += f64x2.extract_lane(p, 1);
    }
    if (r < R) {
      const o = (<usize>r) << 3;
      v += load<f64>(b0 + o) * load<f64>(b1 + o) * load<f64>(b2 + o);
    }
    store<f64>(T + ((<usize>j) << 3), v);
  }
  let sum = 0.0;
  let finite = true;
  for (let k = 0; k < n; k++) {
    let f = 0.0;
    const q1 = load<i32>(starts + ((<usize>(k + 1)) << 2));
    for (let q = load<i32>(starts + ((<usize>k) << 2)); q < q1; q++)
      f += load<f64>(val + ((<usize>q) << 3)) * load<f64>(T + ((<usize>load<i32>(ent + ((<usize>q) << 2))) << 3));
    const res = f - load<f64>(y + ((<usize>k) << 3));
    sum += 0.5 * res * res;
    const ck = w * res;
    store<f64>(c + ((<usize>k) << 3), ck);
    finite = finite && ck - ck == 0;
  }
  store<f64>(s, sum);
  if (!finite) return 0;
  memory.fill(G, 0, (<usize>m) << 3);
  for (let k = 0; k < n; k++) {
    const ck = load<f64>(c + ((<usize>k) << 3));
    if (ck == 0) continue;
    const q1 = load<i32>(starts + ((<usize>(k + 1)) << 2));
    for (let q = load<i32>(starts + ((<usize>k) << 2)); q < q1; q++) {
      const g = G + ((<usize>load<i32>(ent + ((<usize>q) << 2))) << 3);
      store<f64>(g, load<f64>(g) + ck * load<f64>(val + ((<usize>q) << 3)));
    }
  }
  memory.fill(out, 0, (<usize>P) << 3);
  for (let j = 0; j < m; j++) {
    const g = load<f64>(G + ((<usize>j) << 3));
    if (g == 0) continue;
    const b = at + ((<usize>(3 * j)) << 2);
    const t0 = (<usize>load<i32>(b)) << 3,
      t1 = (<usize>load<i32>(b, 4)) << 3,
      t2 = (<usize>load<i32>(b, 8)) << 3;
    const gv = f64x2.splat(g);
    let r = 0;
    for (; r < pairs; r += 2) {
      const o = (<usize>r) << 3;
      const a0 = v128.load(theta + t0 + o),
        a1 = v128.load(theta + t1 + o),
        a2 = v128.load(theta + t2 + o);
      v128.store(out + t0 + o, f64x2.add(v128.load(out + t0 + o), f64x2.mul(f64x2.mul(gv, a1), a2)));
      v128.store(out + t1 + o, f64x2.add(v128.load(out + t1 + o), f64x2.mul(f64x2.mul(gv, a0), a2)));
      v128.store(out + t2 + o, f64x2.add(v128.load(out + t2 + o), f64x2.mul(f64x2.mul(gv, a0), a1)));
    }
    if (r < R) {
      const o = (<usize>r) << 3;
      const a0 = load<f64>(theta + t0 + o),
        a1 = load<f64>(theta + t1 + o),
        a2 = load<f64>(theta + t2 + o);
      store<f64>(out + t0 + o, load<f64>(out + t0 + o) + g * a1 * a2);
      store<f64>(out + t1 + o, load<f64>(out + t1 + o) + g * a0 * a2);
      store<f64>(out + t2 + o, load<f64>(out + t2 + o) + g * a0 * a1);
    }
  }
  if (negate) {
    let q = 0;
    for (; q + 1 < P; q += 2) v128.store(out + ((<usize>q) << 3), f64x2.neg(v128.load(out + ((<usize>q) << 3))));
    if (q < P) store<f64>(out + ((<usize>q) << 3), -load<f64>(out + ((<usize>q) << 3)));
  }
  return 1;
}

// Dormand–Prince (integrateDopri in src/numeric/dynamics.ts): the stage points tmp = y + Σ_{r<s} c_r k_r and the
// error estimate, two entries per f64x2 vector, each sum in the JavaScript loops' order (from y, then r = 0, 1, …),
// so every entry is rounded as there. Arrays are n doubles at the given byte offsets.

export function dopriStage1(y: usize, tmp: usize, n: i32, k0: usize, c0: f64): void {
  const v0 = f64x2.splat(c0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    v128.store(tmp + o, f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o))));
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(tmp + o, load<f64>(y + o) + c0 * load<f64>(k0 + o));
  }
}

export function dopriStage2(y: usize, tmp: usize, n: i32, k0: usize, k1: usize, c0: f64, c1: f64): void {
  const v0 = f64x2.splat(c0),
    v1 = f64x2.splat(c1);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    let a = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o)));
    a = f64x2.add(a, f64x2.mul(v1, v128.load(k1 + o)));
    v128.store(tmp + o, a);
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(tmp + o, load<f64>(y + o) + c0 * load<f64>(k0 + o) + c1 * load<f64>(k1 + o));
  }
}

export function dopriStage3(y: usize, tmp: usize, n: i32, k0: usize, k1: usize, k2: usize, c0: f64, c1: f64, c2: f64): void {
  const v0 = f64x2.splat(c0),
    v1 = f64x2.splat(c1),
    v2 = f64x2.splat(c2);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    let a = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o)));
    a = f64x2.add(a, f64x2.mul(v1, v128.load(k1 + o)));
    a = f64x2.add(a, f64x2.mul(v2, v128.load(k2 + o)));
    v128.store(tmp + o, a);
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(tmp + o, load<f64>(y + o) + c0 * load<f64>(k0 + o) + c1 * load<f64>(k1 + o) + c2 * load<f64>(k2 + o));
  }
}

export function dopriStage4(y: usize, tmp: usize, n: i32, k0: usize, k1: usize, k2: usize, k3: usize, c0: f64, c1: f64, c2: f64, c3: f64): void {
  const v0 = f64x2.splat(c0),
    v1 = f64x2.splat(c1),
    v2 = f64x2.splat(c2),
    v3 = f64x2.splat(c3);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    let a = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o)));
    a = f64x2.add(a, f64x2.mul(v1, v128.load(k1 + o)));
    a = f64x2.add(a, f64x2.mul(v2, v128.load(k2 + o)));
    a = f64x2.add(a, f64x2.mul(v3, v128.load(k3 + o)));
    v128.store(tmp + o, a);
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(tmp + o, load<f64>(y + o) + c0 * load<f64>(k0 + o) + c1 * load<f64>(k1 + o) + c2 * load<f64>(k2 + o) + c3 * load<f64>(k3 + o));
  }
}

export function dopriStage5(
  y: usize,
  tmp: usize,
  n: i32,
  k0: usize,
  k1: usize,
  k2: usize,
  k3: usize,
  k4: usize,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
): void {
  const v0 = f64x2.splat(c0),
    v1 = f64x2.splat(c1),
    v2 = f64x2.splat(c2),
    v3 = f64x2.splat(c3),
    v4 = f64x2.splat(c4);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    let a = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o)));
    a = f64x2.add(a, f64x2.mul(v1, v128.load(k1 + o)));
    a = f64x2.add(a, f64x2.mul(v2, v128.load(k2 + o)));
    a = f64x2.add(a, f64x2.mul(v3, v128.load(k3 + o)));
    a = f64x2.add(a, f64x2.mul(v4, v128.load(k4 + o)));
    v128.store(tmp + o, a);
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(
      tmp + o,
      load<f64>(y + o) + c0 * load<f64>(k0 + o) + c1 * load<f64>(k1 + o) + c2 * load<f64>(k2 + o) + c3 * load<f64>(k3 + o) + c4 * load<f64>(k4 + o),
    );
  }
}

export function dopriStage6(
  y: usize,
  tmp: usize,
  n: i32,
  k0: usize,
  k1: usize,
  k2: usize,
  k3: usize,
  k4: usize,
  k5: usize,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
): void {
  const v0 = f64x2.splat(c0),
    v1 = f64x2.splat(c1),
    v2 = f64x2.splat(c2),
    v3 = f64x2.splat(c3),
    v4 = f64x2.splat(c4),
    v5 = f64x2.splat(c5);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    let a = f64x2.add(v128.load(y + o), f64x2.mul(v0, v128.load(k0 + o)));
    a = f64x2.add(a, f64x2.mul(v1, v128.load(k1 + o)));
    a = f64x2.add(a, f64x2.mul(v2, v128.load(k2 + o)));
    a = f64x2.add(a, f64x2.mul(v3, v128.load(k3 + o)));
    a = f64x2.add(a, f64x2.mul(v4, v128.load(k4 + o)));
    a = f64x2.add(a, f64x2.mul(v5, v128.load(k5 + o)));
    v128.store(tmp + o, a);
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    store<f64>(
      tmp + o,
      load<f64>(y + o) +
        c0 * load<f64>(k0 + o) +
        c1 * load<f64>(k1 + o) +
        c2 * load<f64>(k2 + o) +
        c3 * load<f64>(k3 + o) +
        c4 * load<f64>(k4 + o) +
        c5 * load<f64>(k5 + o),
    );
  }
}

/**
 * y5 = y + h·a5 with a5 = 0 + Σ_s b5_s k_s and a4 = 0 + Σ_s b4_s k_s (every term, s = 0 … 6); returns
 * max_i e_i / (atol + rtol·max(|y_i|, |y5_i|)) with e_i = h·|a5 − a4|, and stores max_i e_i at out.
 * A maximum does not depend on the order it is taken in (a NaN makes it NaN either way).
 * b: the 14 coefficients b5_0 … b5_6, b4_0 … b4_6.
 */
export function dopriError(
  y: usize,
  y5: usize,
  n: i32,
  k0: usize,
  k1: usize,
  k2: usize,
  k3: usize,
  k4: usize,
  k5: usize,
  k6: usize,
  h: f64,
  atol: f64,
  rtol: f64,
  b: usize,
  out: usize,
): f64 {
  const b50 = load<f64>(b),
    b51 = load<f64>(b, 8),
    b52 = load<f64>(b, 16),
    b53 = load<f64>(b, 24),
    b54 = load<f64>(b, 32),
    b55 = load<f64>(b, 40),
    b56 = load<f64>(b, 48),
    b40 = load<f64>(b, 56),
    b41 = load<f64>(b, 64),
    b42 = load<f64>(b, 72),
    b43 = load<f64>(b, 80),
    b44 = load<f64>(b, 88),
    b45 = load<f64>(b, 96),
    b46 = load<f64>(b, 104);
  const zero = f64x2.splat(0.0),
    hv = f64x2.splat(h),
    atolv = f64x2.splat(atol),
    rtolv = f64x2.splat(rtol);
  let errv = zero,
    absv = zero;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    const q0 = v128.load(k0 + o),
      q1 = v128.load(k1 + o),
      q2 = v128.load(k2 + o),
      q3 = v128.load(k3 + o),
      q4 = v128.load(k4 + o),
      q5 = v128.load(k5 + o),
      q6 = v128.load(k6 + o);
    let a5 = f64x2.add(zero, f64x2.mul(f64x2.splat(b50), q0));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b51), q1));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b52), q2));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b53), q3));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b54), q4));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b55), q5));
    a5 = f64x2.add(a5, f64x2.mul(f64x2.splat(b56), q6));
    let a4 = f64x2.add(zero, f64x2.mul(f64x2.splat(b40), q0));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b41), q1));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b42), q2));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b43), q3));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b44), q4));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b45), q5));
    a4 = f64x2.add(a4, f64x2.mul(f64x2.splat(b46), q6));
    const yi = v128.load(y + o),
      y5i = f64x2.add(yi, f64x2.mul(hv, a5));
    v128.store(y5 + o, y5i);
    const e = f64x2.mul(hv, f64x2.abs(f64x2.sub(a5, a4)));
    absv = f64x2.max(absv, e);
    const sc = f64x2.add(atolv, f64x2.mul(rtolv, f64x2.max(f64x2.abs(yi), f64x2.abs(y5i))));
    errv = f64x2.max(errv, f64x2.div(e, sc));
  }
  let err = max<f64>(f64x2.extract_lane(errv, 0), f64x2.extract_lane(errv, 1)),
    absErr = max<f64>(f64x2.extract_lane(absv, 0), f64x2.extract_lane(absv, 1));
  if (i < n) {
    const o = (<usize>i) << 3;
    const q0 = load<f64>(k0 + o),
      q1 = load<f64>(k1 + o),
      q2 = load<f64>(k2 + o),
      q3 = load<f64>(k3 + o),
      q4 = load<f64>(k4 + o),
      q5 = load<f64>(k5 + o),
      q6 = load<f64>(k6 + o);
    const a5 = 0.0 + b50 * q0 + b51 * q1 + b52 * q2 + b53 * q3 + b54 * q4 + b55 * q5 + b56 * q6;
    const a4 = 0.0 + b40 * q0 + b41 * q1 + b42 * q2 + b43 * q3 + b44 * q4 + b45 * q5 + b46 * q6;
    const yi = load<f64>(y + o),
      y5i = yi + h * a5;
    store<f64>(y5 + o, y5i);
    const e = h * abs<f64>(a5 - a4);
    absErr = max<f64>(absErr, e);
    err = max<f64>(err, e / (atol + rtol * max<f64>(abs<f64>(yi), abs<f64>(y5i))));
  }
  store<f64>(out, absErr);
  return err;
}
