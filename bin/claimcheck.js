#!/usr/bin/env node
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(built)) {
  console.error('claimcheck: not built yet; run `npm install` (or `npm run build`) first.');
  process.exit(2);
}
const { cli } = await import(built.href);
await cli();
