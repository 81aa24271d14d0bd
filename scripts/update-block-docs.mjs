// Regenerates what docs/ derives from the code (npm run docs): the block table in docs/claim-format.md
// from the registry, and docs/claim.schema.json, the claim files' JSON Schema, from the zod schemas.
import { readFileSync, writeFileSync } from 'node:fs';
const { blockTable } = await import(new URL('../dist/blocks/table.js', import.meta.url).href);
const { CLAIM_SCHEMA_PATH, claimJsonSchemaText } = await import(new URL('../dist/claims/json-schema.js', import.meta.url).href);
const path = new URL('../docs/claim-format.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const [head, rest] = doc.split('<!-- blocks:begin -->');
const tail = rest.split('<!-- blocks:end -->')[1];
writeFileSync(path, `${head}<!-- blocks:begin -->\n${blockTable()}\n<!-- blocks:end -->${tail}`);
console.log('docs/claim-format.md: block table updated');
writeFileSync(new URL(`../${CLAIM_SCHEMA_PATH}`, import.meta.url), claimJsonSchemaText());
console.log(`${CLAIM_SCHEMA_PATH}: JSON Schema of a claim file updated`);
const { addSchemaLines } = await import('./add-schema-line.mjs');
console.log(`claim files: schema line added or corrected in ${addSchemaLines().length}`);
