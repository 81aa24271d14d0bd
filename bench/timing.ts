// Timing for the benchmarks: best of `repeats` timings of a batch lasting ≥ minMs, per call, in seconds
// (as Python's timeit: noise only adds; bench/reference.py times the NumPy side the same way).
export function secondsPerCall(f: () => unknown, minMs = 300, repeats = 5): number {
  f();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    if (performance.now() - t0 >= minMs) break;
    n *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000 / n;
}
