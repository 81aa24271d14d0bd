// The numerical search: what it simulates, its space, its trial counts, and its counterexample card.
import type { ClaimResult } from '../../runner.js';
import type { SearchResult } from '../../search/search.js';
import { hypothesesOf } from '../../claims/schema.js';
import { frequencyOutcomeWords } from '../../search/frequency.js';
import { domainText, fmt, seconds, valuesText } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc } from '../markup.js';
import { defineSection } from './section.js';
import { witnessCard, witnessHtml, witnessMarkdown, type WitnessCard } from './witness.js';

/** The trials' arithmetic (reports from before it was recorded ran in float64). */
const arithmeticOf = (s: SearchResult) => (s.evidence?.precision === 'double-double' ? 'double-double, about 32 digits' : 'float64');

/** ", N imprecise" in the trial counts (absent from reports before the status existed). */
const impreciseCount = (s: SearchResult) =>
  s.counts.imprecise === undefined
    ? ''
    : `, ${s.counts.imprecise} imprecise${s.counts.imprecise ? ' (the arithmetic could not decide them: neither counterexamples nor passes)' : ''}`;

/** How many trials early decision stopped, what their statuses stand on, and what was not computed. */
const earlyText = (s: SearchResult) =>
  s.evidence?.stoppedEarly
    ? `${s.evidence.stoppedEarly} of the ${s.trialsRun} trials stopped early (search.early_decision), each at the first step where its property or a hypothesis was false for good (a running path min only falls, a running max only rises): its status, fail or out of regime, is decided there, a violation on the finite part of the path computed being a violation whatever the rest of the path does; its quantities are their values at that step, and the metrics the formulas do not read were not computed (boundary maps and sweeps run their trials to the end); --no-early runs every path to its end, with the same statuses`
    : '';

/** A variable's domain as the claim declares it; a report without the spec's domain, by the search's first and last value. */
const spaceText = (spec: SearchView['spec'], k: string, d: SearchResult['space'][string]) =>
  spec.space && Object.hasOwn(spec.space, k) ? domainText(spec.space[k]) : `∈ [${fmt(d.first)}, ${fmt(d.last)}] (${d.size} values)`;

interface SearchView {
  s: NonNullable<ClaimResult['search']>;
  spec: NonNullable<ClaimResult['searchSpec']>;
  blocks: Array<[string, string]>;
  witness?: WitnessCard;
}

export default defineSection<SearchView>({
  id: 'search',
  view: (c) => {
    const s = c.search,
      spec = c.searchSpec;
    if (!s || !spec) return undefined;
    return {
      s,
      spec,
      blocks: (['data', 'model', 'loss', 'dynamics'] as const).filter((k) => spec[k]).map((k) => [k, spec[k]!.block]),
      witness: s.witness && witnessCard(c, s.witness, spec.property),
    };
  },
  html: ({ s, spec, blocks, witness }) => {
    const metrics = Object.entries(spec.metrics)
      .map(([k, m]) => `<code>${h(k)}</code> (${h(m.block)})`)
      .join(', ');
    const lets = Object.entries(spec.let)
      .map(([k, v]) => `<code>${h(k)} = ${h(v)}</code>`)
      .join(', ');
    const hyps = hypothesesOf(spec)
      .map(
        (x) =>
          `<li><code>${h(x.name)}</code>${x.role === 'untagged' ? '' : ` (${x.role})`}: <code>${h(x.when)}</code>${x.note ? ` (${h(x.note)})` : ''}${s.outOfRegimeBy[x.name] ? ` — false in ${s.outOfRegimeBy[x.name]} trial(s)` : ''}</li>`,
      )
      .join('');
    const space = Object.entries(s.space)
      .map(([k, d]) => `<code>${h(k)}</code> ${h(spaceText(spec, k, d))}`)
      .join('; ');
    return `<h4>Numerical search <span class="meta">(${arithmeticOf(s)}; evidence, not proof)</span></h4>
<ul>
<li>simulation: ${blocks.map(([k, b]) => `${k}: <code>${h(b)}</code>`).join(' → ')}</li>
<li>metrics: ${metrics}${lets ? `; derived: ${lets}` : ''}</li>
<li>hypotheses (a trial outside them is out of regime, never evidence):${hyps ? `<ul>${hyps}</ul>` : ' none'}</li>
<li>property: <code>${h(spec.property)}</code></li>
<li>space (${h(fmt(s.spaceSize))} grid points, plus a per-trial seed): ${space}</li>
<li>trials: ${s.trialsRun} of ${s.trialsRequested} judged with run seed <code>${s.seed}</code>: ${s.counts.pass} ${s.frequency ? 'with the event' : 'passed'}, ${s.counts.fail} ${s.frequency ? 'without it' : 'failed'}, ${s.counts['out-of-regime']} out of regime, ${s.counts.diverged} diverged, ${s.counts.timeout} timed out, ${s.counts.error} errors${impreciseCount(s)} (at least ${s.minInRegime} in-regime trials needed); ${seconds(s.ms)} s, ${h(fmt(s.trialsPerSecond))} trials/s${s.workerMs ? ` of worker time (${seconds(s.workerMs)} s)` : ''}${s.reusedTrials ? ` (${s.reusedTrials} of the ${s.trialsRun} trials reused from the trial journal or from earlier in this run, so not timed)` : ''}${s.budgetExhausted ? ' — <strong>the time budget cut the search short</strong>' : ''}</li>
${earlyText(s) ? `<li>${h(earlyText(s))}</li>` : ''}
${s.frequency ? `<li><strong>frequency claim</strong> Pr[<code>${h(spec.property)}</code>] ≥ <code>${h(s.frequency.atLeast)}</code>: ${s.frequency.events} of ${s.frequency.trials} (${h(fmt(s.frequency.rate))}), exact ${Math.round(s.frequency.confidence * 100)}% interval [${h(fmt(s.frequency.lo))}, ${h(fmt(s.frequency.hi))}] against the bound ${h(fmt(s.frequency.bound))} — ${h(frequencyOutcomeWords(s.frequency))}. Re-run this sample: <code class="replay">${h(s.frequency.replay)}</code> <button type="button" data-copy="${h(s.frequency.replay)}" aria-label="copy the re-run command">copy</button></li>` : ''}
<li>verdict of the search: ${h(s.reason)}</li>
${s.problems.map((p) => `<li>${h(p.status)}: ${h(valuesText(p.values))} — ${h(p.message ?? '')}</li>`).join('')}
</ul>${witness ? witnessHtml(witness) : ''}`;
  },
  markdown: ({ s, spec, blocks, witness }) => [
    `**Numerical search** (${arithmeticOf(s)}; evidence, not proof):`,
    '',
    ...(blocks.length ? [`- simulation: ${blocks.map(([k, b]) => `${k}: ${b}`).join(' → ')}`] : []),
    `- metrics: ${Object.entries(spec.metrics)
      .map(([k, m]) => `${k} (${m.block})`)
      .join(', ')}${
      Object.keys(spec.let).length
        ? `; derived: ${Object.entries(spec.let)
            .map(([k, v]) => `${k} = \`${v}\``)
            .join(', ')}`
        : ''
    }`,
    `- hypotheses: ${
      Object.keys(spec.hypotheses).length
        ? hypothesesOf(spec)
            .map((x) => `${x.name}${x.role === 'untagged' ? '' : ` (${x.role})`}: ${mdCode(x.when)}${x.note ? ` (${esc(x.note)})` : ''}`)
            .join('; ')
        : 'none'
    }`,
    `- property: \`${spec.property}\``,
    `- space (${fmt(s.spaceSize)} grid points, plus a per-trial seed): ${Object.entries(s.space)
      .map(([k, d]) => `${k} ${spaceText(spec, k, d)}`)
      .join('; ')}`,
    `- trials: ${s.trialsRun} of ${s.trialsRequested} judged with run seed ${s.seed}: ${s.counts.pass} ${s.frequency ? 'with the event' : 'passed'}, ${s.counts.fail} ${s.frequency ? 'without it' : 'failed'}, ${s.counts['out-of-regime']} out of regime, ${s.counts.diverged} diverged, ${s.counts.timeout} timed out, ${s.counts.error} errors${impreciseCount(s)} (at least ${s.minInRegime} in-regime trials needed); ${seconds(s.ms)} s, ${fmt(s.trialsPerSecond)} trials/s${s.workerMs ? ` of worker time (${seconds(s.workerMs)} s)` : ''}${s.reusedTrials ? ` (${s.reusedTrials} of the ${s.trialsRun} trials reused from the trial journal or from earlier in this run, so not timed)` : ''}`,
    ...(earlyText(s) ? [`- ${esc(earlyText(s))}`] : []),
    ...(s.frequency
      ? [
          `- **frequency claim** Pr[\`${spec.property}\`] ≥ \`${s.frequency.atLeast}\`: ${esc(s.reason)}; re-run this sample: ${mdCode(s.frequency.replay, false)}`,
        ]
      : []),
    ...(Object.keys(s.outOfRegimeBy).length
      ? [
          `- out of regime because of: ${Object.entries(s.outOfRegimeBy)
            .map(([hyp, n]) => `${hyp} false in ${n}`)
            .join(', ')}`,
        ]
      : []),
    ...s.problems.map((p) => `- ${p.status}: ${valuesText(p.values)} — ${p.message ?? ''}`),
    '',
    ...(witness ? [...witnessMarkdown(witness), ''] : []),
  ],
});
