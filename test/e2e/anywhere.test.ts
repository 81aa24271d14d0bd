// A paper's claims outside claimcheck's own claims/ folder, through the built CLI run from another
// folder: `claimcheck new` writes a skeleton that validates and runs, run/validate/list take the
// paper folder, the report's replay command names the claim file (quoted for a shell) and works as
// printed, `uses` finds steps beside the file and in the built-in library, and `claimcheck schema`
// writes the JSON Schema whole.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimJsonSchemaText } from '../../src/claims/json-schema.js';
import { BIN, claimText, runCli } from '../helpers.js';

// a space in the folder: the replay command must quote the file's path
const P = mkdtempSync(join(tmpdir(), 'cc any-'));
// the folder the commands run in: not the repository, no claims/ in it, and the paper folder outside it
const W = join(P, 'work');
mkdirSync(W);
const PAPER = join(P, 'smith2024');
const cli = (args: string[]) => runCli(args, { cwd: W, timeout: 170_000 });

const FALSE_CLAIM = claimText({
  id: 'smith2024.srank-false',
  title: 'a Gaussian matrix has stable rank at most 2 (false)',
  expect: 'refuted',
  uses: ['jones2023.helper#sq', 'vardi2021.thm3-construction#zero_loss_line'],
  search: `trials: 24
seed: 5
space: { m: { int: [4, 12] }, d: { int: [4, 12] } }
model: { block: two-layer, d: d, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
  square_enough: { when: 'm >= 4', role: premise }
property: 'srank <= 2'`,
});

describe('a paper folder outside claims/, from another folder', () => {
  it('new writes a skeleton (and paper.yaml) that validates, and never overwrites', { tags: ['slow'] }, () => {
    const made = cli(['new', join(PAPER, 'first-claim')]);
    expect(made.code, made.err).toBe(0);
    const text = readFileSync(join(PAPER, 'first-claim.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=\S+claim\.schema\.json\n/);
    expect(readFileSync(join(PAPER, 'paper.yaml'), 'utf8')).toMatch(/^key: smith2024$/m);
    const again = cli(['new', join(PAPER, 'first-claim')]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists already; claimcheck new never overwrites a file/);
    expect(readFileSync(join(PAPER, 'first-claim.yaml'), 'utf8')).toBe(text);
    const badKey = cli(['new', join(P, 'My_Paper', 'x')]);
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/"My_Paper" is not one/);
    expect(existsSync(join(P, 'My_Paper'))).toBe(false);
    // the issue's own example: a key of hyphen-joined words
    const hyphenated = cli(['new', join(P, 'my-paper', 'my-claim')]);
    expect(hyphenated.code, hyphenated.err).toBe(0);
    expect(readFileSync(join(P, 'my-paper', 'paper.yaml'), 'utf8')).toMatch(/^key: my-paper$/m);
  });

  it('run, validate and list take the folder; the printed replay works as printed, by file or by id', { tags: ['slow'] }, () => {
    writeFileSync(join(PAPER, 'srank-false.yaml'), FALSE_CLAIM);
    mkdirSync(join(P, 'jones2023'), { recursive: true });
    writeFileSync(join(P, 'jones2023', 'paper.yaml'), 'key: jones2023\nauthors: [B. Jones]\ntitle: Another paper\nyear: 2023\n');
    writeFileSync(
      join(P, 'jones2023', 'helper.yaml'),
      claimText({
        id: 'jones2023.helper',
        title: 't',
        symbolic: "- id: sq\n  kind: identity\n  lhs: '(a+1)^2'\n  rhs: 'a^2+2*a+1'\n  variables: { a: [-1, 1] }",
      }),
    );
    const v = cli(['validate', PAPER]);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toMatch(/2 of 2 claim files valid/);
    expect(cli(['list', PAPER]).out).toMatch(/smith2024\.first-claim[\s\S]*smith2024\.srank-false/);
    const none = cli(['run']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no claims\/ folder here/);

    const out = join(P, 'out');
    const r = cli(['run', PAPER, '--out', out, '--no-boundary', '--no-cache', '--threads', '2']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/✓ smith2024\.first-claim: holds/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const c = report.claims.find((x: { id: string }) => x.id === 'smith2024.srank-false');
    expect(c.symbolic.map((s: { id: string }) => s.id).sort()).toEqual(['sq', 'zero_loss_line']);
    const w = c.search.witness;
    const file = join(PAPER, 'srank-false.yaml');
    expect(w.replay.startsWith(`npx claimcheck replay '${file}' `)).toBe(true);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(w.replay);
    expect(md).toContain(`npx claimcheck ablate '${file}'`);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(file);

    // as a shell reads the printed command
    const shell = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" ${w.replay.replace(/^npx claimcheck /, '')}`], { cwd: W, encoding: 'utf8' });
    expect(shell.status, shell.stderr).toBe(0);
    expect(shell.stdout).toMatch(/property\s+srank <= 2: FALSE/);
    const values = Object.entries(w.values)
      .map(([k, x]) => `${k}=${x}`)
      .join(',');
    const byId = cli(['replay', 'smith2024.srank-false', '--claims', PAPER, '--values', values]);
    expect(byId.code, byId.err).toBe(0);
    expect(byId.out).toMatch(/property\s+srank <= 2: FALSE/);
  });

  it('schema --out writes the JSON Schema whole, or nothing', { tags: ['slow'] }, () => {
    const file = join(P, 'claim.schema.json');
    const r = cli(['schema', '--out', file]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(claimJsonSchemaText());
    const missing = cli(['schema', '--out', join(P, 'no-such-folder', 'x.json')]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/its folder does not exist/);
    const onFolder = cli(['schema', '--out', W]);
    expect(onFolder.code).toBe(3);
    expect(readdirSync(P).filter((f) => f.includes('.new-'))).toEqual([]);
  });
});
