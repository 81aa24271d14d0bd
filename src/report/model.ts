// report.json is the single source; report.md, index.html and the CLI's lines are renderings of it.
// The report's shape and the operations on it: build, read, merge (nothing here renders).
import { readFileSync } from 'node:fs';
import type { Paper } from '../claims/schema.js';
import type { ValidationError } from '../claims/load.js';
import type { ClaimResult, Verdict } from '../runner.js';
import type { Environment } from './environment.js';

export interface Report {
  schemaVersion: 1;
  generatedAt: string;
  environment: Environment;
  options: {
    trials?: number;
    seed?: number;
    budgetMs?: number;
    full?: boolean;
    seeds?: number;
    shard?: string;
    /** the searches ran without this premise (`--drop`): a diagnostic, not the claims' verdicts */ drop?: string;
    /** every trial ran in this arithmetic (`--precision`), whatever the claims' search.precision */ precision?: 'float64' | 'dd';
  };
  summary: { claims: number; matching: number; mismatching: number; invalid: number; byVerdict: Record<Verdict, number> };
  papers: Record<string, Paper>;
  paperErrors: ValidationError[];
  claims: ClaimResult[];
  wallMs: number;
}

export function buildReport(
  claims: ClaimResult[],
  papers: Record<string, Paper>,
  paperErrors: ValidationError[],
  env: Environment,
  options: Report['options'],
  wallMs: number,
): Report {
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

/** Read a report.json (numbers that were not finite are written as strings). */
export function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

/** Claim files in the order the loader walks them: path segments compared one by one (each folder sorted). */
export function compareClaimFiles(a: string, b: string): number {
  const p = a.split(/[\\/]/),
    q = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(p.length, q.length); i++) if (p[i] !== q[i]) return p[i] < q[i] ? -1 : 1;
  return p.length - q.length;
}

/** One report from the reports of shards (`run --shard i/N`): the claims of all, in the loader's order, the summary recomputed. */
export function mergeReports(parts: Report[]): Report {
  if (!parts.length) throw new Error('merge: no reports given');
  const { shard: _s, ...options } = parts[0].options;
  for (const r of parts.slice(1)) {
    const { shard: _t, ...o } = r.options;
    if (JSON.stringify(o) !== JSON.stringify(options))
      throw new Error(`merge: the shards ran with different options (${JSON.stringify(options)} vs ${JSON.stringify(o)})`);
    if (r.environment.gitCommit !== parts[0].environment.gitCommit)
      throw new Error(
        `merge: the shards come from different commits (${parts[0].environment.gitCommit.slice(0, 10)} vs ${r.environment.gitCommit.slice(0, 10)})`,
      );
  }
  const claims = parts.flatMap((r) => r.claims);
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.id)) throw new Error(`merge: claim ${c.id} appears in more than one shard`);
    seen.add(c.id);
  }
  claims.sort((a, b) => compareClaimFiles(a.file, b.file));
  // report.json is input here: a null-prototype map, so that a paper key "__proto__" is a key like any other, never the prototype
  const papers: Record<string, Paper> = Object.create(null);
  for (const r of parts) for (const [k, v] of Object.entries(r.papers ?? {})) papers[k] = v;
  const paperErrors = parts[0].paperErrors;
  const merged = buildReport(
    claims,
    papers,
    paperErrors,
    parts[0].environment,
    options,
    parts.reduce((t, r) => t + r.wallMs, 0),
  );
  return merged;
}
