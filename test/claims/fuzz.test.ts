// Claim files are untrusted input. Mutate the real claim files (fields deleted, duplicated, retyped,
// renamed; huge numbers, NaN, deep nesting; expressions that try to reach JavaScript; raw text edits
// that break the YAML) and check: no crash, every rejection names file:line:column and the field,
// and nothing is ever executed. CI runs a few hundred cases; FUZZ_RUNS=10000 for a nightly-size run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { loadClaimText } from '../../src/claims/load.js';
import { evaluate, ExprError, parseExpr } from '../../src/core/expr.js';
import { CLAIMS_DIR, FC_SEED } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const FILES = readdirSync(CLAIMS_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('paper.yaml'))
  .sort()
  .map((f) => ({ name: `claims/${f}`, text: readFileSync(join(CLAIMS_DIR, f), 'utf8') }));

/** Strings that try to leave the expression language. */
const HOSTILE = [
  'constructor', '__proto__', 'prototype', 'process', 'require("fs")', 'import("fs")', 'globalThis',
  'constructor.constructor("globalThis.__fuzzPwned = 1")()', 'this', 'eval("1")', 'Function("return 1")()',
  '(() => 1)()', 'x => x', 'a = 1', 'f(x) = x', '[1, 2]', '{a: 1}', '"text"', 'import', 'evaluate("1")',
  'parse("1")', 'createUnit("x")', 'x.y', 'x["constructor"]', 'x[1]', '1e400', 'NaN', '0/0', 'sqrt(-1)',
  'a ? b : c', 'x!', 'x\'', '1 to 2', '5 cm', 'x == 1 ; process', '$x', '@x', '`x`',
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in a plain document. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function getAt(v: Json, p: (string | number)[]): Json {
  return p.reduce<Json>((o, k) => (o as Record<string, Json>)?.[k as string] as Json, v);
}

function setAt(v: Json, p: (string | number)[], x: Json | undefined): Json {
  if (!p.length) return x ?? null;
  const copy = structuredClone(v) as Record<string, Json>;
  let o: Record<string, Json> = copy;
  for (const k of p.slice(0, -1)) o = o[k as string] as Record<string, Json>;
  const last = p[p.length - 1] as string;
  if (x === undefined) {
    if (Array.isArray(o)) (o as Json[]).splice(Number(last), 1);
    else delete o[last];
  } else o[last] = x;
  return copy;
}

const deep = (n: number): Json => (n === 0 ? 1 : { a: deep(n - 1) });

const replacement = fc.oneof(
  fc.constantFrom<Json>(null, true, false, '', 0, -1, 1e308, -1e308, 2 ** 53 + 1, 1e-320, [], {}, 'NaN', '.nan', 'Infinity'),
  fc.constantFrom(...HOSTILE),
  fc.integer({ min: 50, max: 400 }).map(deep),
  fc.string({ maxLength: 20 }),
  fc.double(),
);

/** A structural mutation: delete, retype or replace a value, rename or duplicate a key. */
const mutation = fc.record({
  file: fc.integer({ min: 0, max: FILES.length - 1 }),
  pick: fc.nat(),
  kind: fc.constantFrom('delete', 'replace', 'rename', 'duplicate-into-parent', 'hostile-expression'),
  value: replacement,
  name: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'x', 'search', 'id', ''),
});

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
        const f = FILES[m.file];
        const doc = parseDocument(f.text).toJS() as Json;
        const all = paths(doc).filter((p) => p.length > 0);
        const p = all[m.pick % all.length];
        let mutated: Json;
        if (m.kind === 'delete') mutated = setAt(doc, p, undefined);
        else if (m.kind === 'replace') mutated = setAt(doc, p, m.value);
        else if (m.kind === 'rename') mutated = setAt(setAt(doc, p, undefined), [...p.slice(0, -1), m.name], getAt(doc, p));
        else if (m.kind === 'duplicate-into-parent') mutated = setAt(doc, [...p.slice(0, -1), `${String(p.at(-1))}_copy`], getAt(doc, p));
        else {
          const strings = all.filter((q) => typeof getAt(doc, q) === 'string');
          mutated = setAt(doc, strings[m.pick % strings.length], HOSTILE[m.pick % HOSTILE.length]);
        }
        expectCleanRejectionOrValid(f.name, stringify(mutated));
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
