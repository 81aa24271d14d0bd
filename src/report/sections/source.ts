// The claim's statement and where it comes from: the paper, the quote, the provenance, the file.
import { claimAnchor, PROVENANCE_MEANING } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc, tex } from '../markup.js';
import { defineSection } from './section.js';

export default defineSection({
  id: 'source',
  view: (c, r) => c.claim && { meta: c.claim, paper: r.papers[c.paperKey], paperKey: c.paperKey, file: c.file, hash: c.hash },
  html: ({ meta, paper: p, paperKey, file, hash }) =>
    `<p class="statement">${h(meta.statement.text)}</p><div class="formula">${tex(meta.statement.latex, true)}</div>
<ul><li>source: ${p ? `${h(p.authors.join(', '))} (${p.year}), <cite>${h(p.title)}</cite>${p.arxiv ? `, <a href="https://arxiv.org/abs/${h(p.arxiv)}">arXiv:${h(p.arxiv)}</a>` : ''}${p.venue ? `, ${h(p.venue)}` : ''}` : h(paperKey)} — ${h(meta.source.location)}${meta.source.via ? ` <span class="meta">(via ${h(meta.source.via)})</span>` : ''}</li>
${meta.source.quote ? `<li>quoted: <q>${h(meta.source.quote)}</q></li>` : ''}
<li>provenance: <strong>${meta.provenance}</strong> — ${h(PROVENANCE_MEANING[meta.provenance])}${meta.provenance_note ? `. ${h(meta.provenance_note)}` : ''}</li>
${meta.refutes ? `<li>refutation target beside: <a href="#${claimAnchor(meta.refutes)}">${h(meta.refutes)}</a></li>` : ''}
${meta.notes ? `<li>notes: ${h(meta.notes)}</li>` : ''}
${meta.tested_object ? `<li><strong>what the search tests</strong>: ${h(meta.tested_object.what)} — <strong>a counterexample here means</strong>: ${h(meta.tested_object.counterexample_means)}</li>` : ''}
<li>file: <code>${h(file)}</code> (sha256 ${h(hash?.slice(0, 12) ?? '')})</li></ul>`,
  markdown: ({ meta, paper, paperKey, file, hash }) => [
    `- statement: ${esc(meta.statement.text)}`,
    `- formula: $${meta.statement.latex}$`,
    `- source: ${paper ? `${paper.authors.join(', ')} (${paper.year}), *${paper.title}*${paper.arxiv ? `, arXiv:${paper.arxiv}` : ''}` : paperKey} — ${meta.source.location}${meta.source.via ? ` (via ${meta.source.via})` : ''}`,
    ...(meta.source.quote ? [`- quoted: “${esc(meta.source.quote)}”`] : []),
    `- provenance: ${meta.provenance} — ${PROVENANCE_MEANING[meta.provenance]}${meta.provenance_note ? ` — ${esc(meta.provenance_note)}` : ''}`,
    ...(meta.refutes ? [`- refutation target for: ${meta.refutes}`] : []),
    ...(meta.notes ? [`- notes: ${esc(meta.notes)}`] : []),
    ...(meta.tested_object
      ? [`- **what the search tests**: ${esc(meta.tested_object.what)} — a counterexample here means: ${esc(meta.tested_object.counterexample_means)}`]
      : []),
    `- file: ${mdCode(file, false)} (sha256 ${hash?.slice(0, 12)})`,
    '',
  ],
});
