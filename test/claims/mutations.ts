// Structural mutations of the real claim files (fields deleted, duplicated, retyped, renamed; huge
// numbers, NaN, deep nesting; expressions that try to reach JavaScript): the fuzz test feeds them to the
// loader, json-schema.test.ts to the JSON Schema as well.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { CLAIMS_DIR } from '../helpers.js';

export const FILES = readdirSync(CLAIMS_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('paper.yaml'))
  .sort()
  .map((f) => ({ name: `claims/${f}`, text: readFileSync(join(CLAIMS_DIR, f), 'utf8') }));

/** Strings that try to leave the expression language. */
export const HOSTILE = [
  'constructor', '__proto__', 'prototype', 'process', 'require("fs")', 'import("fs")', 'globalThis',
  'constructor.constructor("globalThis.__fuzzPwned = 1")()', 'this', 'eval("1")', 'Function("return 1")()',
  '(() => 1)()', 'x => x', 'a = 1', 'f(x) = x', '[1, 2]', '{a: 1}', '"text"', 'import', 'evaluate("1")',
  'parse("1")', 'createUnit("x")', 'x.y', 'x["constructor"]', 'x[1]', '1e400', 'NaN', '0/0', 'sqrt(-1)',
  'a ? b : c', 'x!', 'x\'', '1 to 2', '5 cm', 'x == 1 ; process', '$x', '@x', '`x`',
];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

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
export const mutation = fc.record({
  file: fc.integer({ min: 0, max: FILES.length - 1 }),
  pick: fc.nat(),
  kind: fc.constantFrom('delete', 'replace', 'rename', 'duplicate-into-parent', 'hostile-expression'),
  value: replacement,
  name: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'x', 'search', 'id', ''),
});

/** The document a mutation makes of its claim file. */
export function mutate(m: Mutation): { name: string; doc: Json } {
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
  return { name: f.name, doc: mutated };
}
export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;
