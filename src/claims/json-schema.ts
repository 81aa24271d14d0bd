// The claim file's JSON Schema, generated from the zod schemas: what an editor running
// yaml-language-server (VS Code's YAML extension and others) validates, completes and explains on
// hover as one types. Draft-07: the newest draft yaml-language-server supports. Every block's
// parameters are in it, told apart by `block:`. It checks the shapes only; names in expressions,
// sizes and the other cross-field rules are left to `claimcheck validate`.
import { dirname, relative, sep } from 'node:path';
import { z } from 'zod';
import { BLOCKS } from '../blocks/index.js';
import { numExpr, type BlockKind } from '../blocks/types.js';
import { claimShape, domainSchema, hypothesisSchema, searchSchema, symbolicStepSchema } from './schema.js';

/** Where the schema lives in this repository (`npm run docs` writes it; `claimcheck schema` prints it). */
export const CLAIM_SCHEMA_PATH = 'docs/claim.schema.json';

type Json = Record<string, unknown>;

/** One kind's blocks as alternatives told apart by `block:`, each described by its summary. */
function blockChoice(kind: BlockKind) {
  const options = [...BLOCKS[kind].values()].map((b) =>
    z.strictObject({ block: z.literal(b.name).describe(b.summary), ...b.params.shape }).describe(`${kind} block "${b.name}": ${b.summary}`),
  );
  return z.discriminatedUnion('block', options as [(typeof options)[number], ...typeof options]);
}

const described = <T extends z.ZodType>(s: T, from: z.ZodType): T => (from.description ? s.describe(from.description) : s);

/** The claim schema with every block reference replaced by its kind's blocks and their parameters (for the JSON Schema only). */
function claimWithBlocks(): z.ZodType {
  const sh = searchSchema.shape;
  const stage = (kind: 'data' | 'model' | 'loss' | 'dynamics') => described(blockChoice(kind).optional(), sh[kind]);
  const search = z.strictObject({
    ...sh,
    data: stage('data'),
    model: stage('model'),
    loss: stage('loss'),
    dynamics: stage('dynamics'),
    metrics: described(z.record(sh.metrics.keyType, blockChoice('metric')), sh.metrics),
  });
  return described(z.strictObject({ ...claimShape.shape, search: described(search, searchSchema).optional() }), claimShape);
}

/** What zod's converter cannot see (a preprocess step, refinements): written out where an editor can use it. */
function override(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const js = ctx.jsonSchema;
  if (ctx.zodSchema === hypothesisSchema) {
    // a bare expression is an untagged hypothesis
    const { description, ...form } = js;
    for (const k of Object.keys(js)) delete js[k];
    Object.assign(js, { description, anyOf: [{ type: 'string', minLength: 1, description: 'a bare expression: an untagged hypothesis' }, form] });
  } else if (ctx.zodSchema === domainSchema) {
    const only = (...fields: string[]) => ({ required: fields, propertyNames: { enum: fields } });
    js.oneOf = [only('int'), only('grid'), only('range', 'step'), only('log', 'per_decade')];
  } else if (ctx.zodSchema === symbolicStepSchema) {
    const kind = (k: string, required: string[]) => ({ if: { properties: { kind: { const: k } }, required: ['kind'] }, then: { required } });
    js.allOf = [kind('identity', ['lhs', 'rhs']), kind('inequality', ['lhs', 'rhs', 'relation']), kind('conserved', ['quantity', 'flow'])];
  } else if (ctx.zodSchema === numExpr && !js.description) {
    js.description = 'a number, or an expression over the trial’s variables (e.g. "0.05 / Rmax")';
  }
}

/** The JSON Schema (draft-07) of a claim file, blocks and their parameters included. */
export function claimJsonSchema(): Json {
  const schema = z.toJSONSchema(claimWithBlocks(), { target: 'draft-7', io: 'input', override }) as Json;
  return {
    $schema: schema.$schema,
    title: 'claimcheck claim file',
    $comment: `generated from src/claims/schema.ts and the block registry by npm run docs (${CLAIM_SCHEMA_PATH}); do not edit`,
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** The schema as the file holds it: two-space JSON and a final newline. */
export function claimJsonSchemaText(): string {
  return `${JSON.stringify(claimJsonSchema(), null, 2)}\n`;
}

/** How a claim file's first line begins: yaml-language-server reads the schema's path from it; to YAML (and the loader) it is a comment. */
export const SCHEMA_LINE_PREFIX = '# yaml-language-server: $schema=';

/** The schema line for a claim file: `# yaml-language-server: $schema=` and the schema's path relative to the file's folder. */
export function schemaLine(claimFile: string, schemaFile: string): string {
  return `${SCHEMA_LINE_PREFIX}${relative(dirname(claimFile), schemaFile).split(sep).join('/')}`;
}

/** A claim file's text starting with `line`: put first, or in place of a schema line that names another path; unchanged when it is there. */
export function withSchemaLine(text: string, line: string): string {
  if (!text.startsWith(SCHEMA_LINE_PREFIX)) return `${line}\n${text}`;
  const end = text.indexOf('\n');
  return end < 0 ? `${line}\n` : line + text.slice(end);
}
