// 64-digit BigNumber references for the double-double tests: the exact binary value of a float64 (a
// decimal string of x would round it first) and of a double-double.
import { all, create, type BigNumber } from 'mathjs';
import type { DD } from '../../src/numeric/dd.js';

export const big = create(all, { number: 'BigNumber', precision: 64 });
export const TWO = big.bignumber(2);

/** x = m·2^e exactly, m an integer (|m| < 2^53), read from the IEEE bits. */
export function floatBinary(x: number): { m: bigint; e: number } {
  const bits = new BigUint64Array(new Float64Array([x]).buffer)[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  const m = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  return { m: bits >> 63n ? -m : m, e: Math.max(biased, 1) - 1075 };
}

/** The binary value of a float64 in 64-digit BigNumber. */
export function exactBig(x: number): BigNumber {
  const { m, e } = floatBinary(x);
  return big.bignumber(m.toString()).times(TWO.pow(e));
}

/** hi + lo exactly (to 64 digits). */
export const ddBig = (a: DD): BigNumber => exactBig(a.hi).plus(exactBig(a.lo));
