// Verdicts that input must never flip (#17): too few in-regime trials is inconclusive whatever the
// source of the count; a non-finite value anywhere in a property, hypothesis, `let` or frequency bound
// makes the trial diverged (never a pass, never a fail); names every JavaScript object inherits are
// not names of the expression language.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { planSearch } from '../../src/claims/plan.js';
import type { SearchSpec } from '../../src/claims/schema.js';
import { compileExpr, evaluate, evaluateFinite, NonFiniteError, parseExpr } from '../../src/core/expr.js';
import { robustness } from '../../src/core/robustness.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { executeTrial } from '../../src/search/trial.js';
import { claimWithSearch, fcRuns, searchFixture } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** whole trials cost more: a third of RUNS in CI, the full nightly size when FUZZ_RUNS is set */
const TRIAL_RUNS = process.env.FUZZ_RUNS ? RUNS : Math.ceil(RUNS / 3);
const inline = inlineRunner();

/** A cheap search over x (no dynamics): a two-layer model's first weight as the metric w. */
const search = (property: string, extra = '', space = '{ x: { grid: [0, 1, 2, 7] } }') => `
trials: 8
space: ${space}
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
${extra}
property: '${property}'`;

const trialStatus = (spec: SearchSpec, x: number) => executeTrial(planSearch(spec), { seed: 1, x }).result;

describe('too few in-regime trials is inconclusive, whatever the source of the count', () => {
  it('--trials 0 is inconclusive, not "holds — no counterexample in 0 in-regime trials"', async () => {
    const r = await runSearch(searchFixture(search('x >= 0')), { claimId: 't', runner: inline, trials: 0 });
    expect(r.trialsRun).toBe(0);
    expect(r.minInRegime).toBe(1);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/only 0 of 0 trials were inside the hypotheses/);
  });

  it('every trial out of regime is inconclusive, even with a min_in_regime of 0 (which the schema refuses, but a spec built in code may carry)', async () => {
    const spec: SearchSpec = { ...searchFixture(search('x >= 0', "hypotheses: { never: 'x > 100' }")), min_in_regime: 0 };
    const r = await runSearch(spec, { claimId: 't', runner: inline });
    expect(r.counts['out-of-regime']).toBe(r.trialsRun);
    expect(r.verdict).toBe('inconclusive');
  });

  it('a frequency claim with no judged trial is inconclusive (trials 0, or all out of regime)', async () => {
    const spec = searchFixture(search('x >= 0', "frequency: { at_least: '0.5' }"));
    expect((await runSearch(spec, { claimId: 't', runner: inline, trials: 0 })).verdict).toBe('inconclusive');
    const out = searchFixture(search('x >= 0', "frequency: { at_least: '0.5' }\nhypotheses: { never: 'x > 100' }"));
    const r = await runSearch(out, { claimId: 't', runner: inline });
    expect(r.frequency).toBeUndefined();
    expect(r.verdict).toBe('inconclusive');
  });

  it('any positive count still judges: one in-regime trial of one requested holds or refutes', async () => {
    expect((await runSearch(searchFixture(search('x >= 0')), { claimId: 't', runner: inline, trials: 1 })).verdict).toBe('holds');
  });
});

describe('a non-finite value anywhere in a property, hypothesis, let or frequency bound is diverged', () => {
  // the examples: each was a pass or a fail before
  const diverging: Array<[string, string, string, number]> = [
    ['not (sqrt(negative) > 5)', 'not (sqrt(-1 - x) > 5)', '', 0],
    ['x != 7 through a NaN let', 'y != 7', "let: { y: 'sqrt(-1 - x)' }", 7],
    ['lT > 1e9 or sqrt(negative) <= 5 (refuted by the NaN)', 'w > 1e9 or sqrt(-1 - x) <= 5', '', 0],
    ['true or NaN', 'x >= 0 or sqrt(-1 - x) <= 5', '', 0],
    ['false and NaN', 'x < 0 and sqrt(-1 - x) <= 5', '', 0],
    ['written with <=', 'sqrt(-1 - x) <= 5', '', 0],
    ['through let', 'y <= 5', "let: { y: 'sqrt(-1 - x)' }", 0],
    ['an infinite side that compares', '1 / x > 0', '', 0],
    ['an infinite intermediate with a finite result', 'min(1 / x, 5) <= 5', '', 0],
    ['an infinite intermediate in a let', 'y <= 5', "let: { y: 'min(1 / x, 5)' }", 0],
    ['a truth value', 'x * log(x)', '', 0],
    ['a chain', '0 <= x * log(x) <= 1', '', 0],
    ['the condition of c ? a : b', '(log(x) > 0 ? 1 : 2) > 0', '', 0],
  ];
  for (const [name, property, extra, x] of diverging)
    it(`${name}: ${property}`, () => {
      const r = trialStatus(searchFixture(search(property, extra)), x);
      expect(r.status, r.message).toBe('diverged');
      expect(r.message).toMatch(/non-finite/);
    });

  it('a non-finite hypothesis is diverged, not out of regime (even beside a false one)', () => {
    const spec = searchFixture(search('x >= 0', "hypotheses: { small: 'x < 1', positive_log: 'log(x) > -5' }"));
    expect(trialStatus(spec, 0).status).toBe('diverged');
    expect(trialStatus(spec, 7).status).toBe('out-of-regime');
    expect(trialStatus(spec, 1).status).toBe('out-of-regime');
  });

  it('the unchosen branch of c ? a : b is not evaluated (the guard a claim writes on purpose)', () => {
    const spec = searchFixture(search('(x > 0 ? x * log(x) : 0) >= -1'));
    expect(trialStatus(spec, 0).status).toBe('pass');
    expect(trialStatus(spec, 2).status).toBe('pass');
  });

  it('a frequency bound 0.9 + x*log(x) at x = 0 is diverged, and the claim is not "holds"', async () => {
    const spec = searchFixture(search('w > -100', "frequency: { at_least: '0.9 + x * log(x)' }", '{ x: { grid: [0] } }'));
    const t = trialStatus(spec, 0);
    expect(t.status).toBe('diverged');
    expect(t.message).toMatch(/frequency bound/);
    const r = await runSearch(spec, { claimId: 't', runner: inline });
    expect(r.verdict).toBe('inconclusive');
  });

  it('finite values keep their verdicts: the same expressions pass and fail where every value is finite', () => {
    expect(trialStatus(searchFixture(search('not (sqrt(1 + x) > 5)')), 0).status).toBe('pass');
    expect(trialStatus(searchFixture(search('x != 7')), 7).status).toBe('fail');
    expect(trialStatus(searchFixture(search('1 / x > 0')), 7).status).toBe('pass');
  });
});

describe('names every JavaScript object inherits are not names of the expression language', () => {
  const inherited = [...Object.getOwnPropertyNames(Object.prototype), 'call', 'apply', 'bind', 'caller', 'arguments'];
  for (const name of ['valueOf', 'toString', 'isPrototypeOf', 'hasOwnProperty', '__defineGetter__'])
    it(`property: '${name}' is invalid, never "always holds"`, () => {
      const r = loadClaimText('t.yaml', claimWithSearch(search(name)), 't');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.message).join('\n')).toMatch(/reserved/);
    });

  it('is refused as a symbol, a function and a let name, and never evaluates', () => {
    for (const name of inherited) {
      expect(() => parseExpr(name), name).toThrow(/reserved/);
      expect(() => parseExpr(`${name}(1)`), name).toThrow(/reserved/);
      // even a hand-made AST that skipped the check does not reach the prototype
      expect(() => evaluate({ type: 'SymbolNode', name } as never, {}), name).toThrow(/unknown symbol/);
    }
    const r = loadClaimText('t.yaml', claimWithSearch(search('valueOf > 0', "let: { valueOf: 'x' }")), 't');
    expect(r.ok).toBe(false);
  });

  it('a hypothesis named toString is counted as a number', async () => {
    const spec = searchFixture(search('x >= 0', "hypotheses: { toString: 'x > 100' }"));
    const r = await runSearch(spec, { claimId: 't', runner: inline });
    expect(r.outOfRegimeBy.toString).toBe(r.trialsRun);
  });
});

// Fuzz: random expressions over finite symbols that contain at least one evaluated non-finite
// sub-expression (a poison): the robustness is NaN and the trial is diverged, never a pass or a fail.
const POISON = ['sqrt(-1)', '(1 / 0)', '(-1 / 0)', 'log(0)', '(0 / 0)', 'Infinity', 'p', 'q', '(1e308 * 1e308)', 'exp(1000)', '(a - a) / (b - b)'];
const leaf = fc.constantFrom('a', 'b', 'c', '1', '2.5', '0', '-3');
const poisoned: fc.Arbitrary<string> = fc.letrec<{ num: string; poisonedNum: string; formula: string }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.tuple(tie('num'), fc.constantFrom('+', '-', '*', '/'), tie('num')).map(([x, o, y]) => `(${x} ${o} ${y})`),
  ),
  poisonedNum: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...POISON),
    fc
      .tuple(tie('poisonedNum'), fc.constantFrom('+', '-', '*', '/'), tie('num'), fc.boolean())
      .map(([x, o, y, swap]) => (swap ? `(${y} ${o} ${x})` : `(${x} ${o} ${y})`)),
    fc.tuple(fc.constantFrom('min', 'max', 'atan2'), tie('poisonedNum'), tie('num')).map(([f, x, y]) => `${f}(${x}, ${y})`),
    fc.tuple(fc.constantFrom('abs', 'sign', 'tanh', 'atan', 'floor'), tie('poisonedNum')).map(([f, x]) => `${f}(${x})`),
  ),
  formula: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(tie('poisonedNum'), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), tie('num'), fc.boolean())
      .map(([x, o, y, swap]) => (swap ? `${y} ${o} ${x}` : `${x} ${o} ${y}`)),
    tie('poisonedNum'),
    tie('formula').map((f) => `not (${f})`),
    fc
      .tuple(tie('formula'), fc.constantFrom('and', 'or'), tie('num'), fc.boolean())
      .map(([f, o, y, swap]) => (swap ? `(${y} > 0) ${o} (${f})` : `(${f}) ${o} (${y} > 0)`)),
    fc.tuple(tie('num'), tie('poisonedNum'), tie('num')).map(([x, y, z]) => `${x} < ${y} <= ${z}`),
    fc.tuple(tie('formula'), tie('num')).map(([f, y]) => `(${f}) ? (${y} > 0) : (${y} < 0)`),
  ),
})).formula;
const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const nonFinite = fc.constantFrom(NaN, Infinity, -Infinity);

describe('fuzz: non-finite sub-values', () => {
  it(`a formula with an evaluated non-finite sub-expression has robustness NaN (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(poisoned, finite, finite, finite, nonFinite, nonFinite, (src, a, b, c, p, q) => {
        const e = compileExpr(src);
        const scope = { a, b, c, p, q };
        expect(robustness(e)(scope), `${src} at a=${a} b=${b} c=${c} p=${p} q=${q}`).toBeNaN();
        expect(() => evaluateFinite(e, scope)).toThrow(NonFiniteError);
      }),
      fcRuns(RUNS),
    );
  });

  it(`a trial whose property has one is diverged, never pass or fail (${TRIAL_RUNS} cases)`, () => {
    fc.assert(
      fc.property(poisoned, fc.constantFrom(0, 1, 2, 7), (src, x) => {
        // a, b, c are lets of the trial's x and the metric w; the poison symbols p, q are written inline
        const extra = "let: { a: 'x + 1', b: 'w', c: 'x - 2' }";
        const inline = src.replaceAll(/\bp\b/g, 'sqrt(-1 - x * x)').replaceAll(/\bq\b/g, '(1 / (x - x))');
        const spec = searchFixture(search(inline, extra));
        const r = trialStatus(spec, x);
        expect(r.status, `${src} at x=${x}: ${r.message}`).toBe('diverged');
      }),
      fcRuns(TRIAL_RUNS),
    );
  });
});
