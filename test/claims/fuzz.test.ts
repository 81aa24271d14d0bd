// Claim files are untrusted input. Mutate the real claim files (fields deleted, duplicated, retyped,
// renamed; huge numbers, NaN, deep nesting; expressions that try to reach JavaScript; raw text edits
// that break the YAML) and check: no crash, every rejection names file:line:column and the field,
// and nothing is ever executed. CI runs a few hundred cases; FUZZ_RUNS=10000 for a nightly-size run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadClaimText } from '../../src/claims/load.js';
import { evaluate, ExprError, parseExpr } from '../../src/core/expr.js';
import { FC_SEED } from '../helpers.js';
import { FILES, HOSTILE, mutate, mutation } from './mutations.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const tally = { accepted: 0, rejected: 0 };

function expectCleanRejectionOrValid(name: string, text: string): void {
  const r = loadClaimText(name, text, 'fuzz');
  if (r.ok) return void tally.accepted++;
  tally.rejected++;
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(e.file).toBe(name);
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(typeof e.message).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
    expect(typeof e.path).toBe('string');
  }
}

describe('untrusted claim files (fuzz)', () => {
  it(`structural mutations of the real claim files: no crash, located errors, nothing executed (${RUNS} cases)`, () => {
    const g = globalThis as Record<string, unknown>;
    delete g.__fuzzPwned;
    fc.assert(
      fc.property(mutation, (m) => {
        const { name, doc } = mutate(m);
        expectCleanRejectionOrValid(name, stringify(doc));
        expect(g.__fuzzPwned).toBeUndefined();
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    // the mutations must mostly break the files, or this test checks nothing
    expect(tally.rejected).toBeGreaterThan(RUNS / 3);
    console.log(`fuzz (seed ${FC_SEED}): ${RUNS} structural mutations, ${tally.rejected} rejected with located errors, ${tally.accepted} still valid, 0 crashes`);
  });

  it(`raw text edits that break the YAML itself (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: FILES.length - 1 }),
        fc.nat(),
        fc.constantFrom('\t', ':', '- ', '{', '}', '[', ']', '"', "'", '&a', '*a', '!!js/function', '\n  ', '\u0000', '#', '|', '>', '? ', '%YAML 9.9\n'),
        fc.integer({ min: 0, max: 20 }),
        (i, at, insert, cut) => {
          const f = FILES[i];
          const pos = at % (f.text.length + 1);
          expectCleanRejectionOrValid(f.name, f.text.slice(0, pos) + insert + f.text.slice(pos + cut));
        },
      ),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });

  it('expressions are parsed against a whitelist: hostile strings are rejected and never run', () => {
    const g = globalThis as Record<string, unknown>;
    delete g.__fuzzPwned;
    for (const src of HOSTILE) {
      let value: number | undefined;
      try {
        value = evaluate(parseExpr(src), { x: 1, a: 1, b: 2, c: 3, y: 1 });
      } catch (e) {
        expect(e, src).toBeInstanceOf(Error);
        if (!(e instanceof ExprError)) expect((e as Error).message, src).not.toMatch(/is not a function|Cannot read/);
        continue;
      }
      // the few that parse are arithmetic on whitelisted names (1e400, NaN, 0/0, sqrt(-1)): numbers, nothing else
      expect(typeof value, src).toBe('number');
    }
    expect(g.__fuzzPwned).toBeUndefined();
  });
});
