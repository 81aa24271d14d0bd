import * as esm from 'mathjs';
import { describe, expect, it } from 'vitest';
import { all, create, parse } from '../../src/core/mathjs.js';

// src/core/mathjs.ts loads mathjs's single-file build; these are the configurations and calls claimcheck makes (cas.ts, polynomial.ts, expr.ts).
const CONFIGS = [
  { number: 'Fraction', relTol: Number.MIN_VALUE, absTol: 0 },
  { number: 'BigNumber', precision: 64 },
] as const;
const EXPRESSIONS = ['x*0.5 + x/2 - x', '(x+1)^2 - x^2 - 2*x - 1', 'sqrt(x^2) - x', 'exp(log(x)) - x', '2/3*x - x*4/6', 'a*b - b*a + 1/3', '1e-100 + x - x'];

const attempt = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
};

describe('mathjs from its single-file build', () => {
  it('is the version of the ES modules', () => {
    expect(create(all, {}).version).toBe(esm.version);
  });

  it.each(CONFIGS)('create(all, %o) is configured as the ES modules’ instance: numerals, simplify, evaluate', (config) => {
    const ours = create(all, config),
      theirs = esm.create(esm.all, config);
    expect(ours.config({})).toEqual(theirs.config({}));
    const numeral = (m: typeof ours) => typeof (m.parse('2') as unknown as { value: unknown }).value;
    expect(numeral(ours)).toBe(numeral(theirs));
    for (const e of EXPRESSIONS) {
      expect(attempt(() => ours.simplify(e).toString())).toBe(attempt(() => theirs.simplify(e).toString()));
      expect(attempt(() => String(ours.evaluate(e, { x: 0.7, a: 2, b: 3 })))).toBe(attempt(() => String(theirs.evaluate(e, { x: 0.7, a: 2, b: 3 }))));
    }
  });

  it('parses as the ES modules do', () => {
    for (const e of [...EXPRESSIONS, 'lossT < 1e-18 and dist <= 1e-6', 'mu == 8 ? abs((srank - 1) / 0.22 - 1) <= 0.3 : 1']) {
      expect(parse(e).toString()).toBe(esm.parse(e).toString());
      expect(JSON.stringify(parse(e))).toBe(JSON.stringify(esm.parse(e)));
    }
  });

  it('refuses other factories than all', () => {
    expect(() => create({} as typeof all, {})).toThrow(/only/);
  });
});
