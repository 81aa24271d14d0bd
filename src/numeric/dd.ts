// Double-double arithmetic: a value is the unevaluated sum hi + lo of two float64 with |lo| ≤ ulp(hi)/2,
// about 106 bits (≈ 32 decimal digits) of significand with float64's exponent range. Plain JS has no
// FMA, so products are made exact by Dekker's split.
// Algorithms: Dekker 1971 (split, twoProd); Knuth, TAOCP vol. 2 §4.2.2 (twoSum); Hida, Li & Bailey 2001,
// "QD library" (the accurate add, div and sqrt); Joldes, Muller & Popescu 2017, "Tight and rigorous error
// bounds for basic building blocks of double-word arithmetic" (add ≤ 3u², mul ≤ 5u² without FMA, div ≤ 10u²).
// Relative accuracy holds while every partial result stays normal: results whose lo would be subnormal
// (|value| below about 2^-916) lose digits, as do products that underflow.

/** hi + lo, |lo| ≤ ulp(hi)/2. */
export interface DD {
  readonly hi: number;
  readonly lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1
const SPLIT_LIMIT = 2 ** 996; // above it, SPLITTER·x could overflow
const SPLIT_DOWN = 2 ** -28;
const SPLIT_UP = 2 ** 28;

/** The high 26 bits of x (Veltkamp); x − highHalf(x) is exact and fits in 26 bits. Scaled for |x| > 2^996 so that SPLITTER·x does not overflow. */
function highHalf(x: number): number {
  if (x > SPLIT_LIMIT || x < -SPLIT_LIMIT) {
    const y = x * SPLIT_DOWN;
    const t = SPLITTER * y;
    return (t - (t - y)) * SPLIT_UP;
  }
  const t = SPLITTER * x;
  return t - (t - x);
}

/** a + b exactly, as the rounded sum and its rounding error (any a, b; Knuth). */
export function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

/** a + b exactly when |a| ≥ |b| (or a = 0), as the rounded sum and its rounding error (Dekker's fast two-sum). */
export function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

/** a·b exactly, as the rounded product and its rounding error (Dekker), while the product neither overflows nor underflows. */
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  const ah = highHalf(a);
  const al = a - ah;
  const bh = highHalf(b);
  const bl = b - bh;
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

export const ddFromNumber = (x: number): DD => ({ hi: x, lo: 0 });
export const ddToNumber = (a: DD): number => a.hi + a.lo;
export const ddNegate = (a: DD): DD => ({ hi: -a.hi, lo: -a.lo });
export const ddAbs = (a: DD): DD => (a.hi < 0 || (a.hi === 0 && a.lo < 0) ? ddNegate(a) : a);

/** −1, 0 or 1 as a <, =, > b (NaN compares as 0 against anything, like neither < nor >). */
export function ddCompare(a: DD, b: DD): -1 | 0 | 1 {
  if (a.hi < b.hi) return -1;
  if (a.hi > b.hi) return 1;
  if (a.lo < b.lo) return -1;
  if (a.lo > b.lo) return 1;
  return 0;
}

/** a + b, relative error ≤ 3u² (QD's ieee_add; Joldes et al. AccurateDWPlusDW). */
export function ddAdd(a: DD, b: DD): DD {
  let s = a.hi + b.hi;
  let v = s - a.hi;
  let e = a.hi - (s - v) + (b.hi - v);
  const t = a.lo + b.lo;
  v = t - a.lo;
  const f = a.lo - (t - v) + (b.lo - v);
  e += t;
  let h = s + e;
  e = e - (h - s);
  s = h;
  e += f;
  h = s + e;
  return { hi: h, lo: e - (h - s) };
}

export const ddSub = (a: DD, b: DD): DD => ddAdd(a, ddNegate(b));

/** a·b, relative error ≤ 5u² without FMA (QD's mul plus the lo·lo term; Joldes et al. bound it as DWTimesDW1). */
export function ddMul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  const e = p.lo + (a.hi * b.lo + a.lo * b.hi + a.lo * b.lo);
  return quickTwoSum(p.hi, e);
}

/** a / b by three quotient digits, each from the exact remainder (QD's accurate_div). */
export function ddDiv(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  if (!Number.isFinite(q1) || q1 === 0) return { hi: q1, lo: 0 };
  let r = ddSub(a, ddMul(b, ddFromNumber(q1)));
  const q2 = r.hi / b.hi;
  r = ddSub(r, ddMul(b, ddFromNumber(q2)));
  const q3 = r.hi / b.hi;
  return ddAdd(quickTwoSum(q1, q2), ddFromNumber(q3));
}

/** √a by one Newton step from float64's √hi on the exact residual a − s² (NaN for a < 0). */
export function ddSqrt(a: DD): DD {
  if (a.hi === 0) return { hi: a.hi, lo: 0 };
  if (a.hi < 0) return { hi: NaN, lo: NaN };
  const s = Math.sqrt(a.hi);
  if (!Number.isFinite(s)) return { hi: s, lo: 0 };
  const residual = ddSub(a, twoProd(s, s));
  return quickTwoSum(s, (residual.hi + residual.lo) / (2 * s));
}

// The array kernels below keep hi and lo in separate Float64Arrays and inline the operations above.

/** Σ_i x_i·y_i over the first n entries, each product and partial sum in double-double: the error is a small multiple of n·u²·Σ|x_i·y_i|. */
export function ddDot(xHi: Float64Array, xLo: Float64Array, yHi: Float64Array, yLo: Float64Array, n = xHi.length, xOffset = 0): DD {
  return ddDotStrided(xHi, xLo, xOffset, 1, yHi, yLo, 0, 1, n);
}

/** out = A·x for a rows×cols row-major matrix A, all in double-double (hi and lo arrays). */
export function ddMatVec(
  aHi: Float64Array,
  aLo: Float64Array,
  rows: number,
  cols: number,
  xHi: Float64Array,
  xLo: Float64Array,
  outHi: Float64Array,
  outLo: Float64Array,
): void {
  for (let i = 0; i < rows; i++) {
    const r = ddDot(aHi, aLo, xHi, xLo, cols, i * cols);
    outHi[i] = r.hi;
    outLo[i] = r.lo;
  }
}

/** out[io] = a[ia]·b[ib] for double-doubles stored as hi/lo arrays, as ddMul (out may be a or b). */
export function ddMulAt(
  aHi: Float64Array,
  aLo: Float64Array,
  ia: number,
  bHi: Float64Array,
  bLo: Float64Array,
  ib: number,
  outHi: Float64Array,
  outLo: Float64Array,
  io: number,
): void {
  const ah = aHi[ia],
    al = aLo[ia],
    bh = bHi[ib],
    bl = bLo[ib];
  const p = ah * bh;
  const a1 = highHalf(ah);
  const a2 = ah - a1;
  const b1 = highHalf(bh);
  const b2 = bh - b1;
  const e = a1 * b1 - p + a1 * b2 + a2 * b1 + a2 * b2 + (ah * bl + al * bh + al * bl);
  const h = p + e;
  outHi[io] = h;
  outLo[io] = e - (h - p);
}

/** y ← y + α·x over the first n entries, each entry as ddAdd(y_i, ddMul(α, x_i)) (bit for bit), without allocating. */
export function ddAxpy(alpha: DD, xHi: Float64Array, xLo: Float64Array, yHi: Float64Array, yLo: Float64Array, n = xHi.length): void {
  const ah = alpha.hi;
  const al = alpha.lo;
  const a1 = highHalf(ah);
  const a2 = ah - a1;
  for (let i = 0; i < n; i++) {
    const bh = xHi[i];
    const bl = xLo[i];
    const p = ah * bh;
    const b1 = highHalf(bh);
    const b2 = bh - b1;
    const pe = a1 * b1 - p + a1 * b2 + a2 * b1 + a2 * b2 + (ah * bl + al * bh + al * bl);
    const ph = p + pe;
    const pl = pe - (ph - p);
    const yh = yHi[i];
    const yl = yLo[i];
    let s = yh + ph;
    let v = s - yh;
    let e = yh - (s - v) + (ph - v);
    const t = yl + pl;
    v = t - yl;
    const f = yl - (t - v) + (pl - v);
    e += t;
    let h = s + e;
    e = e - (h - s);
    s = h;
    e += f;
    h = s + e;
    yLo[i] = e - (h - s);
    yHi[i] = h;
  }
}

/** highHalf of every entry: the splits a product kernel would otherwise redo for a vector it meets many times. */
export function highHalves(x: Float64Array, out = new Float64Array(x.length)): Float64Array {
  for (let i = 0; i < x.length; i++) out[i] = highHalf(x[i]);
  return out;
}

/**
 * Σ_j a_j·x_j over n entries, a_j = aHi[aOffset + j] + aLo[aOffset + j] a double-double and x_j = x[xOffset + j·xStride]
 * a float64 (taken as exact), given aSplit = highHalves(aHi) and xSplit = highHalves(x). Each product is exact up to
 * the rounding of aLo·x (≤ u²|a_j·x_j|) and is added to the running sum (sh, sl) by an exact two-sum of the high parts
 * with the low parts added in float64, then renormalized: each step errs by a few u²·(|sum so far| + |a_j·x_j|), so the
 * error is a small multiple of n·u²·Σ|a_j·x_j|, as ddDot's, at about two thirds of its operations.
 */
export function ddDotFloat(
  aHi: Float64Array,
  aLo: Float64Array,
  aSplit: Float64Array,
  aOffset: number,
  x: Float64Array,
  xSplit: Float64Array,
  xOffset: number,
  xStride: number,
  n: number,
): DD {
  let sh = 0;
  let sl = 0;
  for (let j = 0, ia = aOffset, ix = xOffset; j < n; j++, ia++, ix += xStride) {
    const ah = aHi[ia];
    const b = x[ix];
    // a·b = p + pe: Dekker's exact product of ah and b, plus aLo·b
    const p = ah * b;
    const a1 = aSplit[ia];
    const a2 = ah - a1;
    const b1 = xSplit[ix];
    const b2 = b - b1;
    const pe = a1 * b1 - p + a1 * b2 + a2 * b1 + a2 * b2 + aLo[ia] * b;
    // sh + p = s + e exactly (two-sum), then (sh, sl) = s + (e + sl + pe), renormalized
    const s = sh + p;
    const v = s - sh;
    const e = sh - (s - v) + (p - v) + (sl + pe);
    sh = s + e;
    sl = e - (sh - s);
  }
  return { hi: sh, lo: sl };
}

/**
 * Σ_j x_j·y_j over n entries of two double-double vectors read with offsets and strides (x_j at xOffset + j·xStride,
 * y_j at yOffset + j·yStride): ddDot's products and sums.
 */
export function ddDotStrided(
  xHi: Float64Array,
  xLo: Float64Array,
  xOffset: number,
  xStride: number,
  yHi: Float64Array,
  yLo: Float64Array,
  yOffset: number,
  yStride: number,
  n: number,
): DD {
  let sh = 0;
  let sl = 0;
  for (let j = 0, ix = xOffset, iy = yOffset; j < n; j++, ix += xStride, iy += yStride) {
    const ah = xHi[ix];
    const al = xLo[ix];
    const bh = yHi[iy];
    const bl = yLo[iy];
    // product (ph, pl) = a·b, as ddMul
    const p = ah * bh;
    const a1 = highHalf(ah);
    const a2 = ah - a1;
    const b1 = highHalf(bh);
    const b2 = bh - b1;
    const pe = a1 * b1 - p + a1 * b2 + a2 * b1 + a2 * b2 + (ah * bl + al * bh + al * bl);
    const ph = p + pe;
    const pl = pe - (ph - p);
    // (sh, sl) += (ph, pl), as ddAdd
    let s = sh + ph;
    let v = s - sh;
    let e = sh - (s - v) + (ph - v);
    const t = sl + pl;
    v = t - sl;
    const f = sl - (t - v) + (pl - v);
    e += t;
    let h = s + e;
    e = e - (h - s);
    s = h;
    e += f;
    h = s + e;
    sl = e - (h - s);
    sh = h;
  }
  return { hi: sh, lo: sl };
}

/** Split a float64 into an integer significand and a power of two: x = m·2^e exactly (x finite). */
function exactBinary(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  if (biased !== 0) m |= 1n << 52n;
  return { m: bits >> 63n ? -m : m, e: (biased === 0 ? 1 : biased) - 1075 };
}

/** hi + lo as a decimal in scientific notation with `digits` significant digits, rounded to nearest from the exact binary value. */
export function ddToDecimalString(a: DD, digits = 32): string {
  if (!Number.isFinite(a.hi) || !Number.isFinite(a.lo)) return String(a.hi + a.lo);
  if (a.hi === 0 && a.lo === 0) return Object.is(a.hi, -0) ? '-0' : '0';
  const h = exactBinary(a.hi);
  const l = exactBinary(a.lo);
  const e = Math.min(h.e, l.e);
  let m = (h.m << BigInt(h.e - e)) + (l.m << BigInt(l.e - e));
  if (m === 0n) return '0';
  const negative = m < 0n;
  if (negative) m = -m;
  // |value| = m·2^e = num/den; scale by 10^k so that the integer quotient has more than `digits` digits
  const k = digits + 2 - Math.floor(Math.log10(Math.abs(a.hi + a.lo)));
  let num = e >= 0 ? m << BigInt(e) : m;
  let den = e >= 0 ? 1n : 1n << BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const sticky = num % den !== 0n;
  const s = q.toString();
  let exponent = s.length - 1 - k;
  let kept = BigInt(s.slice(0, digits));
  const rest = s.slice(digits);
  const firstDropped = rest.length > 0 ? Number(rest[0]) : 0;
  const moreDropped = sticky || /[1-9]/.test(rest.slice(1));
  if (firstDropped > 5 || (firstDropped === 5 && (moreDropped || kept % 2n === 1n))) kept += 1n;
  let t = kept.toString();
  if (t.length > digits) {
    t = t.slice(0, digits);
    exponent += 1;
  }
  const mantissa = t.length > 1 ? `${t[0]}.${t.slice(1)}` : t;
  return `${negative ? '-' : ''}${mantissa}e${exponent >= 0 ? '+' : ''}${exponent}`;
}

// Transcendental functions, after the QD library (Hida, Li & Bailey 2001): exp by argument reduction
// x = k·ln2 + r, |r| ≤ ln2/2, then r/2^s with |r/2^s| ≤ 2^-8, a Taylor series for expm1 and s doublings
// e^{2t} − 1 = m(m + 2) (which keep expm1's relative accuracy); log by Newton's method on exp.

const ONE: DD = { hi: 1, lo: 0 };
// ln 2 = LN2_1 + LN2_2 + LN2_3 to about 2^-160: k·(LN2_1 + LN2_2) is exact for |k| < 2^11
const LN2_1 = 0.6931471805599453;
const LN2_2 = 2.3190468138462996e-17;
const LN2_3 = 5.707708438416212e-34;
const EXP_TERMS = 12; // with |t| ≤ 2^-8 the first omitted term is below 2^-100·u²·|t|
/** 1/n! for n = 0 … EXP_TERMS */
const INV_FACTORIAL: DD[] = [ONE];
for (let n = 1, f = 1; n <= EXP_TERMS; n++) INV_FACTORIAL.push(ddDiv(ONE, ddFromNumber((f *= n))));
const EXP_OVERFLOW = 709.79; // above it e^a > 2^1024
const EXP_UNDERFLOW = -745.2; // below it e^a < 2^-1075 rounds to 0

/** 2^j for j = −1022 … 1022, the very numbers `2 ** j` gives (a lookup instead of a pow per call). */
const POW2 = Float64Array.from({ length: 2045 }, (_, i) => 2 ** (i - 1022));

/** a·2^k, exact unless the result overflows or is subnormal; |k| ≤ 2044. */
function ddMulPow2(a: DD, k: number): DD {
  const k1 = Math.trunc(k / 2);
  const s1 = POW2[k1 + 1022];
  const s2 = POW2[k - k1 + 1022];
  return { hi: a.hi * s1 * s2, lo: a.lo * s1 * s2 };
}

/**
 * e^a − 1 for |a| ≤ 0.35: Taylor series at a/2^s, then s doublings. ddMul, ddAdd and twoProd are written out on
 * locals (the same operations in the same order: test/numeric/dd.test.ts compares bits with the composed form);
 * the objects they allocate were a third of a double-double replay's time.
 */
function expm1Reduced(a: DD): DD {
  if (a.hi === 0) return a;
  const abs = Math.abs(a.hi);
  const s = abs > 2 ** -8 ? Math.ceil(Math.log2(abs)) + 8 : 0;
  const t = ddMulPow2(a, -s);
  const th = t.hi,
    tl = t.lo;
  const tH = highHalf(th),
    tL = th - tH;
  let ph = INV_FACTORIAL[EXP_TERMS].hi,
    pl = INV_FACTORIAL[EXP_TERMS].lo;
  for (let n = EXP_TERMS; n >= 1; n--) {
    // (ph, pl) ← (ph, pl)·t: twoProd(ph, th), then quickTwoSum
    const q = ph * th;
    const pH = highHalf(ph),
      pL = ph - pH;
    const e = pH * tH - q + pH * tL + pL * tH + pL * tL + (ph * tl + pl * th + pl * tl);
    const mh = q + e;
    const ml = e - (mh - q);
    if (n === 1) {
      ph = mh;
      pl = ml;
      break;
    }
    // (ph, pl) ← (mh, ml) + 1/(n−1)!: ddAdd
    const c = INV_FACTORIAL[n - 1];
    let s0 = mh + c.hi;
    let v = s0 - mh;
    let e0 = mh - (s0 - v) + (c.hi - v);
    const t0 = ml + c.lo;
    v = t0 - ml;
    const f = ml - (t0 - v) + (c.lo - v);
    e0 += t0;
    let h = s0 + e0;
    e0 = e0 - (h - s0);
    s0 = h;
    e0 += f;
    h = s0 + e0;
    ph = h;
    pl = e0 - (h - s0);
  }
  let m: DD = { hi: ph, lo: pl };
  for (let i = 0; i < s; i++) m = ddAdd(ddMul(m, m), { hi: 2 * m.hi, lo: 2 * m.lo });
  return m;
}

/** e^a: Infinity above about 709.78, 0 below about −745.13; results below 2^-1022 are float64 subnormals (lo = 0). */
export function ddExp(a: DD): DD {
  if (Number.isNaN(a.hi) || Number.isNaN(a.lo)) return { hi: NaN, lo: NaN };
  if (a.hi > EXP_OVERFLOW) return { hi: Infinity, lo: 0 };
  if (a.hi < EXP_UNDERFLOW) return { hi: 0, lo: 0 };
  const k = Math.round(a.hi / LN2_1);
  const r = k === 0 ? a : ddSub(ddSub(ddSub(a, twoProd(k, LN2_1)), twoProd(k, LN2_2)), ddFromNumber(k * LN2_3));
  const e = ddAdd(ONE, expm1Reduced(r));
  if (k < -1021) return { hi: ddMulPow2(ddFromNumber(ddToNumber(e)), k).hi, lo: 0 };
  const out = ddMulPow2(e, k);
  return Number.isFinite(out.hi) ? out : { hi: Infinity, lo: 0 };
}

/** e^a − 1, with relative accuracy also for tiny a. */
export function ddExpm1(a: DD): DD {
  if (Math.abs(a.hi) <= 0.35) return expm1Reduced(a);
  const e = ddExp(a);
  return Number.isFinite(e.hi) ? ddSub(e, ONE) : e;
}

/** log(1 + d) for |d| < 0.5 (d exact): one Newton step x ← x + (d − (e^x − 1))/e^x from float64's log1p. */
function log1pNewton(d: DD): DD {
  const x = ddFromNumber(Math.log1p(d.hi + d.lo));
  const m = ddExpm1(x);
  return ddAdd(x, ddDiv(ddSub(d, m), ddAdd(ONE, m)));
}

/** Natural logarithm, with Math.log's conventions: NaN for a < 0, −Infinity at 0. a = 2^k·f with f ≈ 1, log a = k·ln2 + log1p(f − 1). */
export function ddLog(a: DD): DD {
  if (Number.isNaN(a.hi) || a.hi < 0) return { hi: NaN, lo: NaN };
  if (a.hi === 0) return { hi: -Infinity, lo: 0 };
  if (a.hi === Infinity) return { hi: Infinity, lo: 0 };
  const k = Math.round(Math.log2(a.hi));
  const logF = log1pNewton(ddSub(ddMulPow2(a, -k), ONE)); // f − 1 is exact (Sterbenz) for f in [½, 2]
  if (k === 0) return logF;
  const kLn2 = ddAdd(ddAdd(twoProd(k, LN2_1), twoProd(k, LN2_2)), ddFromNumber(k * LN2_3));
  return ddAdd(kLn2, logF);
}

/** log(1 + a), with relative accuracy also for tiny a; −Infinity at −1, NaN below. */
export function ddLog1p(a: DD): DD {
  if (Math.abs(a.hi) < 0.5) return log1pNewton(a);
  if (a.hi === Infinity) return { hi: Infinity, lo: 0 };
  return ddLog(ddAdd(ONE, a));
}
