// How strong a search's "holds" is: distinct in-regime computations, which values of each variable
// ran in regime, a 95 % bound on the failure rate under the random phase's distribution, and the
// tightest trial (the smallest robustness ρ) with its replay command and how it fell.
import type { ClaimResult } from '../../runner.js';
import type { Evidence } from '../../search/search.js';
import { PHASE_WORDS } from '../../search/search.js';
import { fmt, valuesText } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc } from '../markup.js';
import { defineSection } from './section.js';

interface EvidenceView {
  e: Evidence;
  verdict: string;
  frequency: boolean;
  /** the claim file's reason why a flagged search is meaningful all the same */
  vacuityOk?: string;
  coverage: Array<{ name: string; text: string; complete: boolean }>;
  /** judged trials per phase, in words */
  phases: string;
  /** what the tightest trial's sides say about the search's sensitivity */
  sensitivity?: string;
}

const DESIGN_WORDS = {
  'all-combinations': 'every combination of the levels',
  pairwise: 'every pair of levels of every two variables',
  'each-value': 'every level of every variable',
};

function coverageText(c: Evidence['coverage'][string]): string {
  const all = c.run === c.of;
  if (c.values) return `${c.values.map(fmt).join(', ')}${c.missed?.length ? ` — never run: ${c.missed.map(fmt).join(', ')}` : ''} (${c.run} of ${c.of})`;
  return `${fmt(c.run)} of ${fmt(c.of)} values${all ? '' : ' (a large domain: sampled)'}`;
}

type Sides = NonNullable<NonNullable<Evidence['tightness']>['sides']>;

const sidesText = (x: Sides) => `${x.conjunct ? `${x.conjunct}: ` : ''}${fmt(x.lhs)} ${x.op} ${fmt(x.rhs)}`;

/**
 * How far the tightest trial was from failing, from its two sides: moving a bound by |lhs − rhs| fails
 * it. A sign property (one side 0) has ρ = 1 whenever it holds: ρ says nothing there, its other side does.
 */
function sensitivityText(x: Sides): string {
  const gap = Math.abs(x.lhs - x.rhs);
  if (x.lhs === 0 || x.rhs === 0) {
    const other = x.lhs === 0 ? x.rhs : x.lhs;
    return other === 0
      ? 'both sides are 0 at this trial: it holds with no margin'
      : `a sign comparison (one side is 0), so ρ is not a sensitivity there; its non-zero side at this trial is ${fmt(other)}`;
  }
  return `the two sides differ by |lhs − rhs| = ${fmt(gap)}, i.e. a bound moved by ${fmt(gap)} (${fmt((100 * gap) / Math.abs(x.rhs))} % of the right-hand side) would have failed at this trial`;
}

/** The running minimum of ρ against the trial number, as a small inline SVG (no axes library needed for a sparkline). */
function sparkline(trace: Array<{ trial: number; rho: number }>, total: number): string {
  if (trace.length < 2) return '';
  const W = 240,
    H = 48,
    lo = Math.min(0, ...trace.map((p) => p.rho)),
    hi = trace[0].rho;
  const x = (t: number) => ((t - 1) / Math.max(1, total - 1)) * (W - 8) + 4;
  const y = (r: number) => (hi === lo ? H / 2 : H - 4 - ((r - lo) / (hi - lo)) * (H - 8));
  let d = `M${x(trace[0].trial).toFixed(1)},${y(trace[0].rho).toFixed(1)}`;
  for (let i = 1; i < trace.length; i++) d += `H${x(trace[i].trial).toFixed(1)}V${y(trace[i].rho).toFixed(1)}`;
  d += `H${x(total).toFixed(1)}`;
  return `<svg class="spark" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="smallest robustness so far against the trial number, from ${h(fmt(trace[0].rho))} to ${h(fmt(trace[trace.length - 1].rho))}"><line x1="4" x2="${W - 4}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#c00" stroke-dasharray="3 3"/><path d="${d}" fill="none" stroke="#333"/></svg>`;
}

/** "95% upper bound … (1 − 0.05^{1/n}, …)": over the random phase's distinct in-regime trials only. */
function boundText(e: Evidence, power: string): string {
  if (!e.randomInRegime) return 'no failure-rate bound: no random-phase trial ran in regime (covering and guided trials are chosen, not drawn)';
  return `95% upper bound on the chance that a trial drawn as the random phase draws them is a counterexample: ${fmt(e.failureRateBound)} (1 − 0.05${power}, n = ${e.randomInRegime} distinct in-regime random-phase trials, all passed; covering and guided trials are chosen, not drawn, so they are not in it)`;
}

const repeatedText = (n: number) =>
  `${n} trial(s) repeated an earlier computation: the claim's trials draw no random number, so two trials at the same declared values are one computation, counted once`;

export default defineSection<EvidenceView>({
  id: 'evidence',
  view: (c: ClaimResult) => {
    const s = c.search;
    if (!s?.evidence) return undefined;
    const e = s.evidence;
    const phases = (Object.keys(e.phases) as Array<keyof typeof e.phases>)
      .filter((p) => e.phases[p])
      .map((p) => `${e.phases[p]} ${PHASE_WORDS[p]}`)
      .join(', ');
    return {
      e,
      verdict: s.verdict,
      frequency: !!s.frequency,
      vacuityOk: c.claim?.vacuity_ok,
      coverage: Object.entries(e.coverage).map(([name, cv]) => ({ name, text: coverageText(cv), complete: cv.run === cv.of })),
      phases: phases || 'none',
      ...(e.tightness?.sides ? { sensitivity: sensitivityText(e.tightness.sides) } : {}),
    };
  },
  html: ({ e, verdict, frequency, coverage, vacuityOk, phases, sensitivity }) => {
    const t = e.tightness;
    const total = e.phases.cover + e.phases.random + e.phases.guided;
    return `<h4>Evidence</h4>
<ul>
${e.vacuous ? `<li><strong>vacuous?</strong> ${h(e.vacuous)}${vacuityOk ? ` — the claim file explains: ${h(vacuityOk)}` : ''}</li>` : ''}
<li>${e.inRegime} distinct in-regime trials (no computation counted twice); trials run: ${h(phases)}${e.design ? `; the covering design ran ${h(DESIGN_WORDS[e.design])}` : ''}</li>
${e.repeated ? `<li>${h(repeatedText(e.repeated))}</li>` : ''}
${coverage.length ? `<li>values run in regime per variable:<ul>${coverage.map((c) => `<li><code>${h(c.name)}</code>: ${h(c.text)}</li>`).join('')}</ul></li>` : ''}
${verdict === 'holds' && !frequency ? `<li>${h(boundText(e, '^{1/n}'))}</li>` : ''}
${t ? `<li>tightness: the smallest robustness among passing trials is ρ = ${h(fmt(t.rho))} (trial ${t.trial}, ${h(PHASE_WORDS[t.phase])}: ${h(valuesText(t.values))}${t.sides ? `; there <code>${h(sidesText(t.sides))}</code>` : ''})${sensitivity ? ` — ${h(sensitivity)}` : ''}. Replay: <code class="replay">${h(t.replay)}</code> ${sparkline(t.trace, total)}</li>` : ''}
</ul>`;
  },
  markdown: ({ e, verdict, frequency, coverage, vacuityOk, phases, sensitivity }) => {
    const t = e.tightness;
    return [
      '**Evidence**:',
      '',
      ...(e.vacuous ? [`- **vacuous?** ${esc(e.vacuous)}${vacuityOk ? ` — the claim file explains: ${esc(vacuityOk)}` : ''}`] : []),
      `- ${e.inRegime} distinct in-regime trials (no computation counted twice); trials run: ${phases}${e.design ? `; the covering design ran ${DESIGN_WORDS[e.design]}` : ''}`,
      ...(e.repeated ? [`- ${repeatedText(e.repeated)}`] : []),
      ...coverage.map((c) => `- values of ${c.name} run in regime: ${c.text}`),
      ...(verdict === 'holds' && !frequency ? [`- ${boundText(e, '^(1/n)')}`] : []),
      ...(t
        ? [
            `- tightness: smallest robustness among passing trials ρ = ${fmt(t.rho)} (trial ${t.trial}, ${PHASE_WORDS[t.phase]}: ${valuesText(t.values)}${t.sides ? `; there \`${sidesText(t.sides)}\`` : ''})${sensitivity ? ` — ${sensitivity}` : ''}; it fell ${t.trace.map((p) => `${fmt(p.rho)} (trial ${p.trial})`).join(' → ')}; replay: ${mdCode(t.replay, false)}`,
          ]
        : []),
      '',
    ];
  },
});
