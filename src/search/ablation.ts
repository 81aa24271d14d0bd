// Hypothesis ablation: the search re-run with one premise dropped (and the space widened where the
// premise is enforced by the space itself), to see whether the theorem needs that premise here.
import { hypothesesOf, type SearchSpec } from '../claims/schema.js';
import { compileExpr } from '../core/expr.js';
import { robustness } from '../core/robustness.js';
import { runSearch, type SearchOptions, type SearchResult } from './search.js';
import type { TrialValues } from './space.js';
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
  witness?: { values: TrialValues; status: 'genuine' | 'potential'; replay: string };
  ms: number;
}

/** The search without the named premise: that hypothesis removed, the space widened as the premise says. */
export function ablatedSpec(spec: SearchSpec, premise: string): SearchSpec {
  const h = hypothesesOf(spec).find((x) => x.name === premise);
  if (!h) throw new Error(`no hypothesis "${premise}"`);
  const hypotheses = Object.fromEntries(Object.entries(spec.hypotheses).filter(([k]) => k !== premise));
  return { ...spec, hypotheses, space: { ...spec.space, ...(h.widen ?? {}) }, full: undefined };
}

/** Does a judged trial lie outside the premise? (its expression false, evaluated on the trial's values and quantities; NaN counts as not known) */
function outsidePremise(when: string): (r: TrialResult) => boolean {
  const rho = robustness(compileExpr(when));
  return (r) => {
    const v = rho({ ...r.values, ...r.quantities });
    return !Number.isNaN(v) && v < 0;
  };
}

/** The words of an outcome (the report's text). */
export function describeAblation(
  a: Pick<PremiseAblation, 'outcome' | 'outside' | 'outsideFailed' | 'inRegime' | 'witness'> & { searchReason: string },
): string {
  switch (a.outcome) {
    case 'needed':
      return `needed: without it the search is refuted (${a.witness?.status ?? 'frequency below the bound'})${a.outside ? `; ${a.outsideFailed} of ${a.outside} trials outside the premise failed` : ''}`;
    case 'claim-refuted':
      return a.witness
        ? `the search without this premise found a counterexample that satisfies it: the claim itself fails (${a.searchReason})`
        : `without this premise the frequency is below the bound, but no trial outside it failed the event: the claim itself fails (${a.searchReason})`;
    case 'not-needed':
      return `not needed in this space: ${a.outside} in-regime trial(s) violated it and none failed`;
    case 'untestable':
      return a.outside === 0
        ? `untestable here: no in-regime trial violated it (${a.inRegime} in regime); the space never leaves the premise — give it a \`widen\``
        : `untestable here: ${a.searchReason}`;
  }
}

export function classifyAblation(spec: SearchSpec, premise: string, r: SearchResult, results?: TrialResult[]): Omit<PremiseAblation, 'ms' | 'widen'> {
  const h = hypothesesOf(spec).find((x) => x.name === premise)!;
  const outside = outsidePremise(h.when);
  const judged = results ?? [];
  let n = 0,
    failed = 0;
  for (const t of judged)
    if ((t.status === 'pass' || t.status === 'fail') && outside(t)) {
      n++;
      if (t.status === 'fail') failed++;
    }
  const inRegime = r.counts.pass + r.counts.fail;
  let outcome: AblationOutcome;
  const w = r.witness;
  if (r.verdict === 'refuted') {
    if (w) outcome = outside(w.result) || outside(w.recheck.result) ? 'needed' : 'claim-refuted';
    // a frequency claim has no witness: the premise is needed only if trials outside it failed the event
    else outcome = failed > 0 ? 'needed' : 'claim-refuted';
  } else if (r.verdict === 'holds' && n > 0) outcome = 'not-needed';
  else outcome = 'untestable';
  const base = { outcome, outside: n, outsideFailed: failed, inRegime, witness: w && { values: w.values, status: w.status, replay: w.replay } };
  return {
    premise,
    when: h.when,
    ...base,
    reason: describeAblation({ ...base, searchReason: r.reason }),
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
