// report.md prints replay commands and file paths as code spans that hold any text: a path with ` or
// `` is fenced by a longer run of backticks (CommonMark §6.1), so the span reads back as the command.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { mdCode } from '../../src/report/markup.js';
import { buildReport } from '../../src/report/model.js';
import type { ClaimResult } from '../../src/runner.js';
import type { SearchResult, Witness } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';
import { TEST_ENVIRONMENT } from './fixtures.js';

/** The code spans of a line of Markdown, as CommonMark reads them: a run of n backticks to the next run of exactly n, one space stripped from each side when both have one. */
function codeSpans(line: string): string[] {
  const out: string[] = [];
  const runs = [...line.matchAll(/`+/g)];
  for (let i = 0; i < runs.length; i++) {
    const j = runs.findIndex((r, k) => k > i && r[0].length === runs[i][0].length);
    if (j < 0) continue;
    let body = line.slice(runs[i].index! + runs[i][0].length, runs[j].index!);
    if (body.startsWith(' ') && body.endsWith(' ') && body.trim()) body = body.slice(1, -1);
    out.push(body);
    i = j;
  }
  return out;
}

const FILE = 'my `odd` ``dir``/paper/c.yaml';
const REPLAY = `npx claimcheck replay '${FILE}' --values a=1,seed=4`;

const trial = (status: TrialResult['status']): TrialResult => ({
  status,
  values: { a: 1, seed: 4 },
  quantities: { q: -1 },
  hypotheses: {},
  property: { holds: false, robustness: -1, op: '>=', lhs: -1, rhs: 0 },
  ms: 1,
});

const witness: Witness = {
  values: { a: 1, seed: 4 },
  seed: 1,
  phase: 'cover',
  numShrinks: 0,
  original: { values: { a: 1, seed: 4 } },
  result: trial('fail'),
  recheck: { result: trial('fail'), bigNumberProperty: 'false', note: 'the violation survives the stricter re-run' },
  status: 'genuine',
  replay: REPLAY,
};

const search = {
  seed: 1,
  trialsRequested: 2,
  trialsRun: 2,
  counts: { pass: 1, fail: 1, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0, imprecise: 1 },
  outOfRegimeBy: {},
  minInRegime: 1,
  verdict: 'refuted',
  reason: 'counterexample (genuine)',
  problems: [],
  evidence: { inRegime: 2, randomInRegime: 1, failureRateBound: 0.9, phases: { cover: 1, random: 1, guided: 0 }, coverage: {} },
  space: { a: { size: 1, first: 1, last: 1 } },
  spaceSize: 1,
  budgetExhausted: false,
  trialsPerSecond: 1,
  reusedTrials: 0,
  ms: 1000,
  witness,
  imprecise: [{ values: { a: 1, seed: 5 }, message: 'decided below the rounding error', replay: `${REPLAY} | tee x` }],
} as unknown as SearchResult;

const claim: ClaimResult = {
  id: 'paper.c',
  file: FILE,
  paperKey: 'paper',
  expect: 'refuted',
  verdict: 'refuted',
  matches: true,
  reason: 'search: counterexample',
  symbolic: [],
  ms: 1000,
  searchSpec: { property: 'q >= 0', metrics: { q: { block: 'loss' } }, let: {}, hypotheses: {} } as unknown as ClaimResult['searchSpec'],
  search,
  claim: { title: 'T', statement: { text: 's', latex: 'x' }, source: { location: 'here' }, provenance: 'D' } as unknown as ClaimResult['claim'],
};

describe('report.md: replay commands and paths with backticks', () => {
  const md = renderMarkdown(buildReport([claim], {}, [], { ...TEST_ENVIRONMENT, command: `claimcheck run '${FILE}'` }, {}, 1000));
  const spans = md.split('\n').flatMap(codeSpans);

  it('the witness’s replay command, the imprecise trial’s (with a pipe, outside a table), the file and the command line read back whole', () => {
    expect(spans).toContain(REPLAY);
    expect(spans).toContain(`${REPLAY} | tee x`);
    expect(spans).toContain(FILE);
    expect(spans).toContain(`claimcheck run '${FILE}'`);
  });

  it('mdCode: a fence longer than any run inside, padded where the text starts or ends with a backtick; pipes escaped only in a table', () => {
    expect(mdCode('a ` b `` c', false)).toBe('```a ` b `` c```');
    expect(mdCode('`x`', false)).toBe('`` `x` ``');
    expect(codeSpans(mdCode('`x`', false))).toEqual(['`x`']);
    expect(mdCode('a | b')).toBe('`a \\| b`');
    expect(mdCode('a | b', false)).toBe('`a | b`');
  });
});
