// Issue 19 in the report: the witness card's re-checks (float64, refined step, double-double along the
// same steps, 64 digits, where the paths part), imprecise trials counted and listed, how much of each
// path a watch saw beside the verdict, and the arithmetic — in index.html and report.md alike; an
// imprecise witness is never called a counterexample, and reports from before these fields still render.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffReports, formatDiff } from '../../src/report/diff.js';
import { verdictLine } from '../../src/report/format.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport, type Report } from '../../src/report/model.js';
import { readReportFile } from '../../src/report/read.js';
import type { ClaimResult } from '../../src/runner.js';
import type { Evidence, SearchResult, Witness } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';
import { TEST_ENVIRONMENT } from './fixtures.js';

const ENV = TEST_ENVIRONMENT;

const HOSTILE = '<img src=x onerror=alert(1)>';

const trial = (status: TrialResult['status'], lhs: number, extra: Partial<TrialResult> = {}): TrialResult => ({
  status,
  values: { alpha: 0.01, seed: 4 },
  quantities: { slack: lhs },
  hypotheses: {},
  property: { holds: lhs >= 0, robustness: lhs >= 0 ? 1 : -1, op: '>=', lhs, rhs: 0 },
  ms: 1,
  ...extra,
});

const EVIDENCE: Evidence = {
  inRegime: 8,
  randomInRegime: 5,
  failureRateBound: 0.45,
  phases: { cover: 3, random: 5, guided: 0 },
  coverage: {},
};

function search(over: Partial<SearchResult> = {}): SearchResult {
  return {
    seed: 1,
    trialsRequested: 12,
    trialsRun: 12,
    counts: { pass: 8, fail: 0, 'out-of-regime': 1, diverged: 0, timeout: 0, error: 0, imprecise: 3 },
    outOfRegimeBy: {},
    minInRegime: 6,
    verdict: 'holds',
    reason: 'no counterexample',
    problems: [],
    evidence: EVIDENCE,
    space: { alpha: { size: 3, first: 0.01, last: 0.1 } },
    spaceSize: 3,
    budgetExhausted: false,
    trialsPerSecond: 1,
    reusedTrials: 0,
    ms: 1000,
    ...over,
  };
}

function claim(id: string, s: SearchResult, over: Partial<ClaimResult> = {}): ClaimResult {
  return {
    id,
    file: `claims/t/${id}.yaml`,
    paperKey: 't',
    expect: 'holds',
    verdict: s.verdict,
    matches: s.verdict === 'holds',
    reason: `search: ${s.reason}`,
    symbolic: [],
    ms: 1000,
    searchSpec: {
      property: 'slack >= 0',
      metrics: { slack: { block: 'path-extreme' } },
      let: {},
      hypotheses: {},
      model: { block: 'deep-linear' },
    } as unknown as ClaimResult['searchSpec'],
    search: s,
    ...over,
  };
}

/** A claim file's own fields, with what a counterexample would mean. */
const meta = (counterexampleMeans: string) =>
  ({
    title: 'T',
    statement: { text: 's', latex: 'x' },
    source: { location: 'here' },
    provenance: 'D',
    tested_object: { what: 'w', counterexample_means: counterexampleMeans },
  }) as unknown as ClaimResult['claim'];

const GENUINE: Witness = {
  values: { alpha: 0.01, seed: 103156 },
  seed: 1,
  phase: 'cover',
  numShrinks: 0,
  original: { values: { alpha: 0.01, seed: 103156 } },
  result: trial('fail', -18.86895553385409),
  recheck: {
    result: trial('fail', -17.917954001723835),
    bigNumberProperty: 'false',
    note: 'the violation survives the stricter re-run',
    precise: trial('fail', -18.868955533854177, {
      precision: { arithmetic: 'double-double', sameStepsAs: 'float64', part: { step: 7, loss: 0.123456789012, what: `w11 reads 2 in float64, 3 ${HOSTILE}` } },
    }),
    preciseNote: 'double-double (about 32 digits) along the float64 run’s own steps fails too',
  },
  status: 'genuine',
  replay: 'npx claimcheck replay t.genuine --values alpha=0.01,seed=103156',
};

const IMPRECISE: Witness = {
  ...GENUINE,
  result: trial('fail', -60.8123456789),
  recheck: {
    result: trial('fail', -59.9),
    bigNumberProperty: 'false',
    note: 'the violation survives the stricter re-run',
    precise: trial('pass', 0.2333971234, {
      precision: {
        arithmetic: 'double-double',
        sameStepsAs: 'float64',
        part: { step: 4901, loss: 0.0213, what: 'slack: float64 stopped watching, double-double counted the step' },
      },
    }),
    preciseNote: 'double-double gives "pass": float64 rounding explains the failure',
  },
  status: 'imprecise',
  replay: 'npx claimcheck replay t.imprecise --values alpha=0.01,seed=103156',
};

const IMPRECISE_TRIALS: NonNullable<SearchResult['imprecise']> = [
  {
    values: { alpha: 0.01, seed: 4 },
    message: `slack: "det <= 1e-26 * fro^2" is decided at step 4373 by a difference below the rounding error ${HOSTILE}`,
    replay: 'npx claimcheck replay t.x --values alpha=0.01,seed=4',
    part: { step: 4373, loss: 0.0251, what: 'slack: float64 skipped the step, double-double counted the step' },
  },
  { values: { alpha: 0.1, seed: 7081 }, message: 'slack: decided at step 4841', replay: 'npx claimcheck replay t.x --values alpha=0.1,seed=7081' },
];

const genuineClaim = claim(
  't.genuine',
  search({
    verdict: 'refuted',
    reason: 'counterexample (genuine)',
    counts: { pass: 0, fail: 1, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0, imprecise: 0 },
    witness: GENUINE,
  }),
  { expect: 'refuted', matches: true, claim: meta(`the bound is false ${HOSTILE}`) },
);
const impreciseClaim = claim(
  't.imprecise',
  search({ verdict: 'inconclusive', reason: '1 trial(s) imprecise', witness: IMPRECISE, imprecise: IMPRECISE_TRIALS }),
  { claim: meta('MEANING-OF-A-COUNTEREXAMPLE') },
);
const watchedClaim = claim(
  't.watched',
  search({
    counts: { pass: 8, fail: 0, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0, imprecise: 0 },
    evidence: {
      ...EVIDENCE,
      precision: 'double-double',
      watch: {
        slack: { trials: 8, minFraction: 0.17345, stopped: 8, highestStopLoss: 0.0213, reachedLoss: 0.0213 },
        detmin: { trials: 8, minFraction: 1, stopped: 0, reachedLoss: 0.03, required: 0.02 },
        gap: { trials: 8, minFraction: 1, stopped: 0, reachedLoss: 0.01, required: 0.02 },
      },
    },
  }),
);

function render(claims: ClaimResult[], options: Report['options'] = {}) {
  const report = buildReport(claims, {}, [], ENV, options, 1000);
  return { html: renderHtml(report, {}), md: renderMarkdown(report), report };
}

/** The HTML of one claim's section, or report.md's lines from its heading to the next claim's. */
const htmlOf = (html: string, id: string) => html.slice(html.indexOf(`<section class="claim" id="claim-${id.replace(/\./g, '-')}"`)).split('</section>')[0];
const mdOf = (md: string, id: string) =>
  md
    .slice(md.indexOf(`<a id="claim-${id.replace(/\./g, '-')}"></a>`))
    .split('\n<a id=')[0]
    .split('\n## ')[0];

describe('the witness card shows each re-check', () => {
  const { html, md } = render([genuineClaim]);
  const h = htmlOf(html, 't.genuine'),
    m = mdOf(md, 't.genuine');

  it('a table of the deciding comparison in float64, the refined step and double-double, to about 10 digits, with the 64-digit inequality', () => {
    expect(h).toContain('<tr><th scope="row">float64, the witness</th><td>fail</td><td><code>-18.86895553 &gt;= 0</code></td></tr>');
    expect(h).toContain('<tr><th scope="row">float64, refined step (discretization)</th><td>fail</td><td><code>-17.917954 &gt;= 0</code></td></tr>');
    expect(h).toContain(
      '<tr><th scope="row">double-double (about 32 digits), the same steps (rounding)</th><td>fail</td><td><code>-18.86895553 &gt;= 0</code></td></tr>',
    );
    expect(h).toContain('<th scope="row">64 digits, final inequality</th><td colspan="2"><code>false</code>');
    expect(m).toContain('| float64, the witness | fail | `-18.86895553 >= 0` |');
    expect(m).toContain('| float64, refined step (discretization) | fail | `-17.917954 >= 0` |');
    expect(m).toContain('| double-double (about 32 digits), the same steps (rounding) | fail | `-18.86895553 >= 0` |');
    expect(m).toContain("- 64 digits: `false` (the final inequality on the refined run's values, in 64-digit arithmetic)");
  });

  it('the step where the two precisions part, both notes, and the status with its meaning', () => {
    for (const text of [h, m]) {
      expect(text).toContain('Counterexample (genuine, 0 shrinks) — neither rounding nor discretization explains it');
      expect(text).toContain('step 7 (loss 0.123456789): w11 reads 2 in float64, 3 ');
      expect(text).toContain('discretization: the violation survives the stricter re-run');
      expect(text).toContain('rounding: double-double (about 32 digits) along the float64 run’s own steps fails too');
    }
    expect(h).toContain('where float64 and double-double part');
    expect(html).toContain('<span class="badge">genuine witness</span>');
  });

  it('text that came from a claim or a trial is escaped, as elsewhere in the report', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('3 &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('the bound is false &lt;img');
    expect(md).not.toMatch(/<img/);
    expect(md).toContain('3 &lt;img src=x onerror=alert(1)>');
  });

  it('a potential witness says that one cause could not be ruled out', () => {
    const potential = claim('t.potential', search({ verdict: 'refuted', witness: { ...GENUINE, status: 'potential' } }));
    const r = render([potential]);
    for (const text of [r.html, r.md]) expect(text).toContain('Counterexample (potential, 0 shrinks) — rounding or discretization could not be ruled out');
  });
});

describe('an imprecise witness is never presented as a counterexample', () => {
  const { html, md, report } = render([impreciseClaim]);
  const h = htmlOf(html, 't.imprecise'),
    m = mdOf(md, 't.imprecise');
  // the card alone (the claim's source section says what a counterexample would mean)
  const card = h.slice(h.indexOf('<div class="card')).split('</div>')[0],
    cardMd = m.slice(m.indexOf('#### ')).split('\n\n**')[0];

  it('its card says what it is, and which run rounding explains', () => {
    expect(h).toContain('<div class="card card-imprecise" role="group" aria-label="imprecise failure, not a counterexample, for t.imprecise"');
    expect(h).toContain('<h5>Imprecise failure (0 shrinks) — rounding explains it: not a counterexample</h5>');
    expect(m).toContain('#### Imprecise failure (0 shrinks) — rounding explains it: not a counterexample');
    expect(h).toContain('<td>pass</td><td><code>0.2333971234 &gt;= 0</code></td>');
    expect(m).toContain('| double-double (about 32 digits), the same steps (rounding) | pass | `0.2333971234 >= 0` |');
    for (const text of [h, m]) expect(text).toContain('step 4901 (loss 0.0213): slack: float64 stopped watching, double-double counted the step');
  });

  it('no heading, badge, aria label, table cell or CLI line calls it a counterexample', () => {
    const withoutNegation = (t: string) => t.replace(/not a counterexample|neither counterexamples? nor|no counterexample/gi, '');
    expect(card).toContain('not a counterexample');
    expect(cardMd).toContain('not a counterexample');
    expect(withoutNegation(card)).not.toMatch(/counterexample/i);
    expect(withoutNegation(cardMd)).not.toMatch(/counterexample/i);
    expect(card).not.toContain('MEANING-OF-A-COUNTEREXAMPLE');
    expect(cardMd).not.toContain('MEANING-OF-A-COUNTEREXAMPLE');
    expect(html).toContain('<span class="badge">imprecise, not a counterexample</span>');
    expect(md).toContain('| inconclusive (imprecise, not a counterexample) |');
    expect(verdictLine(report.claims[0])).toContain('[imprecise, not a counterexample: npx claimcheck replay t.imprecise');
    const before = buildReport([claim('t.imprecise', search())], {}, [], ENV, {}, 1);
    expect(formatDiff(diffReports(before, report))).toContain('new imprecise failure (rounding explains it: not a counterexample)');
    expect(formatDiff(diffReports(before, render([genuineClaim]).report))).toContain('new counterexample');
  });
});

describe('imprecise trials are counted and listed', () => {
  const { html, md } = render([impreciseClaim]);

  it('in the trial counts and the overview chips', () => {
    expect(html).toContain('data-imprecise="3">8 in regime · 1 out · 0 diverged/failed · 3 imprecise</span>');
    expect(md).toContain('| 8 in regime / 1 out / 0 failed to run / 3 imprecise |');
    for (const text of [html, md]) expect(text).toContain('0 errors, 3 imprecise (the arithmetic could not decide them: neither counterexamples nor passes)');
  });

  it('each with why, where the precisions part, and its replay command (the first ones when there are more)', () => {
    expect(html).toContain('imprecise: alpha = 0.01, seed = 4 — slack: &quot;det &lt;= 1e-26 * fro^2&quot; is decided at step 4373');
    expect(md).toContain('imprecise: alpha = 0.01, seed = 4 — slack: "det <= 1e-26 * fro^2" is decided at step 4373');
    for (const text of [html, md]) {
      expect(text).toContain('3 imprecise trial(s): the arithmetic could not decide them, so they are neither counterexamples nor passes (the first 2 listed)');
      expect(text).toContain(
        'the float64 and double-double paths part at step 4373 (loss 0.0251): slack: float64 skipped the step, double-double counted the step',
      );
      expect(text).toContain('imprecise: alpha = 0.1, seed = 7081 — slack: decided at step 4841');
    }
    expect(html).toContain('<code class="replay">npx claimcheck replay t.x --values alpha=0.01,seed=4</code>');
    expect(md).toContain('replay: `npx claimcheck replay t.x --values alpha=0.01,seed=4`');
    expect(html).not.toContain(HOSTILE);
  });
});

describe('how much of the path each watch saw, beside the verdict', () => {
  const { html, md } = render([watchedClaim]);
  const h = htmlOf(html, 't.watched'),
    m = mdOf(md, 't.watched');
  const partial =
    'holds on the watched part of the path only: the watch of slack stopped in 8 of 8 trial(s), the highest at loss 0.0213; at least 17.3 % of every path watched; the steps after a watch stopped were not checked';

  it('a "holds" that rests on paths watched in part says so next to the verdict', () => {
    expect(h).toMatch(new RegExp(`<p>Our verdict: .*</p>\\n<p class="watched-only"><strong>${partial.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</strong></p>`));
    expect(m).toContain(`· undecided\n\n**${partial}**`.replace('· undecided', '· agrees'));
    expect(html).toContain('<span class="badge">path watched in part</span>');
    expect(md).toContain('| holds (path watched in part) |');
  });

  it('per watched metric: stops, the fraction watched, and whether every trial reached watched_to_loss', () => {
    // the metric's name is code: <code>slack</code> in HTML, `slack` in Markdown
    for (const text of [h.replace(/<\/?span[^>]*>/g, ''), m.replace(/`(\w+)`:/g, '$1</code>:')]) {
      expect(text).toContain('slack</code>: stopped in 8 of 8 trial(s), the highest at loss 0.0213; at least 17.3 % of every path watched');
      expect(text).toContain(
        "detmin</code>: never stopped in 8 trial(s): every path watched to its end; not every trial's watch reached loss 0.02 (watched_to_loss): one stopped or ended at loss 0.03",
      );
      expect(text).toContain("gap</code>: never stopped in 8 trial(s): every path watched to its end; every trial's watch reached loss 0.02 (watched_to_loss)");
    }
  });

  it('a refuted or fully watched search carries no such qualifier', () => {
    const full = claim(
      't.full',
      search({
        evidence: { ...EVIDENCE, watch: { slack: { trials: 8, minFraction: 1, stopped: 0, reachedLoss: 0.01 } } },
        counts: { ...search().counts, imprecise: 0 },
      }),
    );
    const r = render([full, genuineClaim]);
    for (const text of [r.html, r.md]) {
      expect(text).not.toContain('watched part of the path only');
      expect(text).not.toContain('path watched in part');
    }
  });
});

describe('the arithmetic', () => {
  it('a search in double-double says so, and --precision is shown in the header', () => {
    const { html, md } = render([watchedClaim], { precision: 'dd' });
    expect(html).toContain('<h4>Numerical search <span class="meta">(double-double, about 32 digits; evidence, not proof)</span></h4>');
    expect(md).toContain('**Numerical search** (double-double, about 32 digits; evidence, not proof):');
    for (const text of [html, md]) {
      expect(text).toContain('trials in double-double (about 32 digits)');
      expect(text).toContain(
        "--precision dd</code> — every trial in double-double (about 32 digits), whatever the claims' search.precision".replace(
          '</code>',
          md === text ? '`' : '</code>',
        ),
      );
    }
  });

  it('a claim asking for double-double but run with --precision float64 says which ran', () => {
    const asked = claim('t.asked', search(), {});
    asked.searchSpec = { ...asked.searchSpec!, precision: 'dd' };
    const { html, md } = render([asked], { precision: 'float64' });
    for (const text of [html, md]) expect(text).toContain('trials in float64 (about 16 digits) — ');
    expect(md).toContain("trials in float64 (about 16 digits) — `--precision float64` on the command line, not the claim's search.precision (double-double)");
    expect(md).toContain("Arithmetic: `--precision float64` — every trial in float64, whatever the claims' search.precision.");
  });

  it('float64 without --precision: no header line, the search says float64', () => {
    const { html, md } = render([genuineClaim]);
    expect(md).toContain('**Numerical search** (float64; evidence, not proof):');
    for (const text of [html, md]) {
      expect(text).toContain('0 errors, 0 imprecise (at least 6');
      expect(text).not.toContain('--precision');
      expect(text).not.toContain('Arithmetic and watched paths');
    }
  });
});

describe('reports from before certified witnesses still render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-certified-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no imprecise count, no precision, no watch, a witness without the double-double re-run', () => {
    const { imprecise: _i, ...oldCounts } = search().counts;
    const oldWitness: Witness = {
      ...GENUINE,
      recheck: { result: GENUINE.recheck.result, bigNumberProperty: 'false', note: 'the violation survives the stricter re-run' },
    };
    const old = claim('t.old', search({ verdict: 'refuted', counts: oldCounts as SearchResult['counts'], witness: oldWitness }));
    const file = join(dir, 'report.json');
    writeFileSync(file, JSON.stringify(buildReport([old], {}, [], ENV, {}, 1)));
    const report = readReportFile(file);
    const page = renderHtml(report, {});
    const html = htmlOf(page, 't.old'),
      md = mdOf(renderMarkdown(report), 't.old');
    for (const text of [html, md]) {
      expect(text).toContain(
        'Counterexample (genuine, 0 shrinks) — discretization and the 64-digit final inequality ruled out; rounding not checked (a report from before the double-double re-check)',
      );
      expect(text).toContain('a report from before the double-double re-check: rounding was not checked');
      expect(text).toContain('0 errors (at least 6 in-regime trials needed)');
      expect(text).not.toMatch(/\d imprecise|undefined|NaN/);
    }
    expect(page).toContain('data-imprecise="0">8 in regime · 1 out · 0 diverged/failed</span>');
    expect(md).toContain('**Numerical search** (float64; evidence, not proof):');
  });
});
