// index.html: the reviewer's page, rendered from report.json alone. Self-contained (KaTeX's CSS with
// its fonts inlined as data URLs, plots as inline SVG with their vega-lite specs embedded, one small
// script for copy buttons and spec downloads), so it opens from disk with no network and prints well.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { diffReports, newWitnessWords, type ReportDiff } from './diff.js';
import { AGREEMENT_WORDS, claimAnchor, precisionOption, PROVENANCE_MEANING, witnessBadge, type Agreement } from './format.js';
import { escapeHtml as h, withoutControls } from './markup.js';
import type { Report } from './model.js';
import type { HtmlPage } from './sections/section.js';
import { reportView, type ClaimView, type ReportView } from './view.js';

const require = createRequire(import.meta.url);

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
.card h5 { margin: 0 0 .4rem; font-size: 1rem } .card-imprecise { border-color: var(--warn); background: #fffaf0 }
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

function verdictCell(v: ClaimView): string {
  return `<span class="verdict" data-verdict="${v.result.verdict}">${v.words.symbol} ${v.words.word}</span>${v.witnessStatus ? ` <span class="badge">${h(witnessBadge(v.witnessStatus))}</span>` : ''}${v.watchedOnly ? ' <span class="badge">path watched in part</span>' : ''}`;
}

function agreementCell(a: Agreement): string {
  const w = AGREEMENT_WORDS[a];
  return `<span class="agree-${w.tone}">${w.symbol} ${w.word}${w.detail ? `: ${w.detail}` : ''}</span>`;
}

function trialsCell(v: ClaimView): string {
  const t = v.trials;
  if (!t) return 'no search';
  return `<span data-in-regime="${t.inRegime}" data-out-of-regime="${t.outOfRegime}" data-diverged="${t.failed}" data-imprecise="${t.imprecise}">${t.inRegime} in regime · ${t.outOfRegime} out · ${t.failed} diverged/failed${t.imprecise ? ` · ${t.imprecise} imprecise` : ''}</span>`;
}

function overview(view: ReportView): string {
  const s = view.report.summary;
  const rows: string[] = [];
  for (const { key, paper: p, claims } of view.papers) {
    rows.push(`<tr><th colspan="8" scope="colgroup">${h(p ? `${p.authors.join(', ')} (${p.year}): ${p.title}` : key)}</th></tr>`);
    for (const v of claims)
      rows.push(
        `<tr data-claim="${h(v.id)}"><td><a href="#${v.anchor}">${h(v.id)}</a></td><td>${v.result.expect === 'refuted' ? 'false (refutation target)' : v.result.expect === 'holds' ? 'holds' : '–'}</td><td>${verdictCell(v)}</td><td>${agreementCell(v.agreement)}</td><td><abbr title="${h(PROVENANCE_MEANING[v.provenance ?? ''] ?? '')}">${v.provenance ?? '–'}</abbr></td><td>${trialsCell(v)}</td><td>${v.symbolic}</td><td>${v.seconds} s</td></tr>`,
      );
  }
  const attention = view.attention;
  const attentionHtml = attention.length
    ? `<div class="card" role="note" id="attention"><strong>Needs attention first (${attention.length}):</strong><ul>${attention.map((v) => `<li><a href="#${v.anchor}">${h(v.id)}</a>: ${verdictCell(v)} · ${agreementCell(v.agreement)} — ${h(v.result.reason)}</li>`).join('')}</ul></div>`
    : '<p id="attention">Nothing needs attention first: no disagreement, no undecided or invalid claim.</p>';
  return `<section aria-labelledby="overview"><h2 id="overview">Overview</h2>
${attentionHtml}
<p id="summary"><strong><span id="count-matching">${s.matching}</span> of <span id="count-claims">${s.claims}</span> claims agree with what the paper asserts</strong>; <span id="count-mismatching">${s.mismatching}</span> disagree, <span id="count-inconclusive">${s.byVerdict.inconclusive}</span> inconclusive, <span id="count-unstable">${s.byVerdict.unstable ?? 0}</span> unstable, <span id="count-invalid">${s.invalid}</span> invalid. Disagreements and undecided claims are listed first in each paper.</p>
<p class="meta">How to read this: <em>holds</em> means no counterexample in the stated number of in-regime trials — evidence, not proof. <em>Refuted</em> comes with a counterexample; it is <em>genuine</em> when neither discretization nor rounding explains it — it survives a stricter re-run (tighter integrator tolerances, smaller steps), a re-run in double-double (about 32 digits) along the same steps, and a 64-digit check of the final inequality — and <em>potential</em> when one of them could not be ruled out. A failure that double-double does not reproduce is <em>imprecise</em>: rounding explains it, so it is neither a counterexample nor a pass. A symbolic step is <em>verified</em> when the computer algebra reduces it to 0 and ≥ 200 random points agree, <em>numeric-only</em> when only the numbers confirm it. Provenance: V read in the paper, A in the authors' slides or blog, D derived by us, R recalled (never a pass/fail threshold), N not found.</p>
<table id="overview-table"><thead><tr><th scope="col">claim</th><th scope="col">the paper asserts</th><th scope="col">our verdict</th><th scope="col">agreement</th><th scope="col">provenance</th><th scope="col">trials</th><th scope="col">symbolic steps</th><th scope="col">time</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

/** One claim: its heading and verdict, then its validation errors or the registered sections. */
function claimHtml(v: ClaimView, page: HtmlPage): string {
  const c = v.result;
  const out = [
    `<section class="claim" id="${v.anchor}" aria-labelledby="${v.anchor}-h"><h3 id="${v.anchor}-h">${h(c.id)}${c.claim ? ` — ${h(c.claim.title)}` : ''}</h3>`,
  ];
  out.push(`<p>Our verdict: ${verdictCell(v)} · the paper asserts: ${v.paperAsserts} · ${agreementCell(v.agreement)}</p>`);
  if (v.watchedOnly) out.push(`<p class="watched-only"><strong>${h(v.watchedOnly)}</strong></p>`);
  out.push(`<p class="meta">${h(c.reason)}</p>`);
  if (v.errors) return [...out, `<pre>${v.errors.map(h).join('\n')}</pre></section>`].join('\n');
  for (const s of v.sections) {
    const html = s.html(page);
    if (html !== undefined) out.push(html);
  }
  out.push('</section>');
  return out.join('\n');
}

function diffHtml(d: ReportDiff): string {
  const rows = d.changed
    .map(
      (x) =>
        `<tr><td><a href="#${claimAnchor(x.id)}">${h(x.id)}</a></td><td>${h(x.before ?? 'absent')}</td><td>${h(x.after ?? 'absent')}</td><td>${h(newWitnessWords(x).trim())}</td></tr>`,
    )
    .join('');
  return `<section aria-labelledby="changes"><h2 id="changes">Changes since the previous report</h2>
<p class="meta">previous report: generated ${h(d.previousGeneratedAt)} at commit ${h(d.previousCommit.slice(0, 10))}</p>
${d.changed.length ? `<table><thead><tr><th scope="col">claim</th><th scope="col">before</th><th scope="col">now</th><th scope="col">note</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No verdict changed and no new counterexample.</p>'}</section>`;
}

function environmentHtml(view: ReportView): string {
  const r = view.report,
    e = r.environment;
  const rows: Array<[string, string]> = [
    ['tool', `${e.tool} ${e.toolVersion}`],
    ['git commit', `${e.gitCommit}${e.gitDirty ? ' (with uncommitted changes)' : ''}`],
    ['command', e.command],
    ['Node', e.node],
    ['platform', `${e.platform}, ${e.cpu}, ${e.threads} worker threads${e.kernels ? `; dense products: ${e.kernels}` : ''}`],
    ['lock file sha256', e.lockfileSha256],
    ['scale', r.options.full ? 'full (--full)' : 'CI size'],
    ...(r.options.precision ? [['arithmetic', precisionOption(r.options.precision)] as [string, string]] : []),
    ['wall time', `${view.wallSeconds} s (${view.concurrency})`],
    ...Object.entries(e.libraries).map(([k, v]) => [k, v] as [string, string]),
  ];
  return `<section aria-labelledby="environment"><h2 id="environment">Environment</h2><table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${h(k)}</th><td><code>${h(v)}</code></td></tr>`).join('')}</tbody></table></section>`;
}

/** The page. `svgs` maps plot file names to their SVG text; `previous` adds the changes section. */
export function renderHtml(r: Report, svgs: Record<string, string>, previous?: Report): string {
  const view = reportView(r);
  const papers = view.papers
    .map(
      ({ key, paper: p, claims }) =>
        `<section aria-labelledby="paper-${h(key)}"><h2 id="paper-${h(key)}">${h(p ? `${p.title} (${p.authors.join(', ')}, ${p.year})` : key)}</h2>\n${claims.map((v) => claimHtml(v, { svgs })).join('\n')}</section>`,
    )
    .join('\n');
  const e = r.environment;
  // control and bidi characters from claim strings, wherever they landed, as visible escapes
  return withoutControls(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>claimcheck report — ${r.summary.matching} of ${r.summary.claims} claims agree</title>
<style>${inlineKatexCss()}</style><style>${STYLE}</style></head>
<body><header><h1>claimcheck report</h1>
<p class="meta">Generated ${h(r.generatedAt)} by <code>${h(e.command)}</code> (claimcheck ${h(e.toolVersion)}, commit ${h(e.gitCommit.slice(0, 10))}${e.gitDirty ? ', with uncommitted changes' : ''}) in ${view.wallSeconds} s. ${r.options.full ? 'Scale: full (the authors’ scale where a claim declares one).' : 'Scale: CI size (<code>--full</code> runs the authors’ scale).'}${r.options.precision ? ` Arithmetic: <code>--precision ${h(r.options.precision)}</code> — ${h(precisionOption(r.options.precision))}.` : ''}</p>${r.options.drop ? `\n<p><strong>A diagnostic run without the premise <code>${h(r.options.drop)}</code></strong> (<code>--drop</code>): the verdicts below are those of the search without it, not the claims' verdicts, so "disagrees" is expected where the premise is needed.</p>` : ''}
<nav aria-label="contents"><a href="#overview">Overview</a>${previous ? ' · <a href="#changes">Changes</a>' : ''} · ${view.papers.map(({ key: k }) => `<a href="#paper-${h(k)}">${h(k)}</a>`).join(' · ')} · <a href="#environment">Environment</a></nav></header>
<main>
${overview(view)}
${previous ? diffHtml(diffReports(previous, r)) : ''}
${papers}
${environmentHtml(view)}
</main>
<script>${SCRIPT}</script>
</body></html>
`);
}
