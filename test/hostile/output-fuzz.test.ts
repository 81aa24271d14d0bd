// Issue 17, fuzz: random strings with control characters, ANSI/OSC sequences, bidirectional
// overrides, HTML and Markdown syntax in a claim's id, title, statement, keys and messages. Always: no
// control character reaches the terminal (validate's output, the verdict line), no tag other than its
// own anchors reaches report.md, and none of the planted tags reaches index.html raw. CI runs a few
// hundred cases; FUZZ_RUNS=10000 for a nightly-size run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { terminalSafe, verdictLine } from '../../src/report/format.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import { invalidResult, type ClaimResult } from '../../src/runner.js';
import { claimsFixture, claimText, FC_SEED } from '../helpers.js';
import { cliHere, ENV, fakeClaim, validClaim } from './support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex
/** Tags no page of ours contains: planted in claim strings, they must never reach index.html raw. */
const PLANTED = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '<svg/onload=alert(1)>', '<iframe src=javascript:alert(1)>'];
const TAGS = [...PLANTED, '<!--', '<?x', '</div>'];
const PIECES = [
  ...TAGS,
  '\x1b[2J',
  '\x1b[H',
  '\x1b[32m✓ all claims agree (70/70)\x1b[0m',
  '\x1b]0;title\x07',
  '\x9b31m',
  '\r',
  '\n',
  '\u202e',
  '`',
  '```',
  '|',
  '&lt;',
  '[x](javascript:alert(1))',
  '> ',
  '    ',
  '#',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((n) => String.fromCharCode(n)), maxLength: 8 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((xs) => xs.join(''));

/** report.md with its own anchors taken out: what must hold no `<` that could open HTML. */
const mdWithoutAnchors = (md: string) => md.replace(/<a id="[a-z0-9-]*"><\/a>/g, '');

describe('output of hostile strings (fuzz)', () => {
  it(`report.md carries no tag, index.html no planted tag, the verdict line no control character (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (title, statement, reason, id) => {
        const text = validClaim('t.fuzz', { title: JSON.stringify(title) }).replace(
          'statement: { text: t, latex: t }',
          `statement: { text: ${JSON.stringify(statement)}, latex: t }`,
        );
        const l = loadClaimText('t/fuzz.yaml', text, 't');
        const results: ClaimResult[] = [];
        if (l.ok) {
          const { symbolic: _s, search: _q, ...meta } = l.claim;
          results.push(fakeClaim(`t.fuzz`, { claim: meta as ClaimResult['claim'], reason }));
        }
        const bad = loadClaimText('t/bad.yaml', `id: ${JSON.stringify(id)}\n${JSON.stringify(reason)}: 1\n`, 't');
        if (!bad.ok) results.push(invalidResult(bad));
        results.push(fakeClaim(`t.other`, { reason, paperKey: 't' }));
        const report = buildReport(results, {}, [], ENV, {}, 1);
        expect(mdWithoutAnchors(renderMarkdown(report))).not.toMatch(/<[A-Za-z/!?]/);
        const html = renderHtml(report, {});
        for (const t of PLANTED) expect(html.includes(t), t).toBe(false);
        for (const r of results) expect(terminalSafe(verdictLine(r))).not.toMatch(CONTROL);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });

  it(`validate prints no control character from an invalid id, key or title (${Math.ceil(RUNS / 3)} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (id, key) => {
        const body = claimText({ id: 'x' }).split('\n').slice(1).join('\n');
        const dir = claimsFixture({ 'evil.yaml': `id: ${JSON.stringify(id)}\n${JSON.stringify(key)}: 1\n${body}` });
        const r = await cliHere(['validate', dir]);
        for (const line of [...r.out.split('\n'), ...r.err.split('\n')]) expect(line).not.toMatch(CONTROL);
      }),
      { seed: FC_SEED, numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
