// Hypothesis ablation: per premise of the theorem, whether the search finds it needed (refuted
// without it, with a witness), not needed in this space, or untestable here (run with --ablate).
import { hypothesesOf } from '../../claims/schema.js';
import type { ClaimResult } from '../../runner.js';
import type { AblationOutcome, PremiseAblation } from '../../search/ablation.js';
import { fmt, seconds } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc } from '../markup.js';
import { defineSection } from './section.js';

interface AblationView {
  /** how the ablate command names the claim: its id, or its file outside the built-in library */
  target: string;
  premises: Array<{ name: string; when: string }>;
  rows?: PremiseAblation[];
}

const OUTCOME_WORDS: Record<AblationOutcome, string> = {
  needed: 'needed',
  'not-needed': 'not needed in this space',
  untestable: 'untestable here',
  'claim-refuted': 'the claim itself fails',
};

const widenText = (w?: Record<string, unknown>) =>
  w
    ? Object.entries(w)
        .map(([k, d]) => `${k} ∈ ${JSON.stringify(d)}`)
        .join('; ')
    : '';

export default defineSection<AblationView>({
  id: 'ablation',
  view: (c: ClaimResult) => {
    const premises = c.searchSpec ? hypothesesOf(c.searchSpec).filter((x) => x.role === 'premise') : [];
    if (!premises.length && !c.ablation?.length) return undefined;
    return { target: c.target ?? c.id, premises: premises.map((p) => ({ name: p.name, when: p.when })), rows: c.ablation };
  },
  html: ({ target, premises, rows }) => {
    if (!rows)
      return `<h4>Hypothesis ablation</h4><p>premises: ${premises.map((p) => `<code>${h(p.name)}</code>`).join(', ')} — not run here (it re-runs the search once per premise): <code class="replay">${h(`npx claimcheck ablate ${target}`)}</code></p>`;
    const tr = rows
      .map(
        (r) =>
          `<tr class="ablation-${r.outcome}"><td><code>${h(r.premise)}</code>: <code>${h(r.when)}</code>${r.widen ? `<br><span class="meta">space widened: ${h(widenText(r.widen))}</span>` : ''}</td><td><strong>${h(OUTCOME_WORDS[r.outcome])}</strong></td><td>${h(r.reason)}</td><td>${r.outside} of ${r.inRegime}</td><td>${r.witness ? `<code class="replay">${h(r.witness.replay)}</code>` : ''}</td><td>${h(seconds(r.ms))} s</td></tr>`,
      )
      .join('\n');
    return `<h4>Hypothesis ablation <span class="meta">(the search re-run with each premise dropped, same run seed and size)</span></h4>
<table class="ablation"><thead><tr><th>premise</th><th>outcome</th><th>why</th><th>in-regime trials outside it</th><th>witness without it</th><th>time</th></tr></thead><tbody>
${tr}
</tbody></table>`;
  },
  markdown: ({ target, premises, rows }) => {
    if (!rows)
      return [
        `**Hypothesis ablation**: premises ${premises.map((p) => p.name).join(', ')} — not run here; ${mdCode(`npx claimcheck ablate ${target}`, false)}`,
        '',
      ];
    return [
      '**Hypothesis ablation** (the search re-run with each premise dropped, same run seed and size):',
      '',
      '| premise | outcome | why | in-regime trials outside it | witness without it |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${esc(r.premise)}: ${mdCode(r.when)}${r.widen ? ` (space widened: ${esc(widenText(r.widen))})` : ''} | ${OUTCOME_WORDS[r.outcome]} | ${esc(r.reason)} | ${fmt(r.outside)} of ${fmt(r.inRegime)} | ${r.witness ? mdCode(r.witness.replay) : ''} |`,
      ),
      '',
    ];
  },
});
