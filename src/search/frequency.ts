// Claims about how often an event happens (e.g. Timor, Vardi & Shamir's Thm 3: Pr[E] ≥ 2(∡/2π)²):
// the trials' frequency of the event, an exact binomial confidence interval, and the comparison
// with the claimed lower bound. Like any search, the claim is refuted only by evidence against it:
// the whole interval below the bound; otherwise it survives, and the report says whether the
// interval clears the bound or merely contains it.

/** log C(n, k) + k log p + (n − k) log(1 − p) */
function logBinomialTerm(n: number, k: number, p: number, logFact: Float64Array): number {
  const lc = logFact[n] - logFact[k] - logFact[n - k];
  const a = k === 0 ? 0 : k * Math.log(p);
  const b = n - k === 0 ? 0 : (n - k) * Math.log1p(-p);
  return lc + a + b;
}

function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) f[i] = f[i - 1] + Math.log(i);
  return f;
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number, logFact = logFactorials(n)): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  let s = 0;
  for (let j = 0; j <= k; j++) s += Math.exp(logBinomialTerm(n, j, p, logFact));
  return Math.min(1, s);
}

/** The exact (Clopper–Pearson) two-sided interval for a binomial proportion with k events in n trials. */
export function clopperPearson(k: number, n: number, confidence: number): { lo: number; hi: number } {
  if (!(n >= 1) || k < 0 || k > n) throw new Error(`clopperPearson: need 0 ≤ k ≤ n and n ≥ 1, got k = ${k}, n = ${n}`);
  const alpha = 1 - confidence;
  const logFact = logFactorials(n);
  // P(X ≤ k; p) decreases in p: bisect for the p where it crosses the target.
  const solve = (kk: number, target: number): number => {
    let a = 0,
      b = 1;
    for (let it = 0; it < 200 && b - a > 1e-15; it++) {
      const m = (a + b) / 2;
      if (binomialCdf(kk, n, m, logFact) > target) a = m;
      else b = m;
    }
    return (a + b) / 2;
  };
  const hi = k === n ? 1 : solve(k, alpha / 2);
  const lo = k === 0 ? 0 : solve(k - 1, 1 - alpha / 2);
  return { lo, hi };
}

export interface FrequencyResult {
  events: number;
  trials: number;
  rate: number;
  confidence: number;
  lo: number;
  hi: number;
  /** the claimed lower bound, averaged over the judged trials (it may depend on the space's variables) */
  bound: number;
  atLeast: string;
  /** below: the whole interval lies below the bound (the claim is refuted at this confidence); above: at or above it; consistent: the interval contains the bound (not rejected, not shown to exceed it) */
  outcome: 'above' | 'consistent' | 'below';
  /** the command that re-runs this exact sample */
  replay: string;
}

export function judgeFrequency(events: number, trials: number, bound: number, confidence: number, atLeast: string, replay: string): FrequencyResult {
  const { lo, hi } = clopperPearson(events, trials, confidence);
  const outcome = hi < bound ? 'below' : lo >= bound ? 'above' : 'consistent';
  return { events, trials, rate: events / trials, confidence, lo, hi, bound, atLeast, outcome, replay };
}

/** The outcome in words, shared by the verdict reason and the HTML report. */
export function frequencyOutcomeWords(f: FrequencyResult): string {
  return f.outcome === 'below'
    ? 'the whole interval lies below the bound: refuted'
    : f.outcome === 'above'
      ? 'the interval clears the bound'
      : 'the interval contains the bound: not rejected, though not shown to exceed it';
}

export function describeFrequency(f: FrequencyResult): string {
  const pct = `${Math.round(f.confidence * 100)}%`;
  const r = (x: number) => x.toPrecision(3);
  const head = `the event held in ${f.events} of ${f.trials} trials (${r(f.rate)}; exact ${pct} interval [${r(f.lo)}, ${r(f.hi)}])`;
  if (f.outcome === 'below') return `${head}: the whole interval lies below the claimed ${f.atLeast} = ${r(f.bound)}`;
  if (f.outcome === 'above') return `${head}: the whole interval lies at or above the claimed ${f.atLeast} = ${r(f.bound)}`;
  return `${head} contains the claimed ${f.atLeast} = ${r(f.bound)}: not rejected, though not shown to exceed it`;
}
