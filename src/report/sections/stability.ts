// With --seeds K: the verdict under each run seed.
import { escapeHtml as h, mdCode, mdEscape as esc } from '../markup.js';
import { defineSection } from './section.js';

export default defineSection({
  id: 'stability',
  view: (c) => c.stability,
  html: (runs) =>
    `<h4>Stability over ${runs.length} run seeds</h4><table><thead><tr><th scope="col">run seed</th><th scope="col">verdict</th><th scope="col">reason</th></tr></thead><tbody>${runs.map((x) => `<tr><td>${x.seed}</td><td>${h(x.verdict)}</td><td>${h(x.reason)}${x.replay ? ` <code class="replay">${h(x.replay)}</code>` : ''}</td></tr>`).join('')}</tbody></table>`,
  markdown: (runs) => [
    `**Stability** over ${runs.length} run seeds:`,
    '',
    '| run seed | verdict | reason |',
    '|---|---|---|',
    ...runs.map((x) => `| ${x.seed} | ${x.verdict} | ${esc(x.reason)}${x.replay ? ` — ${mdCode(x.replay)}` : ''} |`),
    '',
  ],
});
