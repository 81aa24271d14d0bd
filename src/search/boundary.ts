// The hypothesis boundary: one metric of a claim's trial over a grid of two variables, with the
// other variables fixed, run on the pool. Theorists read where a theorem stops holding from it.
import { evaluate, parseExpr } from '../claims/expr.js';
import type { BoundarySpec, SearchSpec } from '../claims/schema.js';
import type { TrialRunner } from './pool.js';
import type { TrialStatus } from './trial.js';

export interface BoundaryCell {
  x: number;
  y: number;
  value: number | null;
  /** half-width of the error bar, for sweeps that declare one */
  error?: number | null;
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
  cells: BoundaryCell[];
  curves: Array<{ name: string; expression: string; provenance?: string; points: Array<{ x: number; y: number }> }>;
  ms: number;
}

export async function runBoundary(spec: SearchSpec, b: BoundarySpec, runner: TrialRunner, onProgress?: (done: number, total: number) => void): Promise<BoundaryResult> {
  const t0 = performance.now();
  const yAxis = b.y;
  const points: Array<Record<string, number>> = (yAxis ? yAxis.values : [0]).flatMap((y) => b.x.values.map((x) => ({ ...b.fixed, [b.x.var]: x, ...(yAxis ? { [yAxis.var]: y } : {}), seed: b.seed })));
  let done = 0;
  const cells = await Promise.all(
    points.map(async (values) => {
      const r = await runner.run(spec, values, spec.timeout_s * 1000);
      onProgress?.(++done, points.length);
      const finite = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
      return {
        x: values[b.x.var],
        y: yAxis ? values[yAxis.var] : 0,
        value: finite(r.quantities[b.metric]),
        error: b.error ? finite(r.quantities[b.error]) : undefined,
        status: r.status,
        message: r.message,
      };
    }),
  );
  const xs = b.x.values;
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const dense = b.x.log && lo > 0
    ? Array.from({ length: 60 }, (_, i) => lo * (hi / lo) ** (i / 59))
    : Array.from({ length: 60 }, (_, i) => lo + ((hi - lo) * i) / 59);
  const curves = b.curves.map((c) => {
    const e = parseExpr(c.y);
    return { name: c.name, expression: c.y, provenance: c.provenance, points: dense.map((x) => ({ x, y: evaluate(e, { ...b.fixed, [b.x.var]: x }) })).filter((p) => Number.isFinite(p.y)) };
  });
  return { xVar: b.x.var, yVar: yAxis?.var, xLog: b.x.log, yLog: yAxis?.log ?? false, metric: b.metric, threshold: b.threshold, fixed: b.fixed, seed: b.seed, cells, curves, ms: performance.now() - t0 };
}
