// report.json is the single source; report.md (and any later format) is a rendering of it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paper } from '../claims/schema.js';
import type { ValidationError } from '../claims/load.js';
import type { ClaimResult, Verdict } from '../runner.js';
import type { Environment } from './environment.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { aggregateLabel, boundarySpec, histogramSpec, renderSvg, trajectorySpec } from './plots.js';

export interface Report {
  schemaVersion: 1;
  generatedAt: string;
  environment: Environment;
  options: { trials?: number; seed?: number; budgetMs?: number; full?: boolean; seeds?: number; shard?: string };
  summary: { claims: number; matching: number; mismatching: number; invalid: number; byVerdict: Record<Verdict, number> };
  papers: Record<string, Paper>;
  paperErrors: ValidationError[];
  claims: ClaimResult[];
  wallMs: number;
}

export function buildReport(claims: ClaimResult[], papers: Record<string, Paper>, paperErrors: ValidationError[], env: Environment, options: Report['options'], wallMs: number): Report {
  const byVerdict: Record<Verdict, number> = { holds: 0, refuted: 0, inconclusive: 0, unstable: 0, invalid: 0 };
  for (const c of claims) byVerdict[c.verdict]++;
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    environment: env,
    options,
    summary: {
      claims: claims.length,
      matching: claims.filter((c) => c.matches).length,
      mismatching: claims.filter((c) => !c.matches && (c.verdict === 'holds' || c.verdict === 'refuted')).length,
      invalid: byVerdict.invalid,
      byVerdict,
    },
    papers,
    paperErrors,
    claims,
    wallMs,
  };
}

/** Write atomically: a temp file renamed into place, so a killed run never leaves half a report. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Read a report.json (numbers that were not finite are written as strings). */
export function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
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
      const spec = trajectorySpec(t, { text: `${c.id}: ${t.y} against ${t.x}`, subtitle: t.curves.length ? [`dotted: ${t.curves.map((q) => q.name).join('; ')}`] : [] });
      const file = `${c.id}.trajectory.svg`;
      writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
      t.plot = { spec, file };
    }
    const hg = c.histogram;
    if (hg && c.search?.samples) {
      const samples = c.search.samples.map((q) => ({ status: q.status, value: q.values[hg.metric] }));
      const counted = samples.filter((q) => q.status === 'pass' || q.status === 'fail').length;
      const spec = histogramSpec(samples, hg, { text: `${c.id}: ${hg.metric} over the search's trials`, subtitle: [`${counted} of ${samples.length} trials in regime`] });
      const file = `${c.id}.histogram.svg`;
      writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
      hg.plot = { spec, file };
    }
    if (!c.boundary) continue;
    const b = c.boundary;
    const spec = boundarySpec(b, `${c.id}: ${aggregateLabel(b)} ${b.yVar ? `over (${b.xVar}, ${b.yVar})` : `against ${b.xVar}${b.cells.some((q) => q.error) ? ' (error bars: integrator estimate)' : ''}`}`);
    const file = `${c.id}.boundary.svg`;
    writeAtomic(join(dir, file), (svgs[file] = await renderSvg(spec)));
    c.boundary.plot = { spec, file };
  }
  writeAtomic(json, JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeAtomic(md, renderMarkdown(report));
  writeAtomic(html, renderHtml(report, svgs, previous));
  return { json, md, html };
}

/** Claim files in the order the loader walks them: path segments compared one by one (each folder sorted). */
export function compareClaimFiles(a: string, b: string): number {
  const p = a.split(/[\\/]/), q = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(p.length, q.length); i++) if (p[i] !== q[i]) return p[i] < q[i] ? -1 : 1;
  return p.length - q.length;
}

/** One report from the reports of shards (`run --shard i/N`): the claims of all, in the loader's order, the summary recomputed. */
export function mergeReports(parts: Report[]): Report {
  if (!parts.length) throw new Error('merge: no reports given');
  const { shard: _s, ...options } = parts[0].options;
  for (const r of parts.slice(1)) {
    const { shard: _t, ...o } = r.options;
    if (JSON.stringify(o) !== JSON.stringify(options)) throw new Error(`merge: the shards ran with different options (${JSON.stringify(options)} vs ${JSON.stringify(o)})`);
    if (r.environment.gitCommit !== parts[0].environment.gitCommit) throw new Error(`merge: the shards come from different commits (${parts[0].environment.gitCommit.slice(0, 10)} vs ${r.environment.gitCommit.slice(0, 10)})`);
  }
  const claims = parts.flatMap((r) => r.claims);
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.id)) throw new Error(`merge: claim ${c.id} appears in more than one shard`);
    seen.add(c.id);
  }
  claims.sort((a, b) => compareClaimFiles(a.file, b.file));
  const papers = Object.assign({}, ...parts.map((r) => r.papers));
  const paperErrors = parts[0].paperErrors;
  const merged = buildReport(claims, papers, paperErrors, parts[0].environment, options, parts.reduce((t, r) => t + r.wallMs, 0));
  return merged;
}
