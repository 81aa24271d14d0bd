// arcsinh in claim expressions: the CAS decides what it can (nerdamer knows asinh and its derivative),
// the exact polynomial engine declines it (not a rational function), and the numbers decide the rest.
import { describe, expect, it } from 'vitest';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { compileExpr } from '../../src/core/expr.js';
import { EXACT_ENGINE, reducesToZero } from '../../src/symbolic/cas.js';
import { checkStep } from '../../src/symbolic/check.js';
import { NoNormalForm, RationalFunction } from '../../src/symbolic/polynomial.js';

const step = (s: object) => symbolicStepSchema.parse(s);
// Woodworth et al. 2020, Thm 1: q(z) = 2 − √(4 + z²) + z·arcsinh(z/2), q′(z) = arcsinh(z/2)
const q = '2 - sqrt(4 + z^2) + z * asinh(z/2)';

describe('asinh in expressions and in the CAS', () => {
  it('evaluates asinh in claim expressions', () => {
    expect(compileExpr('asinh(x)').value({ x: 3 })).toBe(Math.asinh(3));
  });

  it('is outside the exact engine: it declines, and no other engine is mistaken for it', () => {
    expect(() => RationalFunction.parse('asinh(x) - asinh(x)')).toThrow(NoNormalForm);
    const r = reducesToZero('asinh(x/2) - asinh(x/2)');
    expect(r.result).toBe('zero');
    expect(r.engine).not.toBe(EXACT_ENGINE);
  });

  it("verifies q'(z) = arcsinh(z/2) (a conserved step: the CAS differentiates and reduces to 0)", () => {
    const r = checkStep(step({ id: 'q_prime', kind: 'conserved', quantity: q, flow: { z: '1' }, derivative: 'asinh(z/2)', variables: { z: [-20, 20] } }), 1);
    expect(r.verdict).toBe('verified');
  });

  it("refutes a wrong derivative q'(z) = arcsinh(z)", () => {
    const r = checkStep(step({ id: 'q_wrong', kind: 'conserved', quantity: q, flow: { z: '1' }, derivative: 'asinh(z)', variables: { z: [-20, 20] } }), 1);
    expect(r.verdict).toBe('refuted');
  });

  it('verifies the identity arcsinh(β/(2α²)) = log(u/v) for u = αe^a, v = αe^(−a), or says numeric-only, never refuted', () => {
    const r = checkStep(
      step({
        id: 'mirror',
        kind: 'identity',
        lhs: 'asinh(sinh(2*a))',
        rhs: 'log((alpha * exp(a)) / (alpha * exp(-a)))',
        variables: { a: [-3, 3], alpha: [0.01, 3] },
      }),
      1,
    );
    expect(['verified', 'numeric-only']).toContain(r.verdict);
  });

  it('refutes a false identity with asinh: arcsinh(2x) = 2·arcsinh(x)', () => {
    const r = checkStep(step({ id: 'dbl', kind: 'identity', lhs: 'asinh(2*x)', rhs: '2 * asinh(x)', variables: { x: [-3, 3] } }), 1);
    expect(r.verdict).toBe('refuted');
  });

  it('verifies a true identity with asinh that the CAS reduces: arcsinh(z/2)·2 − arcsinh(z/2) = arcsinh(z/2)', () => {
    const r = checkStep(step({ id: 'lin', kind: 'identity', lhs: '2 * asinh(z/2) - asinh(z/2)', rhs: 'asinh(z/2)', variables: { z: [-5, 5] } }), 1);
    expect(r.verdict).toBe('verified');
  });
});
