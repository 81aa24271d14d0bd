// The counterexample card of a refuted search (shown inside the search section).
import type { ClaimResult } from '../../runner.js';
import { PHASE_WORDS, type Witness } from '../../search/search.js';
import { pairs, pairsText, propertyView, valuesText, type Pairs, type PropertyView } from '../format.js';
import { escapeHtml as h, mdEscape as esc, propertyHtml, propertyMarkdown } from '../markup.js';

export interface WitnessCard {
  claimId: string;
  status: Witness['status'];
  shrinks: number;
  values: Pairs;
  property: PropertyView;
  quantities: Pairs;
  recheck: string;
  /** the first failing trial before shrinking */
  original: { values: string; where: string };
  replay: string;
  /** what a counterexample means, from the claim file */
  meaning?: string;
}

export function witnessCard(c: ClaimResult, w: Witness, property: string): WitnessCard {
  return {
    claimId: c.id,
    status: w.status,
    shrinks: w.numShrinks,
    values: pairs(w.values),
    property: propertyView(w.result, property),
    quantities: pairs(w.result.quantities as Record<string, number>),
    recheck: w.recheck.note,
    original: { values: valuesText(w.original.values), where: w.original.path !== undefined ? `path ${w.original.path}` : (PHASE_WORDS[w.phase] ?? 'found') },
    replay: w.replay,
    meaning: c.claim?.tested_object?.counterexample_means,
  };
}

const rows = (p: Pairs) => p.map(([k, v]) => `<tr><th scope="row"><code>${h(k)}</code></th><td>${h(v)}</td></tr>`).join('');

export function witnessHtml(w: WitnessCard): string {
  return `<div class="card" role="group" aria-label="counterexample for ${h(w.claimId)}">
<h5>Counterexample — ${w.status}${w.status === 'potential' ? ' (not confirmed by the stricter re-run)' : ' (survived the stricter re-run)'} · ${w.shrinks} shrinks</h5>
<table><caption class="meta">the failing trial's values</caption><tbody>${rows(w.values)}</tbody></table>
<p>property: ${propertyHtml(w.property)}</p>
<details><summary>all quantities of this trial</summary><table><tbody>${rows(w.quantities)}</tbody></table></details>
<p class="meta">re-check: ${h(w.recheck)} · first failing trial before shrinking: ${h(w.original.values)} (${h(w.original.where)})</p>
<p>replay: <code class="replay">${h(w.replay)}</code> <button type="button" data-copy="${h(w.replay)}" aria-label="copy the replay command">copy</button></p>
${w.meaning !== undefined ? `<p><strong>What this counterexample means</strong>: ${h(w.meaning)}</p>` : ''}
</div>`;
}

export function witnessMarkdown(w: WitnessCard): string[] {
  return [
    `#### Counterexample (${w.status}${w.status === 'potential' ? ': not confirmed by the stricter re-run' : ''}, ${w.shrinks} shrinks)`,
    '',
    '```',
    ...w.values.map(([k, v]) => `${k.padEnd(12)} := ${v}`),
    '```',
    '',
    `- property: ${propertyMarkdown(w.property)}`,
    `- quantities: ${pairsText(w.quantities)}`,
    `- re-check: ${w.recheck}`,
    `- first failing trial before shrinking: ${w.original.values} (${w.original.where})`,
    `- replay: \`${w.replay}\``,
    ...(w.meaning !== undefined ? [`- **what this counterexample means**: ${esc(w.meaning)}`] : []),
  ];
}
