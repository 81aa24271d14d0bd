// How the report describes a search's space and a symbolic step's numeric cross-check (issue 22): a grid
// by its values as written, a range only for the int, range and log domains; and what a step's "max error"
// measures, beside the failing point's two sides, in index.html and report.md alike.
import { describe, expect, it } from 'vitest';
import { domainText } from '../../src/report/format.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import type { ClaimResult } from '../../src/runner.js';
import type { SearchResult } from '../../src/search/search.js';
import type { StepResult } from '../../src/symbolic/check.js';
import { TEST_ENVIRONMENT } from './fixtures.js';

describe('a search variable’s domain', () => {
  it('a grid by its values, in the order written; a long one by its first three and its last', () => {
    expect(domainText({ grid: [1, 0.8, 0.6, 0.5] })).toBe('∈ {1, 0.8, 0.6, 0.5}');
    expect(domainText({ grid: [0.5, 1, 0.1] })).toBe('∈ {0.5, 1, 0.1}');
    expect(domainText({ grid: [1, 2, 3, 4, 5, 6, 7, 8, 9, 1e-4] })).toBe('∈ {1, 2, 3, …, 1.000e-4} (10 values)');
  });

  it('an int, range or log domain as its first and last value and its spacing', () => {
    expect(domainText({ int: [1, 8] })).toBe('∈ [1, 8], integers (8 values)');
    expect(domainText({ range: [0, 1], step: 0.3 })).toBe('∈ [0, 0.9] in steps of 0.3 (4 values)');
    expect(domainText({ log: [0.001, 1], per_decade: 2 })).toBe('∈ [0.001, 1], log-spaced, 2 per decade (7 values)');
  });
});

const SEARCH: SearchResult = {
  seed: 1,
  trialsRequested: 4,
  trialsRun: 4,
  counts: { pass: 4, fail: 0, 'out-of-regime': 0, diverged: 0, timeout: 0, error: 0, imprecise: 0 },
  outOfRegimeBy: {},
  minInRegime: 1,
  verdict: 'holds',
  reason: 'no counterexample',
  problems: [],
  evidence: { inRegime: 4, randomInRegime: 4, failureRateBound: 0.53, phases: { cover: 0, random: 4, guided: 0 }, coverage: {} },
  space: { c: { size: 4, first: 1, last: 0.5 }, n: { size: 8, first: 1, last: 8 } },
  spaceSize: 32,
  budgetExhausted: false,
  trialsPerSecond: 1,
  reusedTrials: 0,
  ms: 1000,
};

const step = (kind: StepResult['kind'], lhs: number, rhs: number, maxError: number, tolerance: string): StepResult =>
  ({
    id: `${kind}_step`,
    kind,
    verdict: 'refuted',
    message: `1 of 200 fail; worst at x=1: lhs=${lhs}, rhs=${rhs}`,
    cases: [
      {
        name: 'all',
        conditions: [],
        expression: 'x',
        cas: { result: 'nonzero', engine: 'none' },
        numeric: { points: 200, attempts: 200, failures: 1, maxError, tolerance, worst: { point: { x: 1 }, lhs, rhs } },
        verdict: 'refuted',
        message: '',
      },
    ],
  }) as unknown as StepResult;

const CLAIM: ClaimResult = {
  id: 't.described',
  file: 'claims/t/described.yaml',
  paperKey: 't',
  expect: 'holds',
  verdict: 'refuted',
  matches: false,
  reason: 'symbolic: refuted',
  symbolic: [
    step('conserved', -21.8, 0, 2084.22, '1e-6 relative (Richardson central difference along the flow)'),
    step('identity', 3, 1, 0.4, '|lhs − rhs| ≤ 1e-9·(1+|lhs|+|rhs|)'),
  ],
  ms: 1000,
  searchSpec: {
    property: 'l >= 0',
    metrics: { l: { block: 'loss' } },
    let: {},
    hypotheses: {},
    space: { c: { grid: [1, 0.8, 0.6, 0.5] }, n: { int: [1, 8] } },
  } as unknown as ClaimResult['searchSpec'],
  search: SEARCH,
};

const report = buildReport([CLAIM], {}, [], TEST_ENVIRONMENT, {}, 1000);
const md = renderMarkdown(report);
const html = renderHtml(report, {});

describe('the report', () => {
  it('shows a grid by its values, not as a range', () => {
    // report.md writes "[" as &#91; (no link syntax from a claim file)
    expect(md).toContain('- space (32 grid points, plus a per-trial seed): c ∈ {1, 0.8, 0.6, 0.5}; n ∈ &#91;1, 8], integers (8 values)');
    expect(html).toContain('<code>c</code> ∈ {1, 0.8, 0.6, 0.5}; <code>n</code> ∈ [1, 8], integers (8 values)');
    expect(md + html).not.toMatch(/1, 0\.5\] \(4 values\)/);
  });

  it('says what a step’s error measures, and names a conserved step’s two sides', () => {
    const conserved = 'largest relative error |dQ/dt − derivative| / (10⁻³·(1 + max|flow|·(1 + |Q|))) = 2084.22';
    const identity = 'largest relative error |lhs − rhs| / (1 + |lhs| + |rhs|) = 0.4';
    for (const out of [md, html]) {
      expect(out).not.toContain('max error');
      expect(out).toContain(`1 failing, ${conserved}`);
      expect(out).toContain(`1 failing, ${identity}`);
      expect(out).toContain('failing point: x = 1; dQ/dt along the flow = -21.8, expected derivative = 0');
      expect(out).toContain('failing point: x = 1; lhs = 3, rhs = 1');
    }
    expect(html).toContain('<span class="meta">tolerance: 1e-6 relative (Richardson central difference along the flow)</span>');
  });
});
