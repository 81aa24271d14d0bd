// index.html: the reviewer's page, rendered from report.json alone. Self-contained (KaTeX's CSS with
// its fonts inlined as data URLs, plots as inline SVG with their vega-lite specs embedded, one small
// script for copy buttons and spec downloads), so it opens from disk with no network and prints well.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import katex from 'katex';
import type { ClaimResult } from '../runner.js';
import type { Witness } from '../search/search.js';
import type { TrialResult } from '../search/trial.js';
import type { StepResult } from '../symbolic/check.js';
import { diffReports, type ReportDiff } from './diff.js';
import { frequencyOutcomeWords } from '../search/frequency.js';
import { AGGREGATE_BARS, attentionRank, concurrencyNote, fmt, PROVENANCE_MEANING } from './markdown.js';
import type { Report } from './report.js';

const require = createRequire(import.meta.url);


/** Verdicts are shown by a symbol and a word, never by colour alone. */
const VERDICT: Record<string, { symbol: string; word: string }> = {
  holds: { symbol: '✔', word: 'holds' },
  refuted: { symbol: '✘', word: 'refuted' },
  inconclusive: { symbol: '?', word: 'inconclusive' },
  unstable: { symbol: '~', word: 'unstable' },
  invalid: { symbol: '⚠', word: 'invalid file' },
};

export const claimAnchor = (id: string) => `claim-${id.replace(/[^a-z0-9-]/g, '-')}`;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const h = escapeHtml;

function tex(latex: string, display = false): string {
  return katex.renderToString(latex, { throwOnError: false, displayMode: display, output: 'html', strict: 'ignore' });
}

let katexCss: string | undefined;
/** KaTeX's stylesheet with its woff2 fonts inlined (the other formats dropped): no file or network access from the page. */
function inlineKatexCss(): string {
  if (katexCss) return katexCss;
  const cssFile = require.resolve('katex/dist/katex.min.css');
  const dir = dirname(cssFile);
  katexCss = readFileSync(cssFile, 'utf8').replace(/src:([^;}]*)/g, (_m, srcs: string) => {
    const woff2 = /url\((fonts\/[^)]+\.woff2)\)/.exec(srcs);
    if (!woff2) return 'src:local("serif")';
    const data = readFileSync(join(dir, woff2[1])).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  return katexCss;
}

const STYLE = `
:root { --fg: #1b1b1b; --muted: #555; --line: #ccc; --bg-soft: #f5f5f5; --bad: #8b0000; --good: #14532d; --warn: #7c4a00; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem } h2 { border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2.5rem }
h3 { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: 1rem } h4 { margin: 1.2rem 0 .4rem }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem } th, td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; text-align: left }
th { background: var(--bg-soft) } tbody th[colspan] { background: #e8eef6 }
code, pre { font: .88rem/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; background: var(--bg-soft); padding: .05rem .25rem; border-radius: 3px }
pre { padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all }
.verdict { font-weight: 600; white-space: nowrap } .agree-no { color: var(--bad); font-weight: 700 } .agree-yes { color: var(--good) } .agree-undecided { color: var(--warn); font-weight: 600 }
.card { border: 2px solid var(--bad); border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; background: #fff8f8 }
.card h5 { margin: 0 0 .4rem; font-size: 1rem }
.meta { color: var(--muted) } .statement { margin: .4rem 0 } .formula { overflow-x: auto; margin: .5rem 0 }
figure { margin: 1rem 0 } figure svg { max-width: 100%; height: auto } figcaption { color: var(--muted); font-size: .9rem }
button { font: inherit; font-size: .85rem; padding: .1rem .5rem; cursor: pointer }
details { margin: .3rem 0 } summary { cursor: pointer; color: var(--muted) }
.badge { display: inline-block; border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; font-size: .85rem }
@media print { body { max-width: none; font-size: 11pt } h2, h3, h4, h5 { break-after: avoid } button, details > summary::marker { display: none } h3 { break-before: auto } figure, .card, table { break-inside: avoid } a { color: inherit } }
`;

const SCRIPT = `
document.querySelectorAll('button[data-copy]').forEach(function (b) {
  b.addEventListener('click', function () {
    var text = b.getAttribute('data-copy');
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function () { b.textContent = 'copied'; }, function () { b.textContent = 'select and copy the command'; });
    else b.textContent = 'select and copy the command';
  });
});
document.querySelectorAll('button[data-spec]').forEach(function (b) {
  b.addEventListener('click', function () {
    var el = document.getElementById(b.getAttribute('data-spec'));
    var url = URL.createObjectURL(new Blob([el.textContent], { type: 'application/json' }));
    var a = document.createElement('a'); a.href = url; a.download = b.getAttribute('data-file'); a.click();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });
});
`;

function verdictCell(c: ClaimResult): string {
  const v = VERDICT[c.verdict];
  const w = c.search?.witness;
  return `<span class="verdict" data-verdict="${c.verdict}">${v.symbol} ${v.word}</span>${w ? ` <span class="badge">${w.status} witness</span>` : ''}`;
}

function agreementCell(c: ClaimResult): string {
  if (c.verdict === 'invalid') return '<span class="agree-no">✗ invalid file</span>';
  if (c.verdict === 'inconclusive') return '<span class="agree-undecided">? undecided</span>';
  if (c.verdict === 'unstable') return '<span class="agree-no">~ UNSTABLE: flips between run seeds</span>';
  return c.matches ? '<span class="agree-yes">✓ agrees</span>' : '<span class="agree-no">✗ DISAGREES</span>';
}

function trialsCell(c: ClaimResult): string {
  const s = c.search;
  if (!s) return 'no search';
  const inRegime = s.counts.pass + s.counts.fail;
  const failed = s.counts.diverged + s.counts.timeout + s.counts.error;
  return `<span data-in-regime="${inRegime}" data-out-of-regime="${s.counts['out-of-regime']}" data-diverged="${failed}">${inRegime} in regime · ${s.counts['out-of-regime']} out · ${failed} diverged/failed</span>`;
}

function symbolicCell(c: ClaimResult): string {
  if (!c.symbolic.length) return 'none';
  const by: Record<string, number> = {};
  for (const s of c.symbolic) by[s.verdict] = (by[s.verdict] ?? 0) + 1;
  return Object.entries(by).map(([k, n]) => `${n} ${k}`).join(', ');
}

const rank = attentionRank;

function overview(r: Report, byPaper: Map<string, ClaimResult[]>): string {
  const s = r.summary;
  const rows: string[] = [];
  for (const [key, claims] of byPaper) {
    const p = r.papers[key];
    rows.push(`<tr><th colspan="8" scope="colgroup">${h(p ? `${p.authors.join(', ')} (${p.year}): ${p.title}` : key)}</th></tr>`);
    for (const c of claims)
      rows.push(
        `<tr data-claim="${h(c.id)}"><td><a href="#${claimAnchor(c.id)}">${h(c.id)}</a></td><td>${c.expect === 'refuted' ? 'false (refutation target)' : c.expect === 'holds' ? 'holds' : '–'}</td><td>${verdictCell(c)}</td><td>${agreementCell(c)}</td><td><abbr title="${h(PROVENANCE_MEANING[c.claim?.provenance ?? ''] ?? '')}">${c.claim?.provenance ?? '–'}</abbr></td><td>${trialsCell(c)}</td><td>${symbolicCell(c)}</td><td>${(c.ms / 1000).toFixed(1)} s</td></tr>`,
      );
  }
  const attention = r.claims.filter((c) => rank(c) < 3).sort((a, b) => rank(a) - rank(b));
  const attentionHtml = attention.length
    ? `<div class="card" role="note" id="attention"><strong>Needs attention first (${attention.length}):</strong><ul>${attention.map((c) => `<li><a href="#${claimAnchor(c.id)}">${h(c.id)}</a>: ${verdictCell(c)} · ${agreementCell(c)} — ${h(c.reason)}</li>`).join('')}</ul></div>`
    : '<p id="attention">Nothing needs attention first: no disagreement, no undecided or invalid claim.</p>';
  return `<section aria-labelledby="overview"><h2 id="overview">Overview</h2>
${attentionHtml}
<p id="summary"><strong><span id="count-matching">${s.matching}</span> of <span id="count-claims">${s.claims}</span> claims agree with what the paper asserts</strong>; <span id="count-mismatching">${s.mismatching}</span> disagree, <span id="count-inconclusive">${s.byVerdict.inconclusive}</span> inconclusive, <span id="count-unstable">${s.byVerdict.unstable ?? 0}</span> unstable, <span id="count-invalid">${s.invalid}</span> invalid. Disagreements and undecided claims are listed first in each paper.</p>
<p class="meta">How to read this: <em>holds</em> means no counterexample in the stated number of in-regime trials — evidence, not proof. <em>Refuted</em> comes with a counterexample; it is <em>genuine</em> when it survives a stricter re-run (tighter integrator tolerances, smaller steps) and a 64-digit check of the final inequality, <em>potential</em> otherwise. A symbolic step is <em>verified</em> when the computer algebra reduces it to 0 and ≥ 200 random points agree, <em>numeric-only</em> when only the numbers confirm it. Provenance: V read in the paper, A in the authors' slides or blog, D derived by us, R recalled (never a pass/fail threshold), N not found.</p>
<table id="overview-table"><thead><tr><th scope="col">claim</th><th scope="col">the paper asserts</th><th scope="col">our verdict</th><th scope="col">agreement</th><th scope="col">provenance</th><th scope="col">trials</th><th scope="col">symbolic steps</th><th scope="col">time</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function values(v: Record<string, number | string>): string {
  return Object.entries(v).map(([k, x]) => `${h(k)} = ${h(fmt(x as number))}`).join(', ');
}

function propertyHtml(r: TrialResult, property: string): string {
  const p = r.property;
  if (!p) return `<code>${h(property)}</code> — not evaluated (${h(r.status)}${r.message ? `: ${h(r.message)}` : ''})`;
  const sides = p.lhs !== undefined ? ` — ${p.conjunct ? `in <code>${h(p.conjunct)}</code>: ` : ''}left side <strong>${h(fmt(p.lhs))}</strong> ${h(p.op ?? '')} right side <strong>${h(fmt(p.rhs))}</strong>` : '';
  return `<code>${h(property)}</code> is <strong>${p.holds ? 'true' : 'false'}</strong>${sides}`;
}

function witnessCard(c: ClaimResult, w: Witness): string {
  const spec = c.searchSpec!;
  const named = Object.entries(w.values).map(([k, v]) => `<tr><th scope="row"><code>${h(k)}</code></th><td>${h(fmt(v))}</td></tr>`).join('');
  const q = Object.entries(w.result.quantities).map(([k, v]) => `<tr><th scope="row"><code>${h(k)}</code></th><td>${h(fmt(v as number))}</td></tr>`).join('');
  return `<div class="card" role="group" aria-label="counterexample for ${h(c.id)}">
<h5>Counterexample — ${w.status}${w.status === 'potential' ? ' (not confirmed by the stricter re-run)' : ' (survived the stricter re-run)'} · ${w.numShrinks} shrinks</h5>
<table><caption class="meta">the failing trial's values</caption><tbody>${named}</tbody></table>
<p>property: ${propertyHtml(w.result, spec.property)}</p>
<details><summary>all quantities of this trial</summary><table><tbody>${q}</tbody></table></details>
<p class="meta">re-check: ${h(w.recheck.note)} · first failing trial before shrinking: ${values(w.original.values)} (path ${h(w.original.path)})</p>
<p>replay: <code class="replay">${h(w.replay)}</code> <button type="button" data-copy="${h(w.replay)}" aria-label="copy the replay command">copy</button></p>
${c.claim?.tested_object ? `<p><strong>What this counterexample means</strong>: ${h(c.claim.tested_object.counterexample_means)}</p>` : ''}
</div>`;
}

function stepHtml(s: StepResult): string {
  const cases = s.cases
    .map(
      (c) =>
        `<tr><td>${h(c.name)}</td><td>${c.conditions.length ? c.conditions.map((x) => `<code>${h(x)}</code>`).join(', ') : 'none'}</td><td>${h(c.verdict)}</td><td>${c.cas.result === 'zero' ? `reduced to 0 by ${h(c.cas.engine)}` : c.cas.result === 'failed' ? `failed (${h(c.cas.error ?? '')})` : `not reduced${c.cas.error ? ` (${h(c.cas.error)})` : ''}`}${c.cas.certificate ? `; certificate ${h(c.cas.certificate)}` : ''}</td><td>${c.numeric.points} points, ${c.numeric.failures} failing, max error ${h(fmt(c.numeric.maxError))}<br><span class="meta">${h(c.numeric.tolerance)}</span>${c.numeric.worst ? `<br>failing point: ${values(c.numeric.worst.point)}; lhs = ${h(fmt(c.numeric.worst.lhs))}, rhs = ${h(fmt(c.numeric.worst.rhs))}` : ''}</td></tr>`,
    )
    .join('');
  return `<li><strong>${h(s.id)}</strong> (${h(s.kind)}${s.sharedFrom ? `, shared with <a href="#${claimAnchor(s.sharedFrom)}">${h(s.sharedFrom)}</a>` : ''}): <span class="verdict">${s.verdict === 'verified' ? '✔' : s.verdict === 'numeric-only' ? '≈' : '✘'} ${h(s.verdict)}</span> — ${h(s.message)}
${s.statement ? `<div class="formula">${tex(s.statement, true)}</div>` : ''}
<table><thead><tr><th scope="col">case</th><th scope="col">conditions</th><th scope="col">verdict</th><th scope="col">computer algebra</th><th scope="col">numeric cross-check</th></tr></thead><tbody>${cases}</tbody></table></li>`;
}

function figure(c: ClaimResult, kind: 'boundary' | 'trajectory' | 'histogram', svg: string | undefined, spec: unknown, file: string, alt: string, caption: string): string {
  const id = `${claimAnchor(c.id)}-${kind}-spec`;
  const body = svg
    ? svg.replace(/^<svg /, `<svg role="img" aria-label="${h(alt)}" `)
    : `<p class="meta">(the plot file ${h(file)} was not found beside this page)</p>`;
  return `<figure data-plot="${h(file)}">${body}<figcaption>${h(caption)} <button type="button" data-spec="${id}" data-file="${h(file.replace(/\.svg$/, '.vl.json'))}">download the vega-lite spec with its data</button></figcaption>
<script type="application/json" id="${id}">${JSON.stringify(spec).replace(/</g, '\\u003c')}</script></figure>`;
}

function searchHtml(c: ClaimResult): string {
  const s = c.search!, spec = c.searchSpec!;
  const blocks = (['data', 'model', 'loss', 'dynamics'] as const).filter((k) => spec[k]).map((k) => `${k}: <code>${h(spec[k]!.block)}</code>`).join(' → ');
  const metrics = Object.entries(spec.metrics).map(([k, m]) => `<code>${h(k)}</code> (${h(m.block)})`).join(', ');
  const lets = Object.entries(spec.let).map(([k, v]) => `<code>${h(k)} = ${h(v)}</code>`).join(', ');
  const hyps = Object.entries(spec.hypotheses).map(([k, v]) => `<li><code>${h(k)}</code>: <code>${h(v)}</code>${s.outOfRegimeBy[k] ? ` — false in ${s.outOfRegimeBy[k]} trial(s)` : ''}</li>`).join('');
  const space = Object.entries(s.space).map(([k, d]) => `<code>${h(k)}</code> ∈ [${h(fmt(d.first))}, ${h(fmt(d.last))}] (${d.size} values)`).join('; ');
  return `<h4>Numerical search <span class="meta">(float64; evidence, not proof)</span></h4>
<ul>
<li>simulation: ${blocks}</li>
<li>metrics: ${metrics}${lets ? `; derived: ${lets}` : ''}</li>
<li>hypotheses (a trial outside them is out of regime, never evidence):${hyps ? `<ul>${hyps}</ul>` : ' none'}</li>
<li>property: <code>${h(spec.property)}</code></li>
<li>space (${h(fmt(s.spaceSize))} grid points, plus a per-trial seed): ${space}</li>
<li>trials: ${s.trialsRun} of ${s.trialsRequested} judged with run seed <code>${s.seed}</code>: ${s.counts.pass} ${s.frequency ? 'with the event' : 'passed'}, ${s.counts.fail} ${s.frequency ? 'without it' : 'failed'}, ${s.counts['out-of-regime']} out of regime, ${s.counts.diverged} diverged, ${s.counts.timeout} timed out, ${s.counts.error} errors (at least ${s.minInRegime} in-regime trials needed); ${(s.ms / 1000).toFixed(1)} s, ${h(fmt(s.trialsPerSecond))} trials/s${s.reusedTrials ? ` (${s.reusedTrials} of the ${s.trialsRun} trials reused from the trial journal or from earlier in this run, so not timed)` : ''}${s.budgetExhausted ? ' — <strong>the time budget cut the search short</strong>' : ''}</li>
${s.frequency ? `<li><strong>frequency claim</strong> Pr[<code>${h(spec.property)}</code>] ≥ <code>${h(s.frequency.atLeast)}</code>: ${s.frequency.events} of ${s.frequency.trials} (${h(fmt(s.frequency.rate))}), exact ${Math.round(s.frequency.confidence * 100)}% interval [${h(fmt(s.frequency.lo))}, ${h(fmt(s.frequency.hi))}] against the bound ${h(fmt(s.frequency.bound))} — ${h(frequencyOutcomeWords(s.frequency))}. Re-run this sample: <code class="replay">${h(s.frequency.replay)}</code> <button type="button" data-copy="${h(s.frequency.replay)}" aria-label="copy the re-run command">copy</button></li>` : ''}
<li>verdict of the search: ${h(s.reason)}</li>
${s.closest ? `<li>closest call among passing trials (relative slack ${h(fmt(s.closest.slack))}): ${values(s.closest.values)}; ${propertyHtml(s.closest, spec.property)}</li>` : ''}
${s.problems.map((p) => `<li>${h(p.status)}: ${values(p.values)} — ${h(p.message ?? '')}</li>`).join('')}
</ul>${s.witness ? witnessCard(c, s.witness) : ''}`;
}

function claimHtml(c: ClaimResult, r: Report, svgs: Record<string, string>): string {
  const meta = c.claim;
  const out: string[] = [`<section class="claim" id="${claimAnchor(c.id)}" aria-labelledby="${claimAnchor(c.id)}-h"><h3 id="${claimAnchor(c.id)}-h">${h(c.id)}${meta ? ` — ${h(meta.title)}` : ''}</h3>`];
  out.push(`<p>Our verdict: ${verdictCell(c)} · the paper asserts: ${c.expect === 'refuted' ? 'this is false (a refutation target)' : c.expect === 'holds' ? 'this holds' : '–'} · ${agreementCell(c)}</p><p class="meta">${h(c.reason)}</p>`);
  if (c.errors) {
    out.push(`<pre>${c.errors.map((e) => h(`${e.file}:${e.line}:${e.column}: ${e.path ? e.path + ': ' : ''}${e.message}`)).join('\n')}</pre></section>`);
    return out.join('\n');
  }
  if (meta) {
    const p = r.papers[c.paperKey];
    out.push(`<p class="statement">${h(meta.statement.text)}</p><div class="formula">${tex(meta.statement.latex, true)}</div>`);
    out.push(
      `<ul><li>source: ${p ? `${h(p.authors.join(', '))} (${p.year}), <cite>${h(p.title)}</cite>${p.arxiv ? `, <a href="https://arxiv.org/abs/${h(p.arxiv)}">arXiv:${h(p.arxiv)}</a>` : ''}${p.venue ? `, ${h(p.venue)}` : ''}` : h(c.paperKey)} — ${h(meta.source.location)}${meta.source.via ? ` <span class="meta">(via ${h(meta.source.via)})</span>` : ''}</li>
${meta.source.quote ? `<li>quoted: <q>${h(meta.source.quote)}</q></li>` : ''}
<li>provenance: <strong>${meta.provenance}</strong> — ${h(PROVENANCE_MEANING[meta.provenance])}${meta.provenance_note ? `. ${h(meta.provenance_note)}` : ''}</li>
${meta.refutes ? `<li>refutation target beside: <a href="#${claimAnchor(meta.refutes)}">${h(meta.refutes)}</a></li>` : ''}
${meta.notes ? `<li>notes: ${h(meta.notes)}</li>` : ''}
${meta.tested_object ? `<li><strong>what the search tests</strong>: ${h(meta.tested_object.what)} — <strong>a counterexample here means</strong>: ${h(meta.tested_object.counterexample_means)}</li>` : ''}
<li>file: <code>${h(c.file)}</code> (sha256 ${h(c.hash?.slice(0, 12) ?? '')})</li></ul>`,
    );
  }
  if (c.symbolic.length) out.push(`<h4>Symbolic steps</h4><ul>${c.symbolic.map(stepHtml).join('\n')}</ul>`);
  if (c.search) out.push(searchHtml(c));
  if (c.stability) out.push(`<h4>Stability over ${c.stability.length} run seeds</h4><table><thead><tr><th scope="col">run seed</th><th scope="col">verdict</th><th scope="col">reason</th></tr></thead><tbody>${c.stability.map((x) => `<tr><td>${x.seed}</td><td>${h(x.verdict)}</td><td>${h(x.reason)}${x.replay ? ` <code class="replay">${h(x.replay)}</code>` : ''}</td></tr>`).join('')}</tbody></table>`);
  const b = c.boundary;
  if (b?.plot) {
    const what = b.yVar ? `${b.metric} over ${b.xVar} × ${b.yVar}` : `${b.metric} against ${b.xVar}`;
    const cells = b.cells.map((q) => `${b.xVar} = ${fmt(q.x)}${b.yVar ? `, ${b.yVar} = ${fmt(q.y)}` : ''}: ${q.value === null ? q.status : fmt(q.value)}`).join('; ');
    out.push(`<h4>${b.yVar ? 'Hypothesis boundary' : 'Sweep'}</h4>` + figure(c, 'boundary', svgs[b.plot.file], b.plot.spec, b.plot.file, `${what}. Values: ${cells}`, `${what} (${b.seeds > 1 ? `${b.aggregate} over ${b.seeds} trial seeds per point, error bars ${AGGREGATE_BARS[b.aggregate]}` : `${b.cells.length} trials, trial seed ${b.seed}`}${Object.keys(b.fixed).length ? `, fixed ${values(b.fixed)}` : ''})${b.curves.length ? `; overlays: ${b.curves.map((q) => `${q.name} = ${q.expression}${q.provenance ? ` [${q.provenance}]` : ''}`).join('; ')}` : ''}.`));
  }
  const t = c.trajectory;
  if (t?.plot) {
    const summary = t.series.map((s) => `${s.label ?? `${t.seriesVar} = ${fmt(s.value)}`}: ${s.points.length} points, last (${fmt(s.points.at(-1)?.x)}, ${fmt(s.points.at(-1)?.y)})`).join('; ');
    out.push(`<h4>Trajectory</h4>` + figure(c, 'trajectory', svgs[t.plot.file], t.plot.spec, t.plot.file, `${t.y} against ${t.x}, one line per ${t.seriesVar}. ${summary}`, `${t.y} against ${t.x} of layer ${t.layer}${t.xReversed ? ' (x reversed)' : ''}; ${summary}${t.until ? `; hollow points: after ${t.until}` : ''}${t.curves.length ? `; dotted: ${t.curves.map((q) => `${q.name} [${q.provenance ?? '–'}]`).join('; ')}` : ''}.`));
  }
  const hg = c.histogram;
  if (hg?.plot) {
    const vals = (c.search?.samples ?? []).map((q) => q.values[hg.metric]).filter((v): v is number => v !== null);
    out.push(`<h4>Histogram</h4>` + figure(c, 'histogram', svgs[hg.plot.file], hg.plot.spec, hg.plot.file, `histogram of ${hg.metric} over ${vals.length} trials, stacked by outcome; range ${fmt(Math.min(...vals))} to ${fmt(Math.max(...vals))}`, `${hg.metric} over the search's judged trials, stacked by outcome (in regime and holding, in regime and failing, out of regime)${hg.rule !== undefined ? `; dashed rule at ${fmt(hg.rule)}` : ''}.`));
  }
  out.push('</section>');
  return out.join('\n');
}

function diffHtml(d: ReportDiff): string {
  const rows = d.changed.map((x) => `<tr><td><a href="#${claimAnchor(x.id)}">${h(x.id)}</a></td><td>${h(x.before ?? 'absent')}</td><td>${h(x.after ?? 'absent')}</td><td>${x.newWitness ? 'new counterexample' : ''}</td></tr>`).join('');
  return `<section aria-labelledby="changes"><h2 id="changes">Changes since the previous report</h2>
<p class="meta">previous report: generated ${h(d.previousGeneratedAt)} at commit ${h(d.previousCommit.slice(0, 10))}</p>
${d.changed.length ? `<table><thead><tr><th scope="col">claim</th><th scope="col">before</th><th scope="col">now</th><th scope="col">note</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No verdict changed and no new counterexample.</p>'}</section>`;
}

function environmentHtml(r: Report): string {
  const e = r.environment;
  const rows: Array<[string, string]> = [
    ['tool', `${e.tool} ${e.toolVersion}`],
    ['git commit', `${e.gitCommit}${e.gitDirty ? ' (with uncommitted changes)' : ''}`],
    ['command', e.command],
    ['Node', e.node],
    ['platform', `${e.platform}, ${e.cpu}, ${e.threads} worker threads${e.kernels ? `; dense products: ${e.kernels}` : ''}`],
    ['lock file sha256', e.lockfileSha256],
    ['scale', r.options.full ? 'full (--full)' : 'CI size'],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s (${concurrencyNote(r)})`],
    ...Object.entries(e.libraries).map(([k, v]) => [k, v] as [string, string]),
  ];
  return `<section aria-labelledby="environment"><h2 id="environment">Environment</h2><table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${h(k)}</th><td><code>${h(v)}</code></td></tr>`).join('')}</tbody></table></section>`;
}

/** The page. `svgs` maps plot file names to their SVG text; `previous` adds the changes section. */
export function renderHtml(r: Report, svgs: Record<string, string>, previous?: Report): string {
  const ordered = [...r.claims].sort((a, b) => a.paperKey.localeCompare(b.paperKey) || rank(a) - rank(b) || a.id.localeCompare(b.id));
  const byPaper = new Map<string, ClaimResult[]>();
  for (const c of ordered) byPaper.set(c.paperKey, [...(byPaper.get(c.paperKey) ?? []), c]);
  const papers = [...byPaper.entries()]
    .map(([key, claims]) => {
      const p = r.papers[key];
      return `<section aria-labelledby="paper-${h(key)}"><h2 id="paper-${h(key)}">${h(p ? `${p.title} (${p.authors.join(', ')}, ${p.year})` : key)}</h2>\n${claims.map((c) => claimHtml(c, r, svgs)).join('\n')}</section>`;
    })
    .join('\n');
  const e = r.environment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>claimcheck report — ${r.summary.matching} of ${r.summary.claims} claims agree</title>
<style>${inlineKatexCss()}</style><style>${STYLE}</style></head>
<body><header><h1>claimcheck report</h1>
<p class="meta">Generated ${h(r.generatedAt)} by <code>${h(e.command)}</code> (claimcheck ${h(e.toolVersion)}, commit ${h(e.gitCommit.slice(0, 10))}${e.gitDirty ? ', with uncommitted changes' : ''}) in ${(r.wallMs / 1000).toFixed(1)} s. ${r.options.full ? 'Scale: full (the authors’ scale where a claim declares one).' : 'Scale: CI size (<code>--full</code> runs the authors’ scale).'}</p>
<nav aria-label="contents"><a href="#overview">Overview</a>${previous ? ' · <a href="#changes">Changes</a>' : ''} · ${[...byPaper.keys()].map((k) => `<a href="#paper-${h(k)}">${h(k)}</a>`).join(' · ')} · <a href="#environment">Environment</a></nav></header>
<main>
${overview(r, byPaper)}
${previous ? diffHtml(diffReports(previous, r)) : ''}
${papers}
${environmentHtml(r)}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
