// The symbolic section says which CAS engines answered a case that is not 0 (where the numbers already refuted it, only the first).
import { describe, expect, it } from 'vitest';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import type { ClaimResult } from '../../src/runner.js';
import { checkStep } from '../../src/symbolic/check.js';
import { TEST_ENVIRONMENT } from './fixtures.js';

describe('symbolic section: the engines asked', () => {
  it('names them for a case the CAS did not reduce to 0', () => {
    const refuted = checkStep(symbolicStepSchema.parse({ id: 'false', kind: 'identity', lhs: '(x^2)^(1/2)', rhs: 'x', variables: { x: [-2, 2] } }), 1);
    const open = checkStep(symbolicStepSchema.parse({ id: 'slack', kind: 'inequality', lhs: 'x^2', relation: '>=', rhs: '0', variables: { x: [-2, 2] } }), 1);
    const claim: ClaimResult = {
      id: 't.c',
      file: 'claims/t/c.yaml',
      paperKey: 't',
      expect: 'refuted',
      verdict: 'refuted',
      matches: true,
      reason: 'r',
      symbolic: [refuted, open],
      ms: 1,
    };
    const report = buildReport([claim], {}, [], TEST_ENVIRONMENT, {}, 1);
    const md = renderMarkdown(report);
    const html = renderHtml(report, {});
    const asked = 'not reduced to 0 by nerdamer-prime expand (the numbers refute it: no other engine asked)';
    expect(md).toContain(asked);
    expect(html).toContain(asked);
    expect(md).toContain('not reduced (no certificate given: the CAS cannot decide an inequality by itself)');
    expect(md).not.toContain('not reduced to 0 by none');
  });
});
