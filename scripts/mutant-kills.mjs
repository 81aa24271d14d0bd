#!/usr/bin/env node
// Kill counts of the mutant suite (test/mutants): compares the report.json of a run of the old engine
// with that of the new one and prints, per mutant, its kind and whether each engine refuted it
// (witness genuine or potential) and after how many trials.
//   node scripts/mutant-kills.mjs BEFORE/report.json AFTER/report.json [--mutants test/mutants] [--markdown]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const markdown = args.includes('--markdown');
if (markdown) args.splice(args.indexOf('--markdown'), 1);
const mutantsDir = flag('--mutants') ?? join(import.meta.dirname, '..', 'test', 'mutants');
if (args.length !== 2) {
  console.error('usage: node scripts/mutant-kills.mjs BEFORE/report.json AFTER/report.json [--mutants DIR] [--markdown]');
  process.exit(2);
}

/** id → kind, from each mutant file's `id:` line and its `# mutant kind:` comment */
function mutantKinds(dir) {
  const kinds = new Map();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.yaml') || e.name === 'paper.yaml') continue;
    const text = readFileSync(join(e.parentPath, e.name), 'utf8');
    const id = /^id: *(\S+)/m.exec(text)?.[1];
    if (id) kinds.set(id, /^# mutant kind: *(\S+)/m.exec(text)?.[1] ?? '?');
  }
  return kinds;
}

/** id → { verdict, killed, witness, trials, phase } for every claim of a report */
function outcomes(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const out = new Map();
  for (const c of report.claims ?? []) {
    const s = c.search;
    const refuted = c.verdict === 'refuted';
    const witness = s?.witness?.status;
    const phase = /\(([a-z ]+)\), shrunk/.exec(s?.reason ?? '')?.[1];
    out.set(c.id, {
      verdict: c.verdict,
      killed: refuted && (witness === 'genuine' || witness === 'potential'),
      witness,
      trials: s?.trialsRun,
      of: s?.trialsRequested,
      phase,
    });
  }
  return out;
}

const kinds = mutantKinds(mutantsDir);
const before = outcomes(args[0]);
const after = outcomes(args[1]);
const ids = [...kinds.keys()].sort();
const cell = (o) => {
  if (!o) return 'not run';
  if (!o.killed) return o.verdict;
  return `killed (${o.witness}, trial ${o.trials} of ${o.of}${o.phase ? `, ${o.phase}` : ''})`;
};
const rows = ids.map((id) => [id, kinds.get(id), cell(before.get(id)), cell(after.get(id))]);
const count = (m, w) => ids.filter((id) => m.get(id)?.killed && (!w || m.get(id).witness === w)).length;
const summary = (name, m) => `${name}: ${count(m)} of ${ids.length} killed (${count(m, 'genuine')} genuine, ${count(m, 'potential')} potential)`;

if (markdown) {
  console.log('| mutant | kind | before | after |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.map((x) => String(x).replaceAll('|', '\\|')).join(' | ')} |`);
  console.log();
} else {
  const width = rows.reduce((w, r) => r.map((x, i) => Math.max(w[i], String(x).length)), [6, 4, 6, 5]);
  const line = (r) => r.map((x, i) => String(x).padEnd(width[i])).join('  ');
  console.log(line(['mutant', 'kind', 'before', 'after']));
  for (const r of rows) console.log(line(r));
}
console.log(summary('before', before));
console.log(summary('after', after));
