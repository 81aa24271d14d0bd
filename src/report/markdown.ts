// report.md: what a reviewer reads. Everything here is rendered from report.json, through its view (view.ts).
import { AGREEMENT_WORDS, precisionOption, witnessBadge, type Agreement } from './format.js';
import { mdCode, mdEscape as esc, withoutControls, withoutLinks } from './markup.js';
import type { Report } from './model.js';
import { reportView, type ClaimView } from './view.js';

function agreementCell(a: Agreement): string {
  const w = AGREEMENT_WORDS[a];
  return w.loud ? `**${w.word}**` : w.word;
}

function trialsCell(v: ClaimView): string {
  const t = v.trials;
  if (!t) return 'no search';
  return `${t.inRegime} in regime / ${t.outOfRegime} out / ${t.failed} failed to run${t.imprecise ? ` / ${t.imprecise} imprecise` : ''}`;
}

/** One claim: its anchor, heading and verdict, then its validation errors or the registered sections. */
function claimSection(v: ClaimView): string[] {
  const c = v.result;
  const out: string[] = [];
  out.push(`<a id="${v.anchor}"></a>`, '', `### ${esc(c.id)}${c.claim ? ` — ${esc(c.claim.title)}` : ''}`, '');
  out.push(`**Verdict: ${v.words.heading}** · the paper asserts: ${v.paperAsserts} · ${agreementCell(v.agreement)}`, '');
  if (v.watchedOnly) out.push(`**${esc(v.watchedOnly)}**`, '');
  out.push(`${esc(c.reason)}`, '');
  if (v.errors) return [...out, 'Validation errors:', '', '```', ...v.errors, '```', ''];
  for (const s of v.sections) out.push(...s.markdown());
  return out;
}

// `<` that would open a tag, a comment, a declaration, a processing instruction or an autolink;
// our own anchors (`<a id="claim-…"></a>`, nothing in them but the anchor) are the one kind kept
const TAG_START = /<a id="[a-z0-9-]*"><\/a>|<(?=[A-Za-z/!?])/g;

/**
 * report.md without raw HTML: every `<` that could start HTML is written `&lt;`, in text and in
 * code alike (a code span shows `&lt;` then, which only hostile input has), so no claim-file
 * string, however it breaks the Markdown around it, reaches a Markdown renderer as a tag.
 */
export function withoutHtml(md: string): string {
  return md.replace(TAG_START, (m) => (m === '<' ? '&lt;' : m));
}

export function renderMarkdown(r: Report): string {
  const view = reportView(r);
  const out: string[] = [];
  const e = r.environment;
  out.push('# claimcheck report', '');
  out.push(
    `Generated ${r.generatedAt} by ${mdCode(e.command, false)} (claimcheck ${e.toolVersion}, commit ${e.gitCommit.slice(0, 10)}${e.gitDirty ? ', with uncommitted changes' : ''}) in ${view.wallSeconds} s.`,
    '',
  );
  out.push(
    r.options.full
      ? 'Scale: **full** — each search with a `full` section ran at the authors’ scale (`--full`).'
      : 'Scale: CI size — the searches as written in the claim files; `npx claimcheck run --full` runs those with a `full` section at the authors’ scale.',
    '',
  );
  if (r.options.precision) out.push(`Arithmetic: ${mdCode(`--precision ${r.options.precision}`)} — ${esc(precisionOption(r.options.precision))}.`, '');
  if (r.options.drop)
    out.push(
      `**A diagnostic run without the premise ${esc(r.options.drop)}** (\`--drop\`): the verdicts below are those of the search without it, not the claims' verdicts, so "disagrees" is expected where the premise is needed.`,
      '',
    );
  out.push(
    `**${r.summary.matching} of ${r.summary.claims} claims agree with what the paper asserts**; ${r.summary.mismatching} disagree, ${r.summary.byVerdict.inconclusive} inconclusive, ${r.summary.byVerdict.unstable ?? 0} unstable, ${r.summary.invalid} invalid.`,
    '',
  );
  out.push(
    'How to read this: *holds* means that no counterexample was found in the stated number of in-regime trials — evidence, not a proof. *Refuted* comes with a counterexample; it is *genuine* when neither discretization nor rounding explains it (it survives a stricter re-run, a re-run in double-double along the same steps, and a 64-digit check of the final inequality), and *potential* when one of them could not be ruled out. A failure that double-double does not reproduce is *imprecise*: rounding explains it, so it is neither a counterexample nor a pass. A symbolic step is *verified* when the computer algebra reduces it to 0 and the numbers agree, *numeric-only* when only the numbers could confirm it.',
    '',
  );
  out.push(
    '| claim | paper | the paper asserts | our verdict | agreement | provenance | trials | symbolic steps | time |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const v of view.byAttention) {
    const c = v.result;
    out.push(
      `| [${esc(c.id)}](#${v.anchor}) | ${esc(c.paperKey)} | ${c.expect ?? '–'} | ${c.verdict}${v.witnessStatus ? ` (${witnessBadge(v.witnessStatus)})` : ''}${v.watchedOnly ? ' (path watched in part)' : ''} | ${agreementCell(v.agreement)} | ${v.provenance ?? '–'} | ${trialsCell(v)} | ${v.symbolic} | ${v.seconds} s |`,
    );
  }
  out.push('');
  if (view.paperErrors.length) out.push('## Paper entries with errors', '', '```', ...view.paperErrors, '```', '');
  const byPaper = new Map<string, ClaimView[]>();
  for (const v of view.byAttention) byPaper.set(v.result.paperKey, [...(byPaper.get(v.result.paperKey) ?? []), v]);
  // the paper order of report.md: entries sorted as strings (this is not the page's localeCompare order)
  for (const [key, claims] of [...byPaper.entries()].sort()) {
    const p = r.papers[key];
    out.push(`## ${esc(p ? `${p.title} (${p.authors.join(', ')}, ${p.year})` : key)}`, '');
    for (const v of claims) out.push(...claimSection(v));
  }
  out.push('## Environment', '');
  out.push(`- node ${e.node} on ${e.platform}, ${e.cpu}; ${e.threads} worker thread(s)${e.kernels ? `; dense products: ${e.kernels}` : ''}`);
  out.push(
    `- libraries: ${Object.entries(e.libraries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(`- package-lock.json sha256: ${e.lockfileSha256}`);
  out.push(`- options: ${JSON.stringify(r.options)}`);
  out.push(`- wall time ${view.wallSeconds} s (${view.concurrency})`);
  out.push('');
  return withoutLinks(withoutHtml(withoutControls(out.join('\n'))));
}
