// The witness card of a search (shown inside the search section): the failing trial, and what each
// re-check found — the refined step (discretization), double-double along the same steps (rounding),
// the final inequality in 64-digit arithmetic. An imprecise witness is shown as what it is: not a counterexample.
import { earlyStopNote, wholePathCommand } from '../../claims/early-decision.js';
import type { ClaimResult } from '../../runner.js';
import { PHASE_WORDS, type Witness } from '../../search/search.js';
import type { TrialResult } from '../../search/trial.js';
import { digits10, fmt, pairs, pairsText, propertyView, valuesText, WITNESS_STATUS_WORDS, type Pairs, type PropertyView } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc, propertyHtml, propertyMarkdown } from '../markup.js';

/** One run of the witness's trial: which arithmetic and step, how it ended, the deciding comparison's sides. */
export interface RecheckRow {
  run: string;
  status: string;
  /** `lhs op rhs` to about 10 significant digits, or why there are none */
  sides: string;
}

export interface WitnessCard {
  claimId: string;
  status: Witness['status'];
  /** the status in one line */
  meaning: string;
  /** false for an imprecise witness: the card never calls it a counterexample */
  counterexample: boolean;
  shrinks: number;
  values: Pairs;
  property: PropertyView;
  quantities: Pairs;
  /** the witness, the refined-step re-run, and the double-double re-run (when it ran) */
  checks: RecheckRow[];
  /** the final inequality evaluated in 64-digit arithmetic on the refined run's values */
  bigNumber?: string;
  /** the first step where the float64 and double-double paths part */
  part?: { step: number; loss: string; what: string };
  recheck: string;
  preciseNote?: string;
  /** the first failing trial before shrinking */
  original: { values: string; where: string };
  replay: string;
  /** set when early decision stopped the witness's run: where, what was not computed, and the replay of the whole path */
  stoppedEarly?: { step: number; loss: string; note: string; wholePath: string };
  /** what a counterexample means, from the claim file */
  counterexampleMeans?: string;
}

const inDD = (r: TrialResult) => r.precision?.arithmetic === 'double-double';

function sidesOf(r: TrialResult): string {
  const p = r.property;
  if (!p) return `not evaluated${r.message ? ` (${r.message})` : ''}`;
  const cmp = p.lhs !== undefined ? `${digits10(p.lhs)} ${p.op ?? ''} ${digits10(p.rhs)}` : `ρ = ${digits10(p.robustness)}`;
  // the status column says pass or fail; another status (imprecise) gets the comparison's own verdict
  const verdict = r.status === 'pass' || r.status === 'fail' ? '' : ` (${p.holds ? 'holds' : 'fails'})`;
  return `${p.conjunct ? `${p.conjunct}: ` : ''}${cmp}${verdict}`;
}

function checkRows(w: Witness): RecheckRow[] {
  const arithmetic = (r: TrialResult) => (inDD(r) ? 'double-double' : 'float64');
  const rows: RecheckRow[] = [
    { run: `${arithmetic(w.result)}, the witness`, status: w.result.status, sides: sidesOf(w.result) },
    { run: `${arithmetic(w.recheck.result)}, refined step (discretization)`, status: w.recheck.result.status, sides: sidesOf(w.recheck.result) },
  ];
  const p = w.recheck.precise;
  if (p) {
    const perturbed = p.precision?.perturbed;
    const run =
      perturbed !== undefined
        ? `double-double, the same steps from θ(0) perturbed by ${fmt(perturbed)} (relative)`
        : 'double-double (about 32 digits), the same steps (rounding)';
    rows.push({ run, status: p.status, sides: sidesOf(p) });
  } else
    rows.push({
      run: 'double-double, the same steps (rounding)',
      status: 'not run',
      sides: w.recheck.preciseNote ?? 'a report from before the double-double re-check: rounding was not checked',
    });
  return rows;
}

export function witnessCard(c: ClaimResult, w: Witness, property: string): WitnessCard {
  const words = WITNESS_STATUS_WORDS[w.status] ?? { word: String(w.status), meaning: '', counterexample: true };
  // a report from before the double-double re-check: its genuine witness ruled out discretization only
  const roundingUnchecked = !w.recheck.precise && w.recheck.preciseNote === undefined;
  const part = w.recheck.precise?.precision?.part;
  return {
    claimId: c.id,
    status: w.status,
    meaning:
      roundingUnchecked && w.status === 'genuine'
        ? 'discretization and the 64-digit final inequality ruled out; rounding not checked (a report from before the double-double re-check)'
        : words.meaning,
    counterexample: words.counterexample,
    shrinks: w.numShrinks,
    values: pairs(w.values),
    property: propertyView(w.result, property),
    quantities: pairs(w.result.quantities as Record<string, number>),
    checks: checkRows(w),
    ...(w.recheck.bigNumberProperty !== undefined ? { bigNumber: w.recheck.bigNumberProperty } : {}),
    ...(part ? { part: { step: part.step, loss: digits10(part.loss), what: part.what } } : {}),
    recheck: w.recheck.note,
    ...(w.recheck.preciseNote !== undefined ? { preciseNote: w.recheck.preciseNote } : {}),
    original: { values: valuesText(w.original.values), where: w.original.path !== undefined ? `path ${w.original.path}` : (PHASE_WORDS[w.phase] ?? 'found') },
    replay: w.replay,
    ...(w.result.stoppedEarlyAt
      ? {
          stoppedEarly: {
            step: w.result.stoppedEarlyAt.step,
            loss: digits10(w.result.stoppedEarlyAt.loss),
            note: earlyStopNote(w.result.stoppedEarlyAt),
            wholePath: wholePathCommand(w.replay),
          },
        }
      : {}),
    counterexampleMeans: c.claim?.tested_object?.counterexample_means,
  };
}

/** "Counterexample (genuine, 2 shrinks) — neither …"; an imprecise witness: "Imprecise failure (0 shrinks) — rounding explains it: not a counterexample" */
const title = (w: WitnessCard) => `${w.counterexample ? `Counterexample (${w.status}, ` : 'Imprecise failure ('}${w.shrinks} shrinks) — ${w.meaning}`;
const partText = (p: NonNullable<WitnessCard['part']>) => `step ${p.step} (loss ${p.loss}): ${p.what}`;
const earlyText = (e: NonNullable<WitnessCard['stoppedEarly']>) => `stopped early at step ${e.step} (loss ${e.loss}, search.early_decision): ${e.note}`;
const BIG_WORDS = "the final inequality on the refined run's values, in 64-digit arithmetic";

const rows = (p: Pairs) => p.map(([k, v]) => `<tr><th scope="row"><code>${h(k)}</code></th><td>${h(v)}</td></tr>`).join('');

function checksHtml(w: WitnessCard): string {
  const body = w.checks.map((r) => `<tr><th scope="row">${h(r.run)}</th><td>${h(r.status)}</td><td><code>${h(r.sides)}</code></td></tr>`).join('');
  const extra = [
    w.bigNumber !== undefined
      ? `<tr><th scope="row">64 digits, final inequality</th><td colspan="2"><code>${h(w.bigNumber)}</code> (${BIG_WORDS})</td></tr>`
      : '',
    w.part ? `<tr><th scope="row">where float64 and double-double part</th><td colspan="2">${h(partText(w.part))}</td></tr>` : '',
  ].join('');
  return `<table class="rechecks"><caption class="meta">the deciding comparison in each re-check</caption><thead><tr><th scope="col">run</th><th scope="col">status</th><th scope="col">lhs op rhs</th></tr></thead><tbody>${body}${extra}</tbody></table>`;
}

export function witnessHtml(w: WitnessCard): string {
  const label = w.counterexample ? `counterexample for ${w.claimId}` : `imprecise failure, not a counterexample, for ${w.claimId}`;
  return `<div class="card${w.counterexample ? '' : ' card-imprecise'}" role="group" aria-label="${h(label)}" data-witness-status="${h(w.status)}">
<h5>${h(title(w))}</h5>
<table><caption class="meta">the failing trial's values</caption><tbody>${rows(w.values)}</tbody></table>
<p>property${w.counterexample ? '' : ' in float64'}: ${propertyHtml(w.property)}</p>
${w.stoppedEarly ? `<p class="early"><strong>${h(earlyText(w.stoppedEarly))}</strong>. The whole path: <code class="replay">${h(w.stoppedEarly.wholePath)}</code></p>` : ''}
${checksHtml(w)}
<details><summary>all quantities of this trial</summary><table><tbody>${rows(w.quantities)}</tbody></table></details>
<p class="meta">discretization: ${h(w.recheck)}${w.preciseNote !== undefined ? `<br>rounding: ${h(w.preciseNote)}` : ''}<br>first failing trial before shrinking: ${h(w.original.values)} (${h(w.original.where)})</p>
<p>replay: <code class="replay">${h(w.replay)}</code> <button type="button" data-copy="${h(w.replay)}" aria-label="copy the replay command">copy</button></p>
${w.counterexampleMeans !== undefined && w.counterexample ? `<p><strong>What this counterexample means</strong>: ${h(w.counterexampleMeans)}</p>` : ''}
</div>`;
}

export function witnessMarkdown(w: WitnessCard): string[] {
  return [
    `#### ${esc(title(w))}`,
    '',
    '```',
    ...w.values.map(([k, v]) => `${k.padEnd(12)} := ${v}`),
    '```',
    '',
    `- property${w.counterexample ? '' : ' in float64'}: ${propertyMarkdown(w.property)}`,
    ...(w.stoppedEarly ? [`- **${esc(earlyText(w.stoppedEarly))}**; the whole path: ${mdCode(w.stoppedEarly.wholePath, false)}`] : []),
    '',
    '| run | status | lhs op rhs |',
    '|---|---|---|',
    ...w.checks.map((r) => `| ${esc(r.run)} | ${esc(r.status)} | ${mdCode(r.sides)} |`),
    '',
    ...(w.bigNumber !== undefined ? [`- 64 digits: ${mdCode(w.bigNumber)} (${BIG_WORDS})`] : []),
    ...(w.part ? [`- where float64 and double-double part: ${esc(partText(w.part))}`] : []),
    `- quantities: ${pairsText(w.quantities)}`,
    `- discretization: ${esc(w.recheck)}`,
    ...(w.preciseNote !== undefined ? [`- rounding: ${esc(w.preciseNote)}`] : []),
    `- first failing trial before shrinking: ${w.original.values} (${w.original.where})`,
    `- replay: ${mdCode(w.replay, false)}`,
    ...(w.counterexampleMeans !== undefined && w.counterexample ? [`- **what this counterexample means**: ${esc(w.counterexampleMeans)}`] : []),
  ];
}
