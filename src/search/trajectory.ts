// Trajectory plots: the claim's own trial traced along its path (y against x, path expressions of
// one layer) for each value of a series variable, on the pool. E.g. |W₁₁| against the loss for
// depths 2, 3, 4 with the bound 1/√(2ℓ) − 2 overlaid (Razin & Cohen).
import { evaluate, parseExpr } from '../claims/expr.js';
import type { SearchSpec, TrajectorySpec } from '../claims/schema.js';
import type { TrialRunner } from './pool.js';
import type { TracePoint, TrialStatus } from './trial.js';

export interface TrajectoryResult {
  layer: string;
  x: string;
  y: string;
  seriesVar: string;
  fixed: Record<string, number>;
  seed: number;
  xLog: boolean;
  yLog: boolean;
  xReversed: boolean;
  until?: string;
  series: Array<{ value: number; status: TrialStatus; message?: string; points: TracePoint[] }>;
  curves: Array<{ name: string; expression: string; provenance?: string; points: Array<{ x: number; y: number }> }>;
  ms: number;
  plot?: { spec: unknown; file: string };
}

export async function runTrajectory(spec: SearchSpec, t: TrajectorySpec, runner: TrialRunner): Promise<TrajectoryResult> {
  const t0 = performance.now();
  const series = await Promise.all(
    t.series.values.map(async (value) => {
      const r = await runner.run(spec, { ...t.fixed, [t.series.var]: value, seed: t.seed }, spec.timeout_s * 1000, { trace: { layer: t.layer, x: t.x, y: t.y, until: t.until } });
      return { value, status: r.status, message: r.message, points: r.trace ?? [] };
    }),
  );
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => Number.isFinite(x) && (!t.x_log || x > 0));
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const grid = !xs.length ? [] : t.x_log ? Array.from({ length: 80 }, (_, i) => lo * (hi / lo) ** (i / 79)) : Array.from({ length: 80 }, (_, i) => lo + ((hi - lo) * i) / 79);
  const curves = t.curves.map((c) => {
    const e = parseExpr(c.y);
    const pts = grid.map((x) => ({ x, y: evaluate(e, { [t.x.trim()]: x }) })).filter((p) => Number.isFinite(p.y) && (!t.y_log || p.y > 0));
    return { name: c.name, expression: c.y, provenance: c.provenance, points: pts };
  });
  return {
    layer: t.layer,
    x: t.x,
    y: t.y,
    seriesVar: t.series.var,
    fixed: t.fixed,
    seed: t.seed,
    xLog: t.x_log,
    yLog: t.y_log,
    xReversed: t.x_reversed,
    until: t.until,
    series,
    curves,
    ms: performance.now() - t0,
  };
}
