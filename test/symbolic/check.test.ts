import { describe, expect, it } from 'vitest';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { reducesToZero } from '../../src/symbolic/cas.js';
import { checkStep, syntacticallyNonnegative } from '../../src/symbolic/check.js';
import { parse } from 'mathjs';

const leakyCases = [
  { name: 'z > 0', when: ['z > 0'], define: { 'phi(t)': 't', 'dphi(t)': '1' } },
  { name: 'z < 0', when: ['z < 0'], define: { 'phi(t)': 'gamma * t', 'dphi(t)': 'gamma' } },
];
const neuronFlow = {
  where: { z: 'w1*x1 + w2*x2' },
  flow: { w1: '-g * v * dphi(z) * x1', w2: '-g * v * dphi(z) * x2', v: '-g * phi(z)' },
  variables: { w1: [-2, 2], w2: [-2, 2], v: [-2, 2], x1: [-2, 2], x2: [-2, 2], g: [-2, 2], gamma: [0, 1] },
  cases: leakyCases,
};
const step = (s: object) => symbolicStepSchema.parse(s);

describe('the CAS wrapper', () => {
  it('reduces polynomial and rational identities to 0', () => {
    expect(reducesToZero('(a+b)^2 - a^2 - 2*a*b - b^2').result).toBe('zero');
    expect(reducesToZero('(1+g^2)/(1+g)^2 - 1/2 - (1/2)*((1-g)/(1+g))^2').result).toBe('zero');
    expect(reducesToZero('(x+1)^2 - x^2 - 2*x').result).toBe('nonzero');
  });

  it('recognizes syntactically non-negative certificates', () => {
    const nn = new Set(['a']);
    expect(syntacticallyNonnegative(parse('(x-y)^2 + a * abs(z)'), nn)).toBe(true);
    expect(syntacticallyNonnegative(parse('x^2 - 1'), nn)).toBe(false);
    expect(syntacticallyNonnegative(parse('b * x^2'), nn)).toBe(false);
  });
});

describe('symbolic steps', () => {
  it('verifies balancedness on both sign regions of the leaky ReLU (case split)', () => {
    const r = checkStep(step({ id: 'bal', kind: 'conserved', quantity: 'w1^2 + w2^2 - v^2', ...neuronFlow }), 1);
    expect(r.verdict).toBe('verified');
    expect(r.cases.map((c) => c.verdict)).toEqual(['verified', 'verified']);
    expect(r.cases.every((c) => c.numeric.points >= 200)).toBe(true);
    // each case is simplified with its own definitions substituted
    expect(r.cases[1].expression).toContain('gamma');
    expect(r.cases[0].expression).not.toContain('gamma');
  });

  it('refutes a quantity that is not conserved, with a failing point', () => {
    const r = checkStep(step({ id: 'nd', kind: 'conserved', quantity: 'sqrt(w1^2 + w2^2) - abs(v)', ...neuronFlow }), 1);
    expect(r.verdict).toBe('refuted');
    expect(r.cases[0].numeric.worst).toBeDefined();
    expect(r.cases[0].numeric.failures).toBeGreaterThan(0);
  });

  it('refutes balancedness when one case is written wrongly (only that case fails)', () => {
    const bad = { ...neuronFlow, cases: [leakyCases[0], { ...leakyCases[1], define: { 'phi(t)': 'gamma * t', 'dphi(t)': '1' } }] };
    const r = checkStep(step({ id: 'bal', kind: 'conserved', quantity: 'w1^2 + w2^2 - v^2', ...bad }), 1);
    expect(r.cases.map((c) => c.verdict)).toEqual(['verified', 'refuted']);
    expect(r.verdict).toBe('refuted');
  });

  it('reports a CAS claim of equality that the numbers contradict as a CAS fault', () => {
    // nerdamer differentiates max(0, x) to 0 (anchors note §A3); the flow ẋ = 1 moves it at rate 1 for x > 0.
    const r = checkStep(step({ id: 'relu', kind: 'conserved', quantity: 'max(0, x)', flow: { x: '1' }, variables: { x: [0.1, 2] } }), 3);
    expect(r.verdict).toBe('cas-fault');
    expect(r.cases[0].cas.result).toBe('zero');
  });

  it('says numeric-only when the CAS cannot reduce a true identity', () => {
    const r = checkStep(step({ id: 'tanh', kind: 'identity', lhs: 'tanh(x)', rhs: '(exp(2*x) - 1) / (exp(2*x) + 1)', variables: { x: [-3, 3] } }), 1);
    expect(r.verdict).toBe('numeric-only');
  });

  it('refutes a false identity even at few digits', () => {
    const r = checkStep(step({ id: 'w', kind: 'identity', lhs: '(x+1)^2', rhs: 'x^2 + 2*x + 1.000001', variables: { x: [-3, 3] } }), 1);
    expect(r.verdict).toBe('refuted');
  });

  it('verifies an inequality with a certificate, and only numerically without one', () => {
    const withCert = checkStep(
      step({ id: 'amgm', kind: 'inequality', lhs: '2*a*b', rhs: 'a^2 + b^2', relation: '<=', certificate: '(a - b)^2', variables: { a: [-3, 3], b: [-3, 3] } }),
      1,
    );
    expect(withCert.verdict).toBe('verified');
    const noCert = checkStep(
      step({ id: 'amgm', kind: 'inequality', lhs: '2*a*b', rhs: 'a^2 + b^2', relation: '<=', variables: { a: [-3, 3], b: [-3, 3] } }),
      1,
    );
    expect(noCert.verdict).toBe('numeric-only');
    const wrongCert = checkStep(
      step({ id: 'amgm', kind: 'inequality', lhs: '2*a*b', rhs: 'a^2 + b^2', relation: '<=', certificate: 'a^2 - b^2', variables: { a: [-3, 3], b: [-3, 3] } }),
      1,
    );
    expect(wrongCert.verdict).toBe('numeric-only');
    const falseIneq = checkStep(step({ id: 'f', kind: 'inequality', lhs: 'a', rhs: 'a^2', relation: '<=', variables: { a: [-3, 3] } }), 1);
    expect(falseIneq.verdict).toBe('refuted');
  });

  it('samples only points that satisfy the assumptions', () => {
    const r = checkStep(step({ id: 'sq', kind: 'identity', lhs: 'sqrt(x^2)', rhs: 'x', assume: ['x > 0'], variables: { x: [-1, 1] } }), 1);
    expect(r.verdict).not.toBe('refuted');
    expect(r.cases[0].numeric.attempts).toBeGreaterThan(r.cases[0].numeric.points);
  });

  it('is an error, not a pass, when the region cannot be sampled', () => {
    const r = checkStep(step({ id: 'empty', kind: 'identity', lhs: 'x', rhs: 'x', assume: ['x > 5'], variables: { x: [-1, 1] } }), 1);
    expect(r.verdict).toBe('error');
  });

  it('is deterministic for a seed', () => {
    const s = step({ id: 'nd', kind: 'conserved', quantity: 'sqrt(w1^2 + w2^2) - abs(v)', ...neuronFlow });
    expect(JSON.stringify(checkStep(s, 5))).toBe(JSON.stringify(checkStep(s, 5)));
  });
});
