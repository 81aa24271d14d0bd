// End to end: the built CLI run in a child process (test/e2e/ holds the whole-CLI runs, through
// runCli/startCli in test/helpers.ts): the commands of src/cli.ts (validate, run, diff, replay,
// list), their exit codes and the files they write.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAIMS_DIR, ROOT, claimsFixture, runCli } from '../helpers.js';

const cli = (args: string[]) => runCli(args, { timeout: 170_000 });

const SRANK = readFileSync(join(CLAIMS_DIR, 'frei2022/gaussian-stable-rank-at-most-2.yaml'), 'utf8');

describe('command line', () => {
  it('validate: passes on claims/ and exits 2 with file:line:column on a bad file', () => {
    const ok = cli(['validate', 'claims']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/claim files valid/);
    const dir = claimsFixture({ 'bad.yaml': SRANK.replace('provenance: D', 'provenance: maybe') });
    const bad = cli(['validate', dir]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/bad\.yaml:\d+:\d+: provenance: expected one of "V", "A", "R", "D", "N", found the string "maybe"/);
  });

  it('run: writes report.json and report.md, exits 0 when verdicts match, 1 when not, 2 for invalid input', () => {
    const out = mkdtempSync(join(tmpdir(), 'cc-report-'));
    const dir = claimsFixture({
      'refuted.yaml': SRANK,
      'wrongly-expected.yaml': SRANK.replace('id: frei2022.gaussian-srank-at-most-2', 'id: t.expects-holds').replace('expect: refuted', 'expect: holds'),
    });
    const r = cli(['run', dir, '--out', out, '--threads', '2']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ t\.expects-holds: REFUTED \(expected holds\)/);
    expect(r.out).toMatch(/✓ frei2022\.gaussian-srank-at-most-2: REFUTED \(as expected\)/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.summary).toMatchObject({ claims: 2, matching: 1, mismatching: 1 });
    expect(report.environment.libraries['nerdamer-prime']).toMatch(/^\d/);
    expect(report.claims[0].search.witness.replay).toMatch(/^npx claimcheck replay /);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/#### Counterexample \(genuine, \d+ shrinks\)/);
    expect(md).toMatch(/\*\*DISAGREES\*\*/);

    // the HTML page lists the disagreement before everything else
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/Needs attention first \(1\):.*t\.expects-holds/);
    // kept beside the report folder: a report folder holds a report only (the next run replaces it whole)
    const before = join(mkdtempSync(join(tmpdir(), 'cc-before-')), 'before.json');
    writeFileSync(before, readFileSync(join(out, 'report.json')));

    const one = cli(['run', join(dir, 'refuted.yaml'), '--out', out]);
    expect(one.code).toBe(0);
    // diff: the claim that was dropped from the run shows as a change, exit 1; a report against itself, exit 0
    const d = cli(['diff', before, join(out, 'report.json')]);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(/t\.expects-holds\s+refuted\s+→ absent/);
    expect(cli(['diff', before, before]).out).toMatch(/No verdict changed/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/Changes since the previous report[\s\S]*t\.expects-holds/);

    writeFileSync(join(dir, 'broken.yaml'), 'id: [');
    const broken = cli(['run', dir, '--out', out]);
    expect(broken.code).toBe(2);
    expect(broken.out).toMatch(/INVALID/);
    expect(broken.out).toMatch(/REFUTED \(as expected\)/); // the other claims still ran
  });

  it('replay: re-runs the named trial and prints its metrics', () => {
    const out = mkdtempSync(join(tmpdir(), 'cc-report-'));
    cli(['run', 'frei2022.gaussian-srank-at-most-2', '--out', out]);
    const w = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).claims[0].search.witness;
    // the report's own replay command: by run seed and path (random phase) or by values (covering design, guided phase)
    expect(w.replay).toMatch(/^npx claimcheck replay frei2022\.gaussian-srank-at-most-2 (--seed \d+ --path [\d:]+|--values \S+)$/);
    const r = cli(w.replay.split(' ').slice(2));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/property\s+srank <= 2: FALSE/);
    expect(r.out).toContain(`m            := ${w.values.m}`);
    expect(r.out).toMatch(/status\s+fail/);
  });

  it('list: shows claims with their papers and expectations', () => {
    const r = cli(['list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/vardi2021\.balancedness\s+Vardi et al\. 2021\s+expects holds/);
  });

  it('exits 2 with a message for an unknown claim id', () => {
    const r = cli(['run', 'no.such.claim']);
    expect(r.code).toBe(2);
    expect(r.err + r.out).toMatch(/no claim file or claim id "no\.such\.claim"; \d+ claim ids are known/);
    // a near miss is named, not the whole list of ids
    const typo = cli(['run', 'vardi2021.balancednes']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/"vardi2021\.balancednes" \(did you mean vardi2021\.balancedness[,?]/);
    expect(typo.err).not.toMatch(/razin2020/);
  });

  it('the bin exists after the build', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli.js'))).toBe(true);
  });
});
