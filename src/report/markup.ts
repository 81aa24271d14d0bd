// The small HTML and Markdown pieces the renderers and the claim sections share.
import katex from 'katex';
import type { PropertyView } from './format.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const h = escapeHtml;

export function tex(latex: string, display = false): string {
  return katex.renderToString(latex, { throwOnError: false, displayMode: display, output: 'html', strict: 'ignore' });
}

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional and line-separator
// characters that reorder or hide what a reader sees (the set terminalSafe escapes, less tab and newline)
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const DOCUMENT_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A report document (report.md, index.html) with every control or bidi character that a claim
 * string brought in written as a visible `\uXXXX` (an ESC cannot recolour a terminal that cats the
 * file, U+202E cannot reverse a line). The escape is also a valid JSON escape, so an embedded plot
 * spec keeps its meaning. Tabs and newlines, the only controls the renderers write, are kept.
 */
export function withoutControls(doc: string): string {
  return doc.replace(DOCUMENT_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// the links report.md writes itself: to a claim's anchor, and a plot file beside the report
const OWN_LINK = /!?\[([^[\]\n]*)\]\((#claim-[a-z0-9-]*|[a-z0-9][a-z0-9.-]*\.svg)\)/g;
const FENCE_LIKE = /^(\s*)(`{3,}|~{3,})/;

/**
 * report.md with no link or image that a claim string made: outside the code blocks report.md
 * opens (a line that is exactly ```), every `[` is written `&#91;`, except in report.md's own links
 * (to `#claim-…` anchors and to plot files beside it), so no inline, reference or image link, and
 * no footnote, can be formed from claim text (a code span shows `&#91;` then, which only claim text
 * with a bracket has). A line that a renderer could take for another fence (```` or ~~~, indented,
 * trailing text) starts with a backslash, so the code blocks are exactly the ones counted here.
 */
export function withoutLinks(md: string): string {
  let inFence = false;
  return md
    .split('\n')
    .map((line) => {
      if (line === '```') {
        inFence = !inFence;
        return line;
      }
      const fenced = line.replace(FENCE_LIKE, '$1\\$2');
      if (inFence) return fenced;
      let out = '';
      let at = 0;
      for (const m of fenced.matchAll(OWN_LINK)) {
        out += fenced.slice(at, m.index).replace(/\[/g, '&#91;') + m[0];
        at = m.index + m[0].length;
      }
      return out + fenced.slice(at).replace(/\[/g, '&#91;');
    })
    .join('\n');
}

/** A Markdown table cell or list item: no pipes, no line breaks. */
export const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function propertyHtml(p: PropertyView): string {
  if (p.notEvaluated)
    return `<code>${h(p.property)}</code> — not evaluated (${h(p.notEvaluated.status)}${p.notEvaluated.message ? `: ${h(p.notEvaluated.message)}` : ''})`;
  const s = p.sides;
  const sides = s
    ? ` — ${s.conjunct ? `in <code>${h(s.conjunct)}</code>: ` : ''}left side <strong>${h(s.lhs)}</strong> ${h(s.op)} right side <strong>${h(s.rhs)}</strong>`
    : '';
  return `<code>${h(p.property)}</code> is <strong>${p.holds ? 'true' : 'false'}</strong>${sides}`;
}

export function propertyMarkdown(p: PropertyView): string {
  if (p.notEvaluated) return `\`${p.property}\` — not evaluated (${p.notEvaluated.status}${p.notEvaluated.message ? `: ${p.notEvaluated.message}` : ''})`;
  const s = p.sides;
  const sides = s ? ` — ${s.conjunct ? `in \`${s.conjunct}\`: ` : ''}left side ${s.lhs}, right side ${s.rhs}` : '';
  return `\`${p.property}\` is **${p.holds ? 'true' : 'false'}**${sides}`;
}

/** A plot on the page: its SVG inline (or a note when the file is missing) and its vega-lite spec embedded for download. */
export function figureHtml(
  anchor: string,
  kind: 'boundary' | 'trajectory' | 'histogram',
  svg: string | undefined,
  plot: { spec: unknown; file: string },
  alt: string,
  caption: string,
): string {
  const id = `${anchor}-${kind}-spec`;
  const file = plot.file;
  const body = svg
    ? svg.replace(/^<svg /, `<svg role="img" aria-label="${h(alt)}" `)
    : `<p class="meta">(the plot file ${h(file)} was not found beside this page)</p>`;
  return `<figure data-plot="${h(file)}">${body}<figcaption>${h(caption)} <button type="button" data-spec="${id}" data-file="${h(file.replace(/\.svg$/, '.vl.json'))}">download the vega-lite spec with its data</button></figcaption>
<script type="application/json" id="${id}">${JSON.stringify(plot.spec).replace(/</g, '\\u003c')}</script></figure>`;
}

/**
 * A Markdown code span that holds any text (CommonMark §6.1): fenced with a run of backticks longer than
 * any inside, padded by a space where the text starts or ends with one; in a table (the default) pipes
 * are escaped, outside one they are left as they are (a backslash in a code span is printed).
 */
export function mdCode(s: string, inTable = true): string {
  const run = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${inTable ? mdEscape(s) : s.replace(/\n/g, ' ')}${pad}${fence}`;
}
