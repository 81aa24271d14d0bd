// Writing a report folder: the plots as SVG, report.json, report.md and index.html.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { readReport, type Report } from './model.js';
import { aggregateLabel, boundarySpec, histogramSpec, renderSvg, trajectorySpec } from './plots.js';

/** Write atomically: a temp file renamed into place, so a killed run never leaves half a report. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export async function writeReport(report: Report, dir: string): Promise<{ json: string; md: string; html: string }> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const md = join(dir, 'report.md');
  const html = join(dir, 'index.html');
  let previous: Report | undefined;
  try {
    if (existsSync(json)) previous = readReport(json);
  } catch {
    previous = undefined; // an unreadable old report only loses the changes section
  }
  const svgs: Record<string, string> = {};
  for (const c of report.claims) {
    const t = c.trajectory;
    if (t) {
      const spec = trajectorySpec(t, {
        text: `${c.id}: ${t.y} against ${t.x}`,
        subtitle: t.curves.length ? [`dotted: ${t.curves.map((q) => q.name).join('; ')}`] : [],
      });
      const file = `${c.id}.trajectory.svg`;
      writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
      t.plot = { spec, file };
    }
    const hg = c.histogram;
    if (hg && c.search?.samples) {
      const samples = c.search.samples.map((q) => ({ status: q.status, value: q.values[hg.metric] }));
      const counted = samples.filter((q) => q.status === 'pass' || q.status === 'fail').length;
      const spec = histogramSpec(samples, hg, {
        text: `${c.id}: ${hg.metric} over the search's trials`,
        subtitle: [`${counted} of ${samples.length} trials in regime`],
      });
      const file = `${c.id}.histogram.svg`;
      writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
      hg.plot = { spec, file };
    }
    if (!c.boundary) continue;
    const b = c.boundary;
    const spec = boundarySpec(
      b,
      `${c.id}: ${aggregateLabel(b)} ${b.yVar ? `over (${b.xVar}, ${b.yVar})` : `against ${b.xVar}${b.cells.some((q) => q.error) ? ' (error bars: integrator estimate)' : ''}`}`,
    );
    const file = `${c.id}.boundary.svg`;
    writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
    c.boundary.plot = { spec, file };
  }
  writeAtomic(json, JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeAtomic(md, renderMarkdown(report));
  writeAtomic(html, renderHtml(report, svgs, previous));
  return { json, md, html };
}
