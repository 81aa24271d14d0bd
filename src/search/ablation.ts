// Hypothesis ablation: the search re-run with one premise dropped (and the space widened where the
// premise is enforced by the space itself), to see whether the theorem needs that premise here.
import { hypothesesOf, type SearchSpec } from '../claims/schema.js';
import { withoutEarlyDecision } from '../claims/early-decision.js';
import { compileExpr } from '../core/expr.js';
import { robustness } from '../core/robustness.js';
import { runSearch, type SearchOptions, type SearchResult, type Witness } from './search.js';
import { domainIndex, type TrialValues } from './space.js';
import type { TrialResult } from './trial.js';

export type AblationOutcome = 'needed' | 'not-needed' | 'untestable' | 'claim-refuted';

export interface PremiseAblation {
  premise: string;
  when: string;
  widen?: Record<string, unknown>;
  outcome: AblationOutcome;
  /** the outcome in words */
  reason: string;
  /** in-regime trials (under the other hypotheses) that violated the dropped premise */
  outside: number;
  /** of those, how many failed the property */
  outsideFailed: number;
  inRegime: number;
  trials: number;
  /** the counterexample found without the premise (it violates the premise when the outcome is `needed`) */
  witness?: { values: TrialValues; status: Witness['status']; replay: string };
  ms: number;
}

/** The search without the named premise: that hypothesis removed, the space widened as the premise says. */
export function ablatedSpec(spec: SearchSpec, premise: string): SearchSpec {
  const h = hypothesesOf(spec).find((x) => x.name === premise);
  if (!h) throw new Error(`no hypothesis "${premise}"`);
  const hypotheses = Object.fromEntries(Object.entries(spec.hypotheses).filter(([k]) => k !== premise));
  // each trial's whole path (a trial stopped early has seen only part of it, where the premise may still
  // hold and later fail); its status is still its early decision's (withoutEarlyDecision)
  return { ...withoutEarlyDecision(spec), hypotheses, space: { ...spec.space, ...(h.widen ?? {}) }, full: undefined };
}

/** Where a judged trial lies with respect to the premise (its expression on the trial's values and quantities): outside, inside, or unknown (a non-finite value). */
function premiseSide(when: string): (r: TrialResult) => 'outside' | 'inside' | 'unknown' {
  const rho = robustness(compileExpr(when));
  return (r) => {
    let v: number;
    try {
      v = rho({ ...r.values, ...r.quantities });
    } catch {
      // a trial that stopped before its metrics (diverged, timed out) has no value for the premise
      return 'unknown';
    }
    return Number.isNaN(v) ? 'unknown' : v < 0 ? 'outside' : 'inside';
  };
}

/** Why an outcome, before it is put into words (`describeAblation`). */
type AblationFinding =
  | { kind: 'needed'; status?: Witness['status']; outside: number; outsideFailed: number }
  | { kind: 'claim-refuted'; witness: boolean; searchReason: string }
  | { kind: 'not-needed'; outside: number; outsideFailed: number; frequency: boolean }
  | { kind: 'witness-premise-unknown'; searchReason: string }
  | { kind: 'witness-outside-space'; variables: string[] }
  | { kind: 'search-unsettled'; searchReason: string }
  | { kind: 'never-outside'; inRegime: number; widened: boolean };

const OUTCOME_OF: Record<AblationFinding['kind'], AblationOutcome> = {
  needed: 'needed',
  'claim-refuted': 'claim-refuted',
  'not-needed': 'not-needed',
  'witness-premise-unknown': 'untestable',
  'witness-outside-space': 'untestable',
  'search-unsettled': 'untestable',
  'never-outside': 'untestable',
};

/** The words of an outcome (the report's text). */
export function describeAblation(f: AblationFinding): string {
  switch (f.kind) {
    case 'needed':
      return `needed: without it the search is refuted (${f.status ?? 'frequency below the bound'})${f.outside ? `; ${f.outsideFailed} of ${f.outside} trials outside the premise failed` : ''}`;
    case 'claim-refuted':
      return f.witness
        ? `the search without this premise found a counterexample that satisfies it, inside the declared space: the claim itself fails (${f.searchReason})`
        : `without this premise the frequency is below the bound, but no trial outside it failed the event: the claim itself fails (${f.searchReason})`;
    case 'not-needed':
      return f.frequency
        ? `not needed in this space: ${f.outside} in-regime trial(s) violated it (${f.outsideFailed} without the event) and the frequency still clears its bound`
        : `not needed in this space: ${f.outside} in-regime trial(s) violated it and none failed`;
    case 'witness-premise-unknown':
      return `untestable here: the counterexample found without it gives the premise a non-finite value, so it says nothing about the premise (${f.searchReason})`;
    case 'witness-outside-space':
      return `untestable here: the counterexample found without it satisfies the premise but lies outside the declared space (${f.variables.join(', ')} only in the widened one): it is about the space, not the premise`;
    case 'search-unsettled':
      return `untestable here: ${f.searchReason}`;
    case 'never-outside':
      return f.widened
        ? `untestable here: no in-regime trial violated it (${f.inRegime} in regime) although the space was widened: the other hypotheses, or trials that diverged or failed to run, excluded them`
        : `untestable here: no in-regime trial violated it (${f.inRegime} in regime); the space never leaves the premise — give it a \`widen\``;
  }
}

export function classifyAblation(spec: SearchSpec, premise: string, r: SearchResult, results?: TrialResult[]): Omit<PremiseAblation, 'ms' | 'widen'> {
  const h = hypothesesOf(spec).find((x) => x.name === premise)!;
  const side = premiseSide(h.when);
  const judged = results ?? [];
  let n = 0,
    failed = 0;
  for (const t of judged)
    if ((t.status === 'pass' || t.status === 'fail') && side(t) === 'outside') {
      n++;
      if (t.status === 'fail') failed++;
    }
  const inRegime = r.counts.pass + r.counts.fail;
  const w = r.witness;
  let finding: AblationFinding;
  if (r.verdict === 'refuted' && w) {
    // the witness's own run decides; its stricter re-run only when the witness's premise value is unknown
    const first = side(w.result);
    const at = first === 'unknown' ? side(w.recheck.result) : first;
    const beyond = Object.keys(spec.space).filter((k) => domainIndex(spec.space[k], w.values[k]) < 0);
    if (at === 'outside') finding = { kind: 'needed', status: w.status, outside: n, outsideFailed: failed };
    else if (at === 'unknown') finding = { kind: 'witness-premise-unknown', searchReason: r.reason };
    else if (beyond.length) finding = { kind: 'witness-outside-space', variables: beyond };
    else finding = { kind: 'claim-refuted', witness: true, searchReason: r.reason };
  } else if (r.verdict === 'refuted')
    // a frequency claim has no witness: the premise is needed only if trials outside it failed the event
    finding = failed > 0 ? { kind: 'needed', outside: n, outsideFailed: failed } : { kind: 'claim-refuted', witness: false, searchReason: r.reason };
  else if (r.verdict === 'holds' && n > 0) finding = { kind: 'not-needed', outside: n, outsideFailed: failed, frequency: !!r.frequency };
  else if (r.verdict !== 'holds') finding = { kind: 'search-unsettled', searchReason: r.reason };
  else finding = { kind: 'never-outside', inRegime, widened: !!h.widen };
  return {
    premise,
    when: h.when,
    outcome: OUTCOME_OF[finding.kind],
    outside: n,
    outsideFailed: failed,
    inRegime,
    ...(w ? { witness: { values: w.values, status: w.status, replay: w.replay } } : {}),
    reason: describeAblation(finding),
    trials: r.trialsRun,
  };
}

/** The search without one premise (same run seed and size as the search itself), classified. */
export async function ablatePremise(spec: SearchSpec, premise: string, o: SearchOptions): Promise<PremiseAblation> {
  const t0 = performance.now();
  const h = hypothesesOf(spec).find((x) => x.name === premise);
  const results: TrialResult[] = [];
  const r = await runSearch(ablatedSpec(spec, premise), { ...o, dropped: premise, onJudged: (t) => results.push(t) });
  return { ...classifyAblation(spec, premise, r, results), ...(h?.widen ? { widen: h.widen } : {}), ms: performance.now() - t0 };
}

/** Each premise of the search dropped in turn. */
export async function runAblation(spec: SearchSpec, o: SearchOptions): Promise<PremiseAblation[]> {
  const out: PremiseAblation[] = [];
  for (const h of hypothesesOf(spec).filter((x) => x.role === 'premise')) out.push(await ablatePremise(spec, h.name, o));
  return out;
}
