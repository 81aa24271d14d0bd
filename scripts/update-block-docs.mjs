// Regenerates the block table in docs/claim-format.md from the registry (npm run docs).
import { readFileSync, writeFileSync } from 'node:fs';
const { blockTable } = await import(new URL('../dist/blocks/table.js', import.meta.url).href);
const path = new URL('../docs/claim-format.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const [head, rest] = doc.split('<!-- blocks:begin -->');
const tail = rest.split('<!-- blocks:end -->')[1];
writeFileSync(path, `${head}<!-- blocks:begin -->\n${blockTable()}\n<!-- blocks:end -->${tail}`);
console.log('docs/claim-format.md: block table updated');
