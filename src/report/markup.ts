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
