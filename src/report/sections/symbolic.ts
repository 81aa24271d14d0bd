// The symbolic steps: each case's computer-algebra result and its numeric cross-check.
import type { StepResult } from '../../symbolic/check.js';
import { claimAnchor, fmt, valuesText } from '../format.js';
import { escapeHtml as h, mdEscape as esc, tex } from '../markup.js';
import { defineSection } from './section.js';

/** A CAS answer that is not 0: which engines were asked (where the numbers already refuted the step, only the first; docs/claim-format.md). */
const notReduced = (cas: { engine: string; normalForm?: string }): string =>
  cas.engine === 'none' ? `not reduced${cas.normalForm ? ` (${cas.normalForm})` : ''}` : `not reduced to 0 by ${cas.engine}`;

/** "200 random points + 300 guided evaluations (least margin 1.2e-5 at x = 0.5)" for an inequality, else "200 points" */
function sampledText(n: StepResult['cases'][number]['numeric']): string {
  const g = n.guided;
  return g
    ? `${n.points} random points + ${g.evaluations} guided evaluations${g.least ? ` (least margin ${fmt(g.least.margin)} at ${valuesText(g.least.point)})` : ''}`
    : `${n.points} points`;
}

/**
 * What a case's "max error" measures, by the step's kind (symbolic/check.ts): the relative error of the two
 * sides, an inequality's relative violation, or a conserved quantity's derivative error relative to its scale.
 */
export function errorMeasure(kind: StepResult['kind']): string {
  if (kind === 'conserved') return 'relative error |dQ/dt − derivative| / (10⁻³·(1 + max|flow|·(1 + |Q|)))';
  if (kind === 'inequality') return 'relative violation −slack / (1 + |lhs| + |rhs|), 0 where it holds';
  return 'relative error |lhs − rhs| / (1 + |lhs| + |rhs|)';
}

/** A failing point's two sides, named for the step's kind (a conserved step compares dQ/dt along the flow with the expected derivative). */
function sidesText(kind: StepResult['kind'], w: { lhs: number; rhs: number }): string {
  return kind === 'conserved' ? `dQ/dt along the flow = ${fmt(w.lhs)}, expected derivative = ${fmt(w.rhs)}` : `lhs = ${fmt(w.lhs)}, rhs = ${fmt(w.rhs)}`;
}

/** "3 failing, largest relative error |lhs − rhs| / (1 + |lhs| + |rhs|) = 2.1e-3" */
const errorText = (kind: StepResult['kind'], n: StepResult['cases'][number]['numeric']) =>
  `${n.failures} failing, largest ${errorMeasure(kind)} = ${fmt(n.maxError)}`;

function stepHtml(s: StepResult): string {
  const cases = s.cases
    .map(
      (c) =>
        `<tr><td>${h(c.name)}</td><td>${c.conditions.length ? c.conditions.map((x) => `<code>${h(x)}</code>`).join(', ') : 'none'}</td><td>${h(c.verdict)}</td><td>${c.cas.result === 'zero' ? `reduced to 0 by ${h(c.cas.engine)}` : c.cas.result === 'failed' ? `failed (${h(c.cas.error ?? '')})` : `${h(notReduced(c.cas))}${c.cas.error ? ` (${h(c.cas.error)})` : ''}`}${c.cas.certificate ? `; certificate ${h(c.cas.certificate)}` : ''}</td><td>${h(sampledText(c.numeric))}, ${h(errorText(s.kind, c.numeric))}<br><span class="meta">tolerance: ${h(c.numeric.tolerance)}</span>${c.numeric.worst ? `<br>failing point: ${h(valuesText(c.numeric.worst.point))}; ${h(sidesText(s.kind, c.numeric.worst))}` : ''}</td></tr>`,
    )
    .join('');
  return `<li><strong>${h(s.id)}</strong> (${h(s.kind)}${s.sharedFrom ? `, shared with <a href="#${claimAnchor(s.sharedFrom)}">${h(s.sharedFrom)}</a>` : ''}): <span class="verdict">${s.verdict === 'verified' ? '✔' : s.verdict === 'numeric-only' ? '≈' : '✘'} ${h(s.verdict)}</span> — ${h(s.message)}
${s.statement ? `<div class="formula">${tex(s.statement, true)}</div>` : ''}
<table><thead><tr><th scope="col">case</th><th scope="col">conditions</th><th scope="col">verdict</th><th scope="col">computer algebra</th><th scope="col">numeric cross-check</th></tr></thead><tbody>${cases}</tbody></table></li>`;
}

function stepMarkdown(s: StepResult): string[] {
  const out = [`- **${s.id}** (${s.kind}${s.sharedFrom ? `, shared with ${s.sharedFrom}` : ''}): **${s.verdict}** — ${esc(s.message)}`];
  if (s.statement) out.push(`  - statement: $${s.statement}$`);
  for (const c of s.cases) {
    const cond = c.conditions.length ? c.conditions.join(', ') : 'no conditions';
    out.push(
      `  - case *${c.name}* (${cond}): ${c.verdict}. CAS: ${c.cas.result === 'zero' ? `reduced to 0 by ${c.cas.engine}` : c.cas.result === 'failed' ? `failed (${c.cas.error})` : notReduced(c.cas)}${c.cas.certificate ? `, certificate ${c.cas.certificate}` : ''}; numbers: ${sampledText(c.numeric)}, ${errorText(s.kind, c.numeric)} (tolerance ${c.numeric.tolerance}).`,
    );
    if (c.numeric.worst)
      out.push(
        `    - failing point: ${valuesText(c.numeric.worst.point)}; ${sidesText(s.kind, c.numeric.worst)}${c.numeric.worst.bigDifference ? `; difference in 64-digit arithmetic: ${c.numeric.worst.bigDifference.slice(0, 24)}` : ''}`,
      );
  }
  return out;
}

export default defineSection({
  id: 'symbolic',
  view: (c) => (c.symbolic.length ? c.symbolic : undefined),
  html: (steps) => `<h4>Symbolic steps</h4><ul>${steps.map(stepHtml).join('\n')}</ul>`,
  markdown: (steps) => ['**Symbolic steps** (the CAS proposes, numbers at seeded random points decide):', '', ...steps.flatMap(stepMarkdown), ''],
});
