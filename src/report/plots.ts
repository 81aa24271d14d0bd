// Plots as vega-lite specs (embedded in report.json so a reviewer can re-render them) rendered to
// SVG at report time with vega's headless renderer; no network, no canvas.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BoundaryResult } from '../search/boundary.js';
import type { TrajectoryResult } from '../search/trajectory.js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Heat map of the boundary metric (log10 colour, viridis), with shapes for below/above the threshold and the overlay curves. */
export function boundarySpec(b: BoundaryResult, title: string): TopLevelSpec {
  if (!b.yVar) return sweepSpec(b, title);
  const yVar = b.yVar;
  const cells = b.cells.map((c) => ({
    [b.xVar]: c.x,
    [yVar]: c.y,
    value: c.value,
    log10: c.value !== null && c.value > 0 ? Math.log10(c.value) : null,
    outcome:
      c.value === null ? `no value (${c.status})` : b.threshold === undefined ? 'measured' : c.value <= b.threshold ? `≤ ${b.threshold}` : `> ${b.threshold}`,
  }));
  const ys = b.cells.map((c) => c.y);
  const yDomain = [ys.reduce((m, y) => Math.min(m, y), Infinity) / (b.yLog ? 1.3 : 1), ys.reduce((m, y) => Math.max(m, y), -Infinity) * (b.yLog ? 1.3 : 1)];
  const curves = b.curves.flatMap((c) =>
    c.points.filter((p) => p.y >= yDomain[0] && p.y <= yDomain[1]).map((p) => ({ [b.xVar]: p.x, [yVar]: p.y, curve: c.name })),
  );
  const yScale = { type: b.yLog ? 'log' : 'linear', domain: yDomain } as const;
  const xScale = { type: b.xLog ? 'log' : 'linear' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 320,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'point', filled: true, size: 260, opacity: 0.9 },
        encoding: {
          x: { field: b.xVar, type: 'quantitative', title: b.xVar, scale: xScale },
          y: { field: yVar, type: 'quantitative', title: yVar, scale: yScale },
          color: { field: 'log10', type: 'quantitative', title: `log10 ${b.metric}`, scale: { scheme: 'viridis' } },
          shape: {
            field: 'outcome',
            type: 'nominal',
            title: b.metric,
            scale: b.threshold === undefined ? undefined : { domain: [`≤ ${b.threshold}`, `> ${b.threshold}`], range: ['circle', 'cross'] },
          },
          tooltip: [{ field: b.xVar }, { field: b.yVar }, { field: 'value', title: b.metric }, { field: 'outcome' }],
        },
      },
      {
        data: { values: curves },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: b.xVar, type: 'quantitative', scale: xScale },
          y: { field: yVar, type: 'quantitative', scale: yScale },
          strokeDash: { field: 'curve', type: 'nominal', title: 'overlay', legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' } },
          color: { value: '#d62728' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** What a sweep's y value is: the metric of one trial, or an aggregate over seeds. */
export function aggregateLabel(b: Pick<BoundaryResult, 'metric' | 'seeds' | 'aggregate'>): string {
  if (!b.seeds || b.seeds === 1) return b.metric;
  return b.aggregate === 'fraction' ? `fraction of trials with ${b.metric}` : `${b.aggregate} ${b.metric} over ${b.seeds} seeds`;
}

/** A one-dimensional sweep: the metric against x, with error bars when the sweep declares an error metric, and the overlay curves. */
export function sweepSpec(b: BoundaryResult, title: string): TopLevelSpec {
  const points = b.cells
    .filter((c) => c.value !== null)
    .map((c) => ({
      [b.xVar]: c.x,
      value: c.value,
      lo: c.lo ?? (c.value as number) - (c.error ?? 0),
      hi: c.hi ?? (c.value as number) + (c.error ?? 0),
      status: c.status,
      trials: c.counted === undefined ? 1 : `${c.counted} of ${c.runs}`,
    }));
  const curves = b.curves.flatMap((c) => c.points.map((p) => ({ [b.xVar]: p.x, value: p.y, curve: c.name })));
  const x = { field: b.xVar, type: 'quantitative', title: b.xVar, scale: b.xLog ? { type: 'log' } : { type: 'linear', zero: false } } as const;
  const yTitle = aggregateLabel(b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 280,
    layer: [
      {
        data: { values: points },
        mark: { type: 'errorbar', ticks: true },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 80, color: '#1f77b4' },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: yTitle },
          tooltip: [{ field: b.xVar }, { field: 'value', title: b.metric }, { field: 'lo' }, { field: 'hi' }, { field: 'trials' }, { field: 'status' }],
        },
      },
      ...(curves.length
        ? [
            {
              data: { values: curves },
              mark: { type: 'line' as const, color: '#d62728' },
              encoding: {
                x,
                y: { field: 'value', type: 'quantitative' as const },
                strokeDash: {
                  field: 'curve',
                  type: 'nominal' as const,
                  title: 'overlay',
                  legend: { labelLimit: 400, orient: 'bottom' as const, direction: 'vertical' as const },
                },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Category colours without red or black (those mark overlays), readable by colour-blind readers together with the dash patterns. */
const SERIES_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#bcbd22'];

/** y against x along the path, one line per series value (colour and dash, so not colour alone), imprecise points hollow, overlay curves black dotted. */
export function trajectorySpec(t: TrajectoryResult, title: string | { text: string; subtitle: string[] }): TopLevelSpec {
  const ok = (p: { x: number; y: number }) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!t.xLog || p.x > 0) && (!t.yLog || p.y > 0);
  const label = (s: { value: number; label?: string }) => s.label ?? `${t.seriesVar} = ${s.value}`;
  const points = t.series.flatMap((s) =>
    s.points.filter(ok).map((p) => ({ x: p.x, y: p.y, series: label(s), precision: p.precise ? 'precise' : 'imprecise' })),
  );
  const curves = t.curves.flatMap((c) => c.points.map((p) => ({ x: p.x, y: p.y, curve: c.name })));
  const x = { field: 'x', type: 'quantitative', title: t.x, scale: { type: t.xLog ? 'log' : 'linear', reverse: t.xReversed } } as const;
  const y = { field: 'y', type: 'quantitative', title: t.y, scale: { type: t.yLog ? 'log' : 'linear' } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 440,
    height: 300,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: { field: 'series', type: 'nominal', title: t.seriesVar, scale: { range: SERIES_COLOURS } },
          strokeDash: { field: 'series', type: 'nominal', title: t.seriesVar },
        },
      },
      ...(points.some((p) => p.precision === 'imprecise')
        ? [
            {
              data: { values: points.filter((p) => p.precision === 'imprecise') },
              mark: { type: 'point' as const, size: 14, filled: false, opacity: 0.5 },
              encoding: {
                x,
                y,
                color: { field: 'series', type: 'nominal' as const },
                shape: { field: 'precision', type: 'nominal' as const, title: 'float64' },
              },
            },
          ]
        : []),
      ...(curves.length
        ? [
            {
              data: { values: curves },
              mark: { type: 'line' as const, color: 'black', strokeWidth: 1.5, strokeDash: [2, 2] },
              encoding: { x, y, detail: { field: 'curve', type: 'nominal' as const }, tooltip: [{ field: 'curve', type: 'nominal' as const }] },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Counts of a metric over the search's trials, stacked by outcome (in regime and holding, in regime and failing, out of regime), with an optional rule. */
export function histogramSpec(
  samples: Array<{ status: string; value: number | null }>,
  h: { metric: string; bins: number; range?: [number, number]; rule?: number },
  title: string | { text: string; subtitle: string[] },
): TopLevelSpec {
  const label: Record<string, string> = {
    pass: 'in regime, property holds',
    fail: 'in regime, property fails',
    'out-of-regime': 'out of regime',
    imprecise: 'imprecise (not decided)',
  };
  const vals = samples.filter((p) => p.value !== null && label[p.status]).map((p) => ({ value: p.value as number, outcome: label[p.status] }));
  const xs = vals.map((v) => v.value);
  // a loop, not Math.min(...xs): a spread of 10⁵ values overflows the stack
  const [lo, hi] = h.range ?? [xs.reduce((m, x) => Math.min(m, x), h.rule ?? Infinity), xs.reduce((m, x) => Math.max(m, x), h.rule ?? -Infinity)];
  const width = (hi - lo) / h.bins || 1;
  const counts = new Map<string, number>();
  for (const v of vals) {
    const i = Math.min(h.bins - 1, Math.max(0, Math.floor((v.value - lo) / width)));
    const key = `${i}|${v.outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bars = [...counts].map(([key, count]) => {
    const [i, outcome] = key.split('|');
    const start = lo + Number(i) * width;
    return { start, end: start + width, count, outcome };
  });
  const x = { field: 'start', type: 'quantitative', title: h.metric, scale: { domain: [lo, hi], nice: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 240,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar' },
        encoding: {
          x,
          x2: { field: 'end' },
          y: { aggregate: 'sum', field: 'count', type: 'quantitative', title: 'trials', stack: 'zero' },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'trial',
            scale: { domain: Object.values(label), range: ['#1f77b4', '#d62728', '#bbbbbb'] },
            legend: { labelLimit: 400, orient: 'bottom', direction: 'vertical' },
          },
          tooltip: [{ field: 'start' }, { field: 'end' }, { field: 'count' }, { field: 'outcome' }],
        },
      },
      ...(h.rule !== undefined
        ? [
            {
              data: { values: [{ rule: h.rule }] },
              mark: { type: 'rule' as const, color: 'black', strokeDash: [4, 3] },
              encoding: { x: { field: 'rule', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}
