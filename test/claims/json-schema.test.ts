// The claim files' JSON Schema (src/claims/json-schema.ts, committed as docs/claim.schema.json): what an
// editor running yaml-language-server checks as one types. It must accept every file the loader accepts
// (an editor never flags a valid claim) and reject what the loader rejects for its shape: a wrong type,
// an unknown field or block, a missing required field, a value out of its bounds. What it cannot see
// are the cross-field rules: names an expression uses, expression syntax, a boundary's fixed variables,
// shared steps (`uses`), sizes over the space, and non-finite numbers (.nan, .inf), which JSON cannot write.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { BLOCKS, getBlock } from '../../src/blocks/index.js';
import type { BlockKind } from '../../src/blocks/types.js';
import { CLAIM_SCHEMA_PATH, claimJsonSchema, claimJsonSchemaText, schemaLine, SCHEMA_LINE_PREFIX, withSchemaLine } from '../../src/claims/json-schema.js';
import { loadClaimText } from '../../src/claims/load.js';
import { claimShape } from '../../src/claims/schema.js';
import { FC_SEED, ROOT } from '../helpers.js';
import { mutate, mutation, type Json } from './mutations.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SCHEMA_FILE = join(ROOT, CLAIM_SCHEMA_PATH);
const schema = claimJsonSchema();
const accepts = new Ajv({ allErrors: false }).compile(schema);

/** Every claim file of the repository: claims/ and the mutants of test/mutants/ (paper.yaml is a paper entry). */
const CLAIM_FILES = ['claims', 'test/mutants'].flatMap((dir) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('paper.yaml'))
    .sort()
    .map((f) => join(ROOT, dir, f)),
);

const plain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The loader's problems with a document's shape: zod's own issues (types, unknown and missing fields,
 * enumerations, bounds, patterns) for the claim and for the parameters of each block it names, and an
 * unknown block. Not the refinements (custom issues) nor what the search plan checks across fields.
 */
function shapeProblems(data: unknown): string[] {
  const native = (issues: ReadonlyArray<{ code: string; path: PropertyKey[] }>, at: string) => issues.filter((i) => i.code !== 'custom').map((i) => `${at}${i.path.map(String).join('.')}: ${i.code}`);
  const r = claimShape.safeParse(data);
  const out = r.success ? [] : native(r.error.issues, '');
  const search = plain(data) ? data.search : undefined;
  if (!plain(search)) return out;
  const refs: Array<[BlockKind, string, unknown]> = (['data', 'model', 'loss', 'dynamics'] as const).map((k) => [k, `search.${k}.`, search[k]]);
  if (plain(search.metrics)) for (const [name, ref] of Object.entries(search.metrics)) refs.push(['metric', `search.metrics.${name}.`, ref]);
  for (const [kind, at, ref] of refs) {
    if (!plain(ref) || typeof ref.block !== 'string') continue;
    const def = getBlock(kind, ref.block);
    if (!def) out.push(`${at}block: unknown ${kind} block`);
    else {
      const { block: _b, ...params } = ref;
      const p = def.params.safeParse(params);
      if (!p.success) out.push(...native(p.error.issues, at));
    }
  }
  return out;
}

function onlyFiniteNumbers(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(onlyFiniteNumbers);
  if (plain(v)) return Object.values(v).every(onlyFiniteNumbers);
  return true;
}

describe('docs/claim.schema.json', () => {
  it('is the schema generated from the zod schemas and the block registry (npm run docs regenerates it)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(claimJsonSchemaText());
  });

  it('is draft-07 and has every block with its parameters, told apart by `block:` and described by its summary', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    type Obj = { properties: Record<string, Obj & { const?: string; description?: string; anyOf?: Obj[] }>; oneOf?: Obj[]; additionalProperties?: Obj | false };
    const search = (schema as unknown as Obj).properties.search;
    const choices = (kind: BlockKind): Obj[] => (kind === 'metric' ? (search.properties.metrics.additionalProperties as Obj) : search.properties[kind]).oneOf!;
    for (const kind of Object.keys(BLOCKS) as BlockKind[]) {
      const alts = choices(kind);
      expect(alts.map((a) => a.properties.block.const).sort(), kind).toEqual([...BLOCKS[kind].keys()].sort());
      for (const a of alts) {
        const def = BLOCKS[kind].get(a.properties.block.const!)!;
        expect(a.properties.block.description).toBe(def.summary);
        expect(Object.keys(a.properties).sort()).toEqual(['block', ...Object.keys(def.params.shape)].sort());
        expect(a.additionalProperties).toBe(false);
      }
    }
    // a number-or-expression parameter, and a field's documentation
    const width = choices('model').find((a) => a.properties.block.const === 'two-layer')!.properties.width;
    expect(width.anyOf).toEqual([{ type: 'number' }, { type: 'string', minLength: 1 }]);
    expect(width.description).toMatch(/a number, or an expression/);
    expect(search.properties.property.description).toMatch(/every in-regime trial/);
  });
});

describe('every claim file', () => {
  it(`starts with the schema line (node scripts/add-schema-line.mjs adds it): ${CLAIM_FILES.length} files`, () => {
    const missing = CLAIM_FILES.filter((f) => readFileSync(f, 'utf8').split('\n')[0] !== schemaLine(f, SCHEMA_FILE));
    expect(missing.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
    expect(schemaLine(join(ROOT, 'claims', 'vardi2021', 'x.yaml'), SCHEMA_FILE)).toBe('# yaml-language-server: $schema=../../docs/claim.schema.json');
  });

  it('is accepted by the schema', () => {
    const rejected = CLAIM_FILES.filter((f) => !accepts(parseDocument(readFileSync(f, 'utf8')).toJS())).map((f) => `${f.slice(ROOT.length + 1)}: ${JSON.stringify(accepts.errors)}`);
    expect(rejected).toEqual([]);
    expect(CLAIM_FILES.length).toBeGreaterThan(20);
  });

  it('the schema line is added once, corrected when it names another path, and is a comment to the loader', () => {
    const line = `${SCHEMA_LINE_PREFIX}../../docs/claim.schema.json`;
    const text = 'id: t.x\ntitle: x\n';
    expect(withSchemaLine(text, line)).toBe(`${line}\n${text}`);
    expect(withSchemaLine(withSchemaLine(text, line), line)).toBe(`${line}\n${text}`);
    expect(withSchemaLine(`${SCHEMA_LINE_PREFIX}old/claim.schema.json\n${text}`, line)).toBe(`${line}\n${text}`);
    const file = join(ROOT, 'claims', 'vardi2021', 'balancedness.yaml');
    const body = readFileSync(file, 'utf8').split('\n').slice(1).join('\n');
    const a = loadClaimText(file, withSchemaLine(body, line), 'vardi2021');
    const b = loadClaimText(file, body, 'vardi2021');
    expect(a.ok && b.ok && a.claim).toEqual(b.ok && b.claim);
  });
});

describe('the fuzz test’s mutations of the claim files', () => {
  it(`the schema never rejects what the loader accepts, and rejects what the loader rejects for its shape (${RUNS} cases)`, () => {
    const tally = { valid: 0, shape: 0, crossField: 0, nonFinite: 0 };
    fc.assert(
      fc.property(mutation, (m) => {
        const { name, doc } = mutate(m);
        const text = stringify(doc);
        const data = parseDocument(text).toJS() as Json;
        const loaded = loadClaimText(name, text, 'fuzz');
        const ok = accepts(data) as boolean;
        if (loaded.ok) {
          tally.valid++;
          expect(ok, `${name}: the schema rejects a valid claim: ${JSON.stringify(accepts.errors)}`).toBe(true);
          return;
        }
        const shape = shapeProblems(data);
        if (!shape.length) return void tally.crossField++;
        if (!onlyFiniteNumbers(data)) return void tally.nonFinite++;
        tally.shape++;
        expect(ok, `${name}: the schema accepts a claim with ${shape.join('; ')}`).toBe(false);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    // the mutations must break shapes often, or this test checks nothing
    expect(tally.shape).toBeGreaterThan(RUNS / 5);
    console.log(
      `json schema vs loader (seed ${FC_SEED}, ${RUNS} mutations): ${tally.valid} valid and accepted, ${tally.shape} shape errors rejected, ${tally.crossField} cross-field errors only, ${tally.nonFinite} with non-finite numbers`,
    );
  });

  it('rejects a wrong type, an unknown field or block, a missing required field, in the claim and in a block’s parameters', () => {
    const base = parseDocument(readFileSync(join(ROOT, 'claims', 'vardi2021', 'balancedness.yaml'), 'utf8')).toJS() as Record<string, Json> & { search: Record<string, Json> };
    expect(accepts(base)).toBe(true);
    const edited = (edit: (d: typeof base) => void) => {
      const d = structuredClone(base);
      edit(d);
      return accepts(d) as boolean;
    };
    const model = (d: typeof base) => d.search.model as Record<string, Json>;
    expect(edited((d) => (model(d).width = [1, 2]))).toBe(false);
    expect(edited((d) => (model(d).width = true))).toBe(false);
    expect(edited((d) => (model(d).widht = 3))).toBe(false);
    expect(edited((d) => delete model(d).d)).toBe(false);
    expect(edited((d) => (model(d).block = 'three-layer'))).toBe(false);
    expect(edited((d) => (d.search.hypothesis = {}))).toBe(false);
    expect(edited((d) => delete d.search.property)).toBe(false);
    expect(edited((d) => (d.provenance = 'Q'))).toBe(false);
    expect(edited((d) => (d.search.space = { m: { int: [1, 4], grid: [1] } }))).toBe(false);
    // the same claim with a number for an expression and a bare-expression hypothesis stays valid
    expect(edited((d) => ((model(d).width = 3), (d.search.hypotheses = { trained: 'lossT < loss0' })))).toBe(true);
  });
});
