// Starts every claim file with the line that points yaml-language-server (VS Code's YAML extension and
// other editors) at docs/claim.schema.json; idempotent, and a line naming another path is corrected.
//   node scripts/add-schema-line.mjs [folders…]      (default: claims test/mutants; npm run docs runs it)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
const { CLAIM_SCHEMA_PATH, schemaLine, withSchemaLine } = await import(new URL('../dist/claims/json-schema.js', import.meta.url).href);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCHEMA = join(ROOT, CLAIM_SCHEMA_PATH);

/** Claim files under `dirs` (every *.yaml / *.yml but paper.yaml) given their schema line; returns the files changed. */
export function addSchemaLines(dirs = ['claims', 'test/mutants'].map((d) => join(ROOT, d))) {
  const changed = [];
  for (const dir of dirs)
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!/\.ya?ml$/.test(f) || /(^|\/)paper\.yaml$/.test(f)) continue;
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      const next = withSchemaLine(text, schemaLine(file, SCHEMA));
      if (next !== text) (writeFileSync(file, next), changed.push(file));
    }
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dirs = process.argv.slice(2);
  const changed = addSchemaLines(dirs.length ? dirs.map((d) => resolve(d)) : undefined);
  console.log(`schema line added or corrected in ${changed.length} claim file(s)`);
}
