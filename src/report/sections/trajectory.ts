// The trajectory plot: one line per series along the run, and in report.md a table of each series' end.
import { claimAnchor, fmt, seconds, valuesText } from '../format.js';
import { figureHtml, mdEscape as esc } from '../markup.js';
import { defineSection } from './section.js';

export default defineSection({
  id: 'trajectory',
  view: (c) => c.trajectory && { anchor: claimAnchor(c.id), t: c.trajectory },
  html: ({ anchor, t }, page) => {
    if (!t.plot) return undefined;
    const summary = t.series
      .map((s) => `${s.label ?? `${t.seriesVar} = ${fmt(s.value)}`}: ${s.points.length} points, last (${fmt(s.points.at(-1)?.x)}, ${fmt(s.points.at(-1)?.y)})`)
      .join('; ');
    return (
      `<h4>Trajectory</h4>` +
      figureHtml(
        anchor,
        'trajectory',
        page.svgs[t.plot.file],
        t.plot,
        `${t.y} against ${t.x}, one line per ${t.seriesVar}. ${summary}`,
        `${t.y} against ${t.x} of layer ${t.layer}${t.xReversed ? ' (x reversed)' : ''}; ${summary}${t.until ? `; hollow points: after ${t.until}` : ''}${t.curves.length ? `; dotted: ${t.curves.map((q) => `${q.name} [${q.provenance ?? '–'}]`).join('; ')}` : ''}.`,
      )
    );
  },
  markdown: ({ t }) => {
    const out = [
      `**Trajectory**: \`${t.y}\` against \`${t.x}\` of layer ${t.layer}, ${t.series.some((q) => q.label) ? 'all along one run' : `one run per ${t.seriesVar}`} (trial seed ${t.seed}, fixed: ${Object.keys(t.fixed).length ? valuesText(t.fixed) : 'none'}; ${seconds(t.ms)} s)${t.until ? `; points after \`${t.until}\` first holds are drawn hollow (imprecise)` : ''}.`,
      '',
    ];
    if (t.plot)
      out.push(
        `![${t.y} against ${t.x}${t.xLog || t.yLog ? ' (log axes)' : ''}${t.xReversed ? ', x reversed' : ''}, one line per ${t.seriesVar}${t.curves.length ? `, with the overlay curves ${t.curves.map((q) => q.name).join('; ')}` : ''}](${t.plot.file})`,
        '',
      );
    out.push(`| ${t.seriesVar} | status | points | last ${t.x} | last ${t.y} | precise part ends at ${t.x} |`, '|---|---|---|---|---|---|');
    for (const s of t.series) {
      const last = s.points.at(-1);
      const firstImprecise = s.points.find((p) => !p.precise);
      out.push(
        `| ${s.label ?? fmt(s.value)} | ${s.status}${s.message ? ` (${esc(s.message)})` : ''} | ${s.points.length} | ${last ? fmt(last.x) : '–'} | ${last ? fmt(last.y) : '–'} | ${firstImprecise ? fmt(firstImprecise.x) : 'never imprecise'} |`,
      );
    }
    out.push('');
    for (const q of t.curves) out.push(`- overlay: ${q.name}: ${t.y} = \`${q.expression}\`${q.provenance ? ` [${q.provenance}]` : ''}`);
    out.push('');
    return out;
  },
});
