// Trajectory plots: the claim's own trial traced along its path (y against x, path expressions of
// one layer) for each value of a series variable, on the pool. E.g. |W₁₁| against the loss for
// depths 2, 3, 4 with the bound 1/√(2ℓ) − 2 overlaid (Razin & Cohen).
import { compileExpr } from '../core/expr.js';
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
  /** one per series value, or one per y expression (label) when several are traced along one run */
  series: Array<{ value: number; label?: string; status: TrialStatus; message?: string; points: TracePoint[] }>;
  curves: Array<{ name: string; expression: string; provenance?: string; points: Array<{ x: number; y: number }> }>;
  ms: number;
  plot?: { spec: unknown; file: string };
}

/** `claimId`: part of each trial's journal key, as a search passes it. */
export async function runTrajectory(
  spec: SearchSpec,
  t: TrajectorySpec,
  runner: TrialRunner,
  claimId?: string,
  precision?: 'float64' | 'dd',
): Promise<TrajectoryResult> {
  const t0 = performance.now();
  const ys = t.y;
  const trace = { layer: t.layer, x: t.x, y: ys, until: t.until };
  const options = { trace, ...(claimId === undefined ? {} : { claim: claimId }), ...(precision === 'dd' ? { precision } : {}) };
  let series: TrajectoryResult['series'];
  if (Array.isArray(ys)) {
    const r = await runner.run(spec, { ...t.fixed, seed: t.seed }, spec.timeout_s * 1000, options);
    series = ys.map((label, i) => ({ value: i + 1, label, status: r.status, message: r.message, points: (r.trace ?? []).filter((p) => p.i === i) }));
  } else {
    const sv = t.series!;
    series = await Promise.all(
      sv.values.map(async (value) => {
        const r = await runner.run(spec, { ...t.fixed, [sv.var]: value, seed: t.seed }, spec.timeout_s * 1000, options);
        return { value, status: r.status, message: r.message, points: r.trace ?? [] };
      }),
    );
  }
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => Number.isFinite(x) && (!t.x_log || x > 0));
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const grid = !xs.length
    ? []
    : t.x_log
      ? Array.from({ length: 80 }, (_, i) => lo * (hi / lo) ** (i / 79))
      : Array.from({ length: 80 }, (_, i) => lo + ((hi - lo) * i) / 79);
  const curves = t.curves.map((c) => {
    const e = compileExpr(c.y);
    const pts = grid.map((x) => ({ x, y: e.value({ [t.x.trim()]: x }) })).filter((p) => Number.isFinite(p.y) && (!t.y_log || p.y > 0));
    return { name: c.name, expression: c.y, provenance: c.provenance, points: pts };
  });
  return {
    layer: t.layer,
    x: t.x,
    y: Array.isArray(ys) ? ys.join(', ') : ys,
    seriesVar: t.series?.var ?? 'curve',
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
