// The hypothesis-boundary grid (two variables) or sweep (one): the plot, and in report.md a table of its cells.
import type { ClaimResult } from '../../runner.js';
import type { BoundaryCell } from '../../search/boundary.js';
import { AGGREGATE_BARS, claimAnchor, fmt, seconds, valuesText } from '../format.js';
import { escapeHtml as h, figureHtml } from '../markup.js';
import { defineSection } from './section.js';

export default defineSection({
  id: 'boundary',
  view: (c) => c.boundary && { anchor: claimAnchor(c.id), b: c.boundary as NonNullable<ClaimResult['boundary']> },
  html: ({ anchor, b }, page) => {
    if (!b.plot) return undefined;
    const what = b.yVar ? `${b.metric} over ${b.xVar} × ${b.yVar}` : `${b.metric} against ${b.xVar}`;
    const cells = b.cells
      .map((q) => `${b.xVar} = ${fmt(q.x)}${b.yVar ? `, ${b.yVar} = ${fmt(q.y)}` : ''}: ${q.value === null ? q.status : fmt(q.value)}`)
      .join('; ');
    const caption = `${what} (${b.seeds > 1 ? `${b.aggregate} over ${b.seeds} trial seeds per point, error bars ${AGGREGATE_BARS[b.aggregate]}` : `${b.cells.length} trials, trial seed ${b.seed}`}${Object.keys(b.fixed).length ? `, fixed ${h(valuesText(b.fixed))}` : ''})${b.curves.length ? `; overlays: ${b.curves.map((q) => `${q.name} = ${q.expression}${q.provenance ? ` [${q.provenance}]` : ''}`).join('; ')}` : ''}.`;
    return (
      `<h4>${b.yVar ? 'Hypothesis boundary' : 'Sweep'}</h4>` +
      figureHtml(anchor, 'boundary', page.svgs[b.plot.file], b.plot, `${what}. Values: ${cells}`, caption)
    );
  },
  markdown: ({ b }) => {
    const xs = [...new Set(b.cells.map((x) => x.x))];
    const ys = [...new Set(b.cells.map((x) => x.y))];
    const cell = (x: number, y: number) => b.cells.find((q) => q.x === x && q.y === y)!;
    const mark = (v: number) => (b.threshold === undefined ? '' : v <= b.threshold ? ' ✓' : ' ✗');
    const show = (q: BoundaryCell) =>
      q.value === null
        ? (q.message ?? q.status)
        : `${fmt(q.value)}${q.error !== undefined && q.error !== null ? ` ± ${fmt(q.error)}` : ''}${q.lo !== undefined && q.lo !== null ? ` [${fmt(q.lo)}, ${fmt(q.hi ?? NaN)}]` : ''}${q.counted !== undefined ? ` (${q.counted} of ${q.runs})` : ''}${mark(q.value)}`;
    const what = b.yVar ? `over ${b.xVar} × ${b.yVar}` : `against ${b.xVar}`;
    const out = [
      `**${b.yVar ? 'Hypothesis boundary' : 'Sweep'}**: \`${b.metric}\` ${what} (${b.seeds > 1 ? `${b.aggregate} over ${b.seeds} trial seeds ${b.seed}…${b.seed + b.seeds - 1} per point, error bars ${AGGREGATE_BARS[b.aggregate]}` : `${b.cells.length} trials, trial seed ${b.seed}`}, fixed: ${Object.keys(b.fixed).length ? valuesText(b.fixed) : 'none'}; ${seconds(b.ms)} s)${b.threshold !== undefined ? `; cells marked ✓ are ≤ ${b.threshold}, ✗ above` : ''}.`,
      '',
    ];
    if (b.plot)
      out.push(
        `![${b.metric} ${what}${b.yVar ? `: points coloured by log10 ${b.metric}, shaped by whether it is below the threshold` : ', with error bars'}${b.curves.length ? `, with the overlay curves ${b.curves.map((q) => q.name).join('; ')}` : ''}](${b.plot.file})`,
        '',
      );
    if (b.yVar) {
      out.push(`| ${b.yVar} \\ ${b.xVar} | ${xs.map(fmt).join(' | ')} |`, `|---|${xs.map(() => '---').join('|')}|`);
      for (const y of [...ys].sort((p, q) => q - p)) out.push(`| ${fmt(y)} | ${xs.map((x) => show(cell(x, y))).join(' | ')} |`);
    } else {
      out.push(`| ${b.xVar} | ${b.metric} |`, '|---|---|');
      for (const x of xs) out.push(`| ${fmt(x)} | ${show(cell(x, 0))} |`);
    }
    out.push('');
    for (const q of b.curves) out.push(`- overlay: ${q.name}: ${b.yVar ?? b.metric} = \`${q.expression}\`${q.provenance ? ` [${q.provenance}]` : ''}`);
    out.push('');
    return out;
  },
});
