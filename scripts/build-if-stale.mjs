#!/usr/bin/env node
// `npm run test:fast` runs this first: the worker pool runs the compiled worker (dist/), so tests
// that use it need a build of the current src/. Rebuilds (npm run build) only when an output is
// missing or some source or tsconfig is newer than the oldest output; a fresh build costs nothing.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const files = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
const mtime = (f) => statSync(f).mtimeMs;

const sources = files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'));
const inputs = [...sources, join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json')];
const outputs = sources.map((f) =>
  f.endsWith('.as.ts')
    ? join(ROOT, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.as\.ts$/, '.wasm')
    : join(ROOT, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.ts$/, '.js'),
);

const missing = outputs.filter((f) => !existsSync(f));
const newestInput = Math.max(...inputs.map(mtime));
const oldestOutput = missing.length ? -Infinity : Math.min(...outputs.map(mtime));
if (missing.length || newestInput > oldestOutput) {
  const why = missing.length ? `${relative(ROOT, missing[0])} is missing` : 'src/ changed since the last build';
  console.log(`build-if-stale: ${why}; npm run build`);
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
}
