// report.md: what a reviewer reads. Everything here is rendered from report.json.
import type { ClaimResult } from '../runner.js';
import type { BoundaryCell } from '../search/boundary.js';
import type { Witness } from '../search/search.js';
import type { TrialResult } from '../search/trial.js';
import type { StepResult } from '../symbolic/check.js';
import type { Report } from './report.js';

const VERDICT_LABEL: Record<string, string> = {
  holds: 'HOLDS (no counterexample found)',
  refuted: 'REFUTED',
  inconclusive: 'INCONCLUSIVE',
  unstable: 'UNSTABLE (the verdict flips between run seeds)',
  invalid: 'INVALID claim file',
};

/** What each provenance tag means (claim files, both renderings). */
export const PROVENANCE_MEANING: Record<string, string> = {
  V: 'read in the paper',
  A: "read in the authors' slides or blog",
  R: 'recalled, unverified',
  D: 'derived and checked by us',
  N: 'not found in the sources',
};

/** Disagreements and invalid files first, then undecided claims, then the rest. */
export const attentionRank = (c: ClaimResult) => (c.verdict === 'invalid' ? 0 : c.verdict === 'unstable' || (!c.matches && c.verdict !== 'inconclusive') ? 1 : c.verdict === 'inconclusive' ? 2 : 3);

/** How the run shared its workers, so a reader does not take a search's seconds for its own cost. */
export function concurrencyNote(r: Pick<Report, 'options'>): string {
  return r.options.budgetMs === undefined
    ? "claims ran concurrently: a search's seconds and trials/s count time shared with the claims beside it"
    : 'claims ran one at a time, as --budget asks';
}

export function fmt(x: number | string | undefined): string {
  if (x === undefined) return '–';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}

const anchor = (id: string) => `claim-${id.replace(/[^a-z0-9-]/g, '-')}`;

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function values(v: Record<string, number>): string {
  return Object.entries(v).map(([k, x]) => `${k} = ${fmt(x)}`).join(', ');
}

export function agreement(c: ClaimResult): string {
  if (c.verdict === 'invalid') return 'invalid file';
  if (c.verdict === 'inconclusive') return 'undecided';
  if (c.verdict === 'unstable') return '**UNSTABLE**';
  return c.matches ? 'agrees' : '**DISAGREES**';
}

function searchCounts(c: ClaimResult): string {
  const s = c.search;
  if (!s) return 'no search';
  return `${s.counts.pass + s.counts.fail} in regime / ${s.counts['out-of-regime']} out / ${s.counts.diverged + s.counts.timeout + s.counts.error} failed to run`;
}

function symbolicSummary(c: ClaimResult): string {
  if (!c.symbolic.length) return 'none';
  const by: Record<string, number> = {};
  for (const s of c.symbolic) by[s.verdict] = (by[s.verdict] ?? 0) + 1;
  return Object.entries(by).map(([k, n]) => `${n} ${k}`).join(', ');
}

function stepSection(s: StepResult): string[] {
  const out = [`- **${s.id}** (${s.kind}${s.sharedFrom ? `, shared with ${s.sharedFrom}` : ''}): **${s.verdict}** — ${esc(s.message)}`];
  if (s.statement) out.push(`  - statement: $${s.statement}$`);
  for (const c of s.cases) {
    const cond = c.conditions.length ? c.conditions.join(', ') : 'no conditions';
    out.push(`  - case *${c.name}* (${cond}): ${c.verdict}. CAS: ${c.cas.result === 'zero' ? `reduced to 0 by ${c.cas.engine}` : c.cas.result === 'failed' ? `failed (${c.cas.error})` : 'could not reduce to 0'}${c.cas.certificate ? `, certificate ${c.cas.certificate}` : ''}; numbers: ${c.numeric.points} points, ${c.numeric.failures} failing, max error ${fmt(c.numeric.maxError)} (tolerance ${c.numeric.tolerance}).`);
    if (c.numeric.worst) out.push(`    - failing point: ${values(c.numeric.worst.point)}; lhs = ${fmt(c.numeric.worst.lhs)}, rhs = ${fmt(c.numeric.worst.rhs)}${c.numeric.worst.bigDifference ? `; difference in 64-digit arithmetic: ${c.numeric.worst.bigDifference.slice(0, 24)}` : ''}`);
  }
  return out;
}

function propertyLine(r: TrialResult, property: string): string {
  const p = r.property;
  if (!p) return `\`${property}\` — not evaluated (${r.status}${r.message ? `: ${r.message}` : ''})`;
  const sides = p.lhs !== undefined ? ` — ${p.conjunct ? `in \`${p.conjunct}\`: ` : ''}left side ${fmt(p.lhs)}, right side ${fmt(p.rhs)}` : '';
  return `\`${property}\` is **${p.holds ? 'true' : 'false'}**${sides}`;
}

function witnessCard(c: ClaimResult, w: Witness): string[] {
  const spec = c.searchSpec!;
  const out = [
    `#### Counterexample (${w.status}${w.status === 'potential' ? ': not confirmed by the stricter re-run' : ''}, ${w.numShrinks} shrinks)`,
    '',
    '```',
    ...Object.entries(w.values).map(([k, v]) => `${k.padEnd(12)} := ${fmt(v)}`),
    '```',
    '',
    `- property: ${propertyLine(w.result, spec.property)}`,
    `- quantities: ${values(w.result.quantities)}`,
    `- re-check: ${w.recheck.note}`,
    `- first failing trial before shrinking: ${values(w.original.values)} (path ${w.original.path})`,
    `- replay: \`${w.replay}\``,
    ...(c.claim?.tested_object ? [`- **what this counterexample means**: ${esc(c.claim.tested_object.counterexample_means)}`] : []),
  ];
  return out;
}

export const AGGREGATE_BARS = { median: 'the quartiles', mean: '± one standard error', fraction: 'the exact 95% interval' } as const;

function boundarySection(c: ClaimResult): string[] {
  const b = c.boundary!;
  const xs = [...new Set(b.cells.map((x) => x.x))];
  const ys = [...new Set(b.cells.map((x) => x.y))];
  const cell = (x: number, y: number) => b.cells.find((q) => q.x === x && q.y === y)!;
  const mark = (v: number) => (b.threshold === undefined ? '' : v <= b.threshold ? ' ✓' : ' ✗');
  const show = (q: BoundaryCell) => (q.value === null ? q.message ?? q.status : `${fmt(q.value)}${q.error !== undefined && q.error !== null ? ` ± ${fmt(q.error)}` : ''}${q.lo !== undefined && q.lo !== null ? ` [${fmt(q.lo)}, ${fmt(q.hi ?? NaN)}]` : ''}${q.counted !== undefined ? ` (${q.counted} of ${q.runs})` : ''}${mark(q.value)}`);
  const what = b.yVar ? `over ${b.xVar} × ${b.yVar}` : `against ${b.xVar}`;
  const out = [
    `**${b.yVar ? 'Hypothesis boundary' : 'Sweep'}**: \`${b.metric}\` ${what} (${b.seeds > 1 ? `${b.aggregate} over ${b.seeds} trial seeds ${b.seed}…${b.seed + b.seeds - 1} per point, error bars ${AGGREGATE_BARS[b.aggregate]}` : `${b.cells.length} trials, trial seed ${b.seed}`}, fixed: ${Object.keys(b.fixed).length ? values(b.fixed) : 'none'}; ${(b.ms / 1000).toFixed(1)} s)${b.threshold !== undefined ? `; cells marked ✓ are ≤ ${b.threshold}, ✗ above` : ''}.`,
    '',
  ];
  if (b.plot) out.push(`![${b.metric} ${what}${b.yVar ? `: points coloured by log10 ${b.metric}, shaped by whether it is below the threshold` : ', with error bars'}${b.curves.length ? `, with the overlay curves ${b.curves.map((q) => q.name).join('; ')}` : ''}](${b.plot.file})`, '');
  if (b.yVar) {
    out.push(`| ${b.yVar} \\ ${b.xVar} | ${xs.map(fmt).join(' | ')} |`, `|---|${xs.map(() => '---').join('|')}|`);
    for (const y of [...ys].sort((p, q) => q - p)) out.push(`| ${fmt(y)} | ${xs.map((x) => show(cell(x, y))).join(' | ')} |`);
  } else {
    out.push(`| ${b.xVar} | ${b.metric} |`, '|---|---|');
    for (const x of xs) out.push(`| ${fmt(x)} | ${show(cell(x, 0))} |`);
  }
  out.push('');
  for (const q of b.curves) out.push(`- overlay: ${q.name}: ${b.yVar ?? b.metric} = \`${q.expression}\`${q.provenance ? ` [${q.provenance}]` : ''}`);
  return out;
}

function trajectorySection(c: ClaimResult): string[] {
  const t = c.trajectory!;
  const out = [
    `**Trajectory**: \`${t.y}\` against \`${t.x}\` of layer ${t.layer}, ${t.series.some((q) => q.label) ? 'all along one run' : `one run per ${t.seriesVar}`} (trial seed ${t.seed}, fixed: ${Object.keys(t.fixed).length ? values(t.fixed) : 'none'}; ${(t.ms / 1000).toFixed(1)} s)${t.until ? `; points after \`${t.until}\` first holds are drawn hollow (imprecise)` : ''}.`,
    '',
  ];
  if (t.plot) out.push(`![${t.y} against ${t.x}${t.xLog || t.yLog ? ' (log axes)' : ''}${t.xReversed ? ', x reversed' : ''}, one line per ${t.seriesVar}${t.curves.length ? `, with the overlay curves ${t.curves.map((q) => q.name).join('; ')}` : ''}](${t.plot.file})`, '');
  out.push(`| ${t.seriesVar} | status | points | last ${t.x} | last ${t.y} | precise part ends at ${t.x} |`, '|---|---|---|---|---|---|');
  for (const s of t.series) {
    const last = s.points.at(-1);
    const firstImprecise = s.points.find((p) => !p.precise);
    out.push(`| ${s.label ?? fmt(s.value)} | ${s.status}${s.message ? ` (${esc(s.message)})` : ''} | ${s.points.length} | ${last ? fmt(last.x) : '–'} | ${last ? fmt(last.y) : '–'} | ${firstImprecise ? fmt(firstImprecise.x) : 'never imprecise'} |`);
  }
  out.push('');
  for (const q of t.curves) out.push(`- overlay: ${q.name}: ${t.y} = \`${q.expression}\`${q.provenance ? ` [${q.provenance}]` : ''}`);
  return out;
}

function claimSection(c: ClaimResult, r: Report): string[] {
  const out: string[] = [];
  const meta = c.claim;
  out.push(`<a id="${anchor(c.id)}"></a>`, '', `### ${c.id}${meta ? ` — ${meta.title}` : ''}`, '');
  out.push(`**Verdict: ${VERDICT_LABEL[c.verdict]}** · the paper asserts: ${c.expect === 'refuted' ? 'this is false (a refutation target)' : c.expect === 'holds' ? 'this holds' : '–'} · ${agreement(c)}`, '');
  out.push(`${c.reason}`, '');
  if (c.errors) {
    out.push('Validation errors:', '', '```', ...c.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.path ? e.path + ': ' : ''}${e.message}`), '```', '');
    return out;
  }
  if (meta) {
    const paper = r.papers[c.paperKey];
    out.push(`- statement: ${esc(meta.statement.text)}`);
    out.push(`- formula: $${meta.statement.latex}$`);
    out.push(`- source: ${paper ? `${paper.authors.join(', ')} (${paper.year}), *${paper.title}*${paper.arxiv ? `, arXiv:${paper.arxiv}` : ''}` : c.paperKey} — ${meta.source.location}${meta.source.via ? ` (via ${meta.source.via})` : ''}`);
    if (meta.source.quote) out.push(`- quoted: “${esc(meta.source.quote)}”`);
    out.push(`- provenance: ${meta.provenance} — ${PROVENANCE_MEANING[meta.provenance]}${meta.provenance_note ? ` — ${esc(meta.provenance_note)}` : ''}`);
    if (meta.refutes) out.push(`- refutation target for: ${meta.refutes}`);
    if (meta.notes) out.push(`- notes: ${esc(meta.notes)}`);
    if (meta.tested_object) out.push(`- **what the search tests**: ${esc(meta.tested_object.what)} — a counterexample here means: ${esc(meta.tested_object.counterexample_means)}`);
    out.push(`- file: \`${c.file}\` (sha256 ${c.hash?.slice(0, 12)})`, '');
  }
  if (c.symbolic.length) {
    out.push('**Symbolic steps** (the CAS proposes, numbers at seeded random points decide):', '');
    for (const s of c.symbolic) out.push(...stepSection(s));
    out.push('');
  }
  const s = c.search;
  const spec = c.searchSpec;
  if (s && spec) {
    out.push('**Numerical search** (float64; evidence, not proof):', '');
    const blocks = (['data', 'model', 'loss', 'dynamics'] as const).filter((k) => spec[k]).map((k) => `${k}: ${spec[k]!.block}`);
    if (blocks.length) out.push(`- simulation: ${blocks.join(' → ')}`);
    out.push(`- metrics: ${Object.entries(spec.metrics).map(([k, m]) => `${k} (${m.block})`).join(', ')}${Object.keys(spec.let).length ? `; derived: ${Object.entries(spec.let).map(([k, v]) => `${k} = \`${v}\``).join(', ')}` : ''}`);
    out.push(`- hypotheses: ${Object.keys(spec.hypotheses).length ? Object.entries(spec.hypotheses).map(([k, v]) => `${k}: \`${v}\``).join('; ') : 'none'}`);
    out.push(`- property: \`${spec.property}\``);
    out.push(`- space (${fmt(s.spaceSize)} grid points, plus a per-trial seed): ${Object.entries(s.space).map(([k, d]) => `${k} ∈ [${fmt(d.first)}, ${fmt(d.last)}] (${d.size} values)`).join('; ')}`);
    out.push(`- trials: ${s.trialsRun} of ${s.trialsRequested} judged with run seed ${s.seed}: ${s.counts.pass} ${s.frequency ? 'with the event' : 'passed'}, ${s.counts.fail} ${s.frequency ? 'without it' : 'failed'}, ${s.counts['out-of-regime']} out of regime, ${s.counts.diverged} diverged, ${s.counts.timeout} timed out, ${s.counts.error} errors (at least ${s.minInRegime} in-regime trials needed); ${(s.ms / 1000).toFixed(1)} s, ${fmt(s.trialsPerSecond)} trials/s${s.reusedTrials ? ` (${s.reusedTrials} of the ${s.trialsRun} trials reused from the trial journal or from earlier in this run, so not timed)` : ''}`);
    if (s.frequency) out.push(`- **frequency claim** Pr[\`${spec.property}\`] ≥ \`${s.frequency.atLeast}\`: ${esc(s.reason)}; re-run this sample: \`${s.frequency.replay}\``);
    if (Object.keys(s.outOfRegimeBy).length) out.push(`- out of regime because of: ${Object.entries(s.outOfRegimeBy).map(([h, n]) => `${h} false in ${n}`).join(', ')}`);
    if (s.closest) out.push(`- closest call among passing trials (relative slack ${fmt(s.closest.slack)}): ${values(s.closest.values)}; ${propertyLine(s.closest, spec.property)}`);
    for (const p of s.problems) out.push(`- ${p.status}: ${values(p.values)} — ${p.message ?? ''}`);
    out.push('');
    if (s.witness) out.push(...witnessCard(c, s.witness), '');
  }
  if (c.stability) {
    out.push(`**Stability** over ${c.stability.length} run seeds:`, '', '| run seed | verdict | reason |', '|---|---|---|');
    for (const x of c.stability) out.push(`| ${x.seed} | ${x.verdict} | ${esc(x.reason)}${x.replay ? ` — \`${x.replay}\`` : ''} |`);
    out.push('');
  }
  if (c.boundary) out.push(...boundarySection(c), '');
  if (c.trajectory) out.push(...trajectorySection(c), '');
  if (c.histogram?.plot) out.push(`**Histogram** of \`${c.histogram.metric}\` over the search's ${c.search?.samples?.length ?? 0} judged trials (stacked by outcome${c.histogram.rule !== undefined ? `; dashed rule at ${fmt(c.histogram.rule)}` : ''}).`, '', `![${c.histogram.metric} over the trials, stacked by outcome](${c.histogram.plot.file})`, '');
  return out;
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  const e = r.environment;
  out.push('# claimcheck report', '');
  out.push(`Generated ${r.generatedAt} by \`${e.command}\` (claimcheck ${e.toolVersion}, commit ${e.gitCommit.slice(0, 10)}${e.gitDirty ? ', with uncommitted changes' : ''}) in ${(r.wallMs / 1000).toFixed(1)} s.`, '');
  out.push(
    r.options.full
      ? 'Scale: **full** — each search with a `full` section ran at the authors’ scale (`--full`).'
      : 'Scale: CI size — the searches as written in the claim files; `npx claimcheck run --full` runs those with a `full` section at the authors’ scale.',
    '',
  );
  out.push(
    `**${r.summary.matching} of ${r.summary.claims} claims agree with what the paper asserts**; ${r.summary.mismatching} disagree, ${r.summary.byVerdict.inconclusive} inconclusive, ${r.summary.byVerdict.unstable ?? 0} unstable, ${r.summary.invalid} invalid.`,
    '',
  );
  out.push(
    'How to read this: *holds* means that no counterexample was found in the stated number of in-regime trials — evidence, not a proof. *Refuted* comes with a counterexample; it is *genuine* when it survives a stricter re-run and a 64-digit check of the final inequality, and *potential* otherwise. A symbolic step is *verified* when the computer algebra reduces it to 0 and the numbers agree, *numeric-only* when only the numbers could confirm it.',
    '',
  );
  out.push('| claim | paper | the paper asserts | our verdict | agreement | provenance | trials | symbolic steps | time |', '|---|---|---|---|---|---|---|---|---|');
  const rank = attentionRank;
  const ordered = [...r.claims].sort((a, b) => rank(a) - rank(b) || a.paperKey.localeCompare(b.paperKey) || a.id.localeCompare(b.id));
  for (const c of ordered) {
    out.push(`| [${c.id}](#${anchor(c.id)}) | ${c.paperKey} | ${c.expect ?? '–'} | ${c.verdict}${c.search?.witness ? ` (${c.search.witness.status})` : ''} | ${agreement(c)} | ${c.claim?.provenance ?? '–'} | ${searchCounts(c)} | ${symbolicSummary(c)} | ${(c.ms / 1000).toFixed(1)} s |`);
  }
  out.push('');
  if (r.paperErrors.length) {
    out.push('## Paper entries with errors', '', '```', ...r.paperErrors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.path ? e.path + ': ' : ''}${e.message}`), '```', '');
  }
  const byPaper = new Map<string, ClaimResult[]>();
  for (const c of ordered) byPaper.set(c.paperKey, [...(byPaper.get(c.paperKey) ?? []), c]);
  for (const [key, claims] of [...byPaper.entries()].sort()) {
    const p = r.papers[key];
    out.push(`## ${p ? `${p.title} (${p.authors.join(', ')}, ${p.year})` : key}`, '');
    for (const c of claims) out.push(...claimSection(c, r));
  }
  out.push('## Environment', '');
  out.push(`- node ${e.node} on ${e.platform}, ${e.cpu}; ${e.threads} worker thread(s)${e.kernels ? `; dense products: ${e.kernels}` : ''}`);
  out.push(`- libraries: ${Object.entries(e.libraries).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`- package-lock.json sha256: ${e.lockfileSha256}`);
  out.push(`- options: ${JSON.stringify(r.options)}`);
  out.push(`- wall time ${(r.wallMs / 1000).toFixed(1)} s (${concurrencyNote(r)})`);
  out.push('');
  return out.join('\n');
}
