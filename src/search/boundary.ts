// The hypothesis boundary: one metric of a claim's trial over a grid of two variables, with the
// other variables fixed, run on the pool. Theorists read where a theorem stops holding from it.
import { compileExpr } from '../core/expr.js';
import { withoutEarlyDecision } from '../claims/early-decision.js';
import type { BoundarySpec, SearchSpec } from '../claims/schema.js';
import { clopperPearson } from './frequency.js';
import type { TrialRunner } from './pool.js';
import type { TrialStatus } from './trial.js';

export interface BoundaryCell {
  x: number;
  y: number;
  value: number | null;
  /** half-width of the error bar, for sweeps that declare one */
  error?: number | null;
  /** ends of the error bar of an aggregate over seeds (quartiles, ± standard error, or the exact 95% interval of a fraction) */
  lo?: number | null;
  hi?: number | null;
  /** trials summarized (in regime) of those run, for aggregates over seeds */
  counted?: number;
  runs?: number;
  status: TrialStatus;
  message?: string;
}

export interface BoundaryResult {
  xVar: string;
  /** undefined for a one-dimensional sweep */
  yVar?: string;
  xLog: boolean;
  yLog: boolean;
  metric: string;
  threshold?: number;
  fixed: Record<string, number>;
  seed: number;
  seeds: number;
  aggregate: BoundarySpec['aggregate'];
  cells: BoundaryCell[];
  curves: Array<{ name: string; expression: string; provenance?: string; points: Array<{ x: number; y: number }> }>;
  ms: number;
}

export async function runBoundary(
  spec: SearchSpec,
  b: BoundarySpec,
  runner: TrialRunner,
  onProgress?: (done: number, total: number) => void,
  /** the claim's id: part of each trial's journal key, as a search passes it, so that a cell that is also a search trial runs once */
  claimId?: string,
  /** the arithmetic of the search's trials (search.precision or --precision) */
  precision?: 'float64' | 'dd',
): Promise<BoundaryResult> {
  // a cell plots its trial's values at the end of the run: early decision, which stops a trial where its
  // status is settled and leaves its quantities at that step, is off here (as for trajectories)
  spec = withoutEarlyDecision(spec);
  const options = { ...(claimId === undefined ? {} : { claim: claimId }), ...(precision === 'dd' ? { precision } : {}) };
  const t0 = performance.now();
  const yAxis = b.y;
  const points: Array<Record<string, number>> = (yAxis ? yAxis.values : [0]).flatMap((y) =>
    b.x.values.map((x) => ({ ...b.fixed, [b.x.var]: x, ...(yAxis ? { [yAxis.var]: y } : {}) })),
  );
  let done = 0;
  const total = points.length * b.seeds;
  const finite = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
  const cells = await Promise.all(
    points.map(async (point): Promise<BoundaryCell> => {
      const x = point[b.x.var],
        y = yAxis ? point[yAxis.var] : 0;
      const runs = await Promise.all(
        Array.from({ length: b.seeds }, async (_, j) => {
          const r = await runner.run(spec, { ...point, seed: b.seed + j }, spec.timeout_s * 1000, options);
          onProgress?.(++done, total);
          return r;
        }),
      );
      if (b.seeds === 1) {
        const r = runs[0];
        return {
          x,
          y,
          value: finite(r.quantities[b.metric]),
          error: b.error ? finite(r.quantities[b.error]) : undefined,
          status: r.status,
          message: r.message,
        };
      }
      const judged = runs.filter((r) => r.status === 'pass' || r.status === 'fail');
      const vals = judged.map((r) => finite(r.quantities[b.metric])).filter((v): v is number => v !== null);
      const statuses = [...new Set(runs.map((r) => r.status))].join('/');
      if (!vals.length)
        return { x, y, value: null, status: runs[0].status, message: `no in-regime trial among ${runs.length} (${statuses})`, counted: 0, runs: runs.length };
      const a = summarize(vals, b.aggregate);
      return {
        x,
        y,
        value: a.value,
        lo: a.lo,
        hi: a.hi,
        // an imprecise run is neither: the cell says so unless a run failed
        status: judged.some((r) => r.status === 'fail') ? 'fail' : runs.some((r) => r.status === 'imprecise') ? 'imprecise' : 'pass',
        counted: vals.length,
        runs: runs.length,
      };
    }),
  );
  const xs = b.x.values;
  const [lo, hi] = [xs.reduce((m, x) => Math.min(m, x), Infinity), xs.reduce((m, x) => Math.max(m, x), -Infinity)];
  const dense =
    b.x.log && lo > 0 ? Array.from({ length: 60 }, (_, i) => lo * (hi / lo) ** (i / 59)) : Array.from({ length: 60 }, (_, i) => lo + ((hi - lo) * i) / 59);
  const curves = b.curves.map((c) => {
    const e = compileExpr(c.y);
    return {
      name: c.name,
      expression: c.y,
      provenance: c.provenance,
      points: dense.map((x) => ({ x, y: e.value({ ...b.fixed, [b.x.var]: x }) })).filter((p) => Number.isFinite(p.y)),
    };
  });
  return {
    xVar: b.x.var,
    yVar: yAxis?.var,
    xLog: b.x.log,
    yLog: yAxis?.log ?? false,
    metric: b.metric,
    threshold: b.threshold,
    fixed: b.fixed,
    seed: b.seed,
    seeds: b.seeds,
    aggregate: b.aggregate,
    cells,
    curves,
    ms: performance.now() - t0,
  };
}

/** One grid point's trials in one number with an error bar. */
export function summarize(vals: number[], how: BoundarySpec['aggregate']): { value: number; lo: number; hi: number } {
  const n = vals.length;
  if (how === 'fraction') {
    const k = vals.filter((v) => v !== 0).length;
    return { value: k / n, ...clopperPearson(k, n, 0.95) };
  }
  if (how === 'mean') {
    const m = vals.reduce((t, v) => t + v, 0) / n;
    const se = n > 1 ? Math.sqrt(vals.reduce((t, v) => t + (v - m) ** 2, 0) / (n - 1) / n) : 0;
    return { value: m, lo: m - se, hi: m + se };
  }
  const s = [...vals].sort((p, q) => p - q);
  const q = (f: number) => {
    const i = f * (n - 1),
      j = Math.floor(i);
    return j + 1 < n ? s[j] + (i - j) * (s[j + 1] - s[j]) : s[j];
  };
  return { value: q(0.5), lo: q(0.25), hi: q(0.75) };
}
