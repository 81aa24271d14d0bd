// `npx tsx bench/dd.ts`: the cost of one dense matrix–vector product in double-double (src/numeric/dd.ts)
// relative to float64, at a deep-linear size and a wide-layer size (issue 19). A benchmark, not a test.
import { ddMatVec } from '../src/numeric/dd.js';
import { Rng } from '../src/numeric/rng.js';
import { secondsPerCall } from './timing.js';

/** Microseconds per call (best of 5 batches of ≥ 200 ms). */
const perCall = (f: () => unknown): number => secondsPerCall(f, 200) * 1e6;

function matVec(a: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0, k = i * cols; j < cols; j++, k++) s += a[k] * x[j];
    out[i] = s;
  }
}

const rng = new Rng(19);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const sizes: [string, number, number][] = [
  ['2×2 (deep linear layer)', 2, 2],
  ['64×64', 64, 64],
  ['50×4000', 50, 4000],
  ['512×512', 512, 512],
];
console.log('size                      float64 µs   double-double µs   ratio');
for (const [name, rows, cols] of sizes) {
  const aHi = random(rows * cols);
  const aLo = aHi.map((v) => v * 2 ** -60 * rng.normal());
  const xHi = random(cols);
  const xLo = xHi.map((v) => v * 2 ** -60 * rng.normal());
  const outHi = new Float64Array(rows);
  const outLo = new Float64Array(rows);
  const f64 = perCall(() => matVec(aHi, rows, cols, xHi, outHi));
  const dd = perCall(() => ddMatVec(aHi, aLo, rows, cols, xHi, xLo, outHi, outLo));
  console.log(`${name.padEnd(26)}${f64.toFixed(3).padStart(10)}${dd.toFixed(3).padStart(19)}${(dd / f64).toFixed(1).padStart(8)}×`);
}
