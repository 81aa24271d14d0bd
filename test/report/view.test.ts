// The verdict and agreement words come from one table (report/format.ts): the CLI's verdict line,
// index.html and report.md print exactly those words, so the three cannot drift apart.
import { describe, expect, it } from 'vitest';
import { AGREEMENT_WORDS, VERDICT_WORDS, verdictLine } from '../../src/report/format.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import { reportView } from '../../src/report/view.js';
import type { ClaimResult, Verdict } from '../../src/runner.js';
import { TEST_ENVIRONMENT } from './fixtures.js';

const ENV = TEST_ENVIRONMENT;

const claim = (verdict: Verdict, matches: boolean): ClaimResult => ({
  id: `t.${verdict}-${matches ? 'agrees' : 'disagrees'}`,
  file: `claims/t/${verdict}.yaml`,
  paperKey: 't',
  expect: 'holds',
  verdict,
  matches,
  reason: `reason of ${verdict}`,
  symbolic: [],
  ms: 1000,
});

const VERDICTS: Verdict[] = ['holds', 'refuted', 'inconclusive', 'unstable', 'invalid'];
const claims = [...VERDICTS.map((v) => claim(v, v === 'holds')), claim('refuted', true)];
const report = buildReport(claims, {}, [], ENV, {}, 1000);
const view = reportView(report);
const html = renderHtml(report, {});
const md = renderMarkdown(report);

describe('report view: one set of verdict words', () => {
  it('pins the words each rendering prints', () => {
    expect(VERDICT_WORDS).toEqual({
      holds: { symbol: '✔', word: 'holds', heading: 'HOLDS (no counterexample found)', short: 'holds' },
      refuted: { symbol: '✘', word: 'refuted', heading: 'REFUTED', short: 'REFUTED' },
      inconclusive: { symbol: '?', word: 'inconclusive', heading: 'INCONCLUSIVE', short: 'inconclusive' },
      unstable: { symbol: '~', word: 'unstable', heading: 'UNSTABLE (the verdict flips between run seeds)', short: 'UNSTABLE' },
      invalid: { symbol: '⚠', word: 'invalid file', heading: 'INVALID claim file', short: 'INVALID' },
    });
  });

  it('the CLI, the HTML page and report.md print the view model’s verdict and agreement words', () => {
    expect(view.claims).toHaveLength(claims.length);
    for (const v of view.claims) {
      const c = v.result;
      expect(v.words).toBe(VERDICT_WORDS[c.verdict]);
      const a = AGREEMENT_WORDS[v.agreement];
      // CLI
      expect(verdictLine(c)).toBe(
        `${c.matches ? '✓' : '✗'} ${c.id}: ${v.words.short} (${c.verdict === 'invalid' ? a.word : c.matches ? 'as expected' : 'expected holds'}) — ${c.reason}`,
      );
      // HTML: the overview row and the claim's own header
      const cell = `<span class="verdict" data-verdict="${c.verdict}">${v.words.symbol} ${v.words.word}</span>`;
      const agreement = `<span class="agree-${a.tone}">${a.symbol} ${a.word}${a.detail ? `: ${a.detail}` : ''}</span>`;
      expect(html).toContain(`<tr data-claim="${c.id}"><td><a href="#${v.anchor}">${c.id}</a></td><td>holds</td><td>${cell}</td><td>${agreement}</td>`);
      expect(html).toContain(`<p>Our verdict: ${cell} · the paper asserts: this holds · ${agreement}</p>`);
      // Markdown: the overview row and the claim's own header
      const mdAgreement = a.loud ? `**${a.word}**` : a.word;
      expect(md).toContain(`| [${c.id}](#${v.anchor}) | t | holds | ${c.verdict} | ${mdAgreement} |`);
      expect(md).toContain(`**Verdict: ${v.words.heading}** · the paper asserts: this holds · ${mdAgreement}`);
    }
  });

  it('agreement: one kind per claim, as the overview and the CLI count it', () => {
    expect(view.claims.map((v) => v.agreement)).toEqual(['agrees', 'disagrees', 'undecided', 'unstable', 'invalid', 'agrees']);
    expect(md).toContain(`**${report.summary.matching} of ${report.summary.claims} claims agree`);
    expect(view.attention.map((v) => v.id)).toEqual(['t.invalid-disagrees', 't.refuted-disagrees', 't.unstable-disagrees', 't.inconclusive-disagrees']);
  });
});
