// Issue 17, fuzz: command lines with one defect (a misspelt or unknown option, a number out of range
// or malformed, a malformed fast-check path) at a random place among valid arguments, for every
// subcommand. Always: exit 2, one line on stderr without control characters, and nothing run (no
// verdict line, no report folder). CI runs a few hundred cases; FUZZ_RUNS=10000 for a nightly-size run.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimsFixture, FC_SEED } from '../helpers.js';
import { cliHere, fakeReport, reportFiles, validClaim } from './support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** The options each subcommand declares (string ones take a value), written out here independently of the CLI. */
const OPTIONS: Record<string, { strings: string[]; booleans: string[] }> = {
  run: { strings: ['trials', 'seed', 'budget', 'out', 'threads', 'shard', 'seeds'], booleans: ['boundary', 'full', 'cache'] },
  validate: { strings: [], booleans: [] },
  replay: { strings: ['seed', 'path', 'claims'], booleans: ['refine', 'full'] },
  list: { strings: ['report'], booleans: [] },
  diff: { strings: [], booleans: [] },
  merge: { strings: ['out'], booleans: ['force'] },
};
const declared = (cmd: string) => {
  const o = OPTIONS[cmd];
  return new Set([...o.strings, ...o.booleans, ...o.booleans.map((b) => `no-${b}`), 'help', 'h']);
};

const claims = claimsFixture({ 'a.yaml': validClaim('t.one') });
const [report] = reportFiles(fakeReport(['t.a']));
const outBase = mkdtempSync(join(tmpdir(), 'cc-fuzz-cli-'));

/** Valid arguments of each subcommand, in units that a defect may be put between; `out` is the report folder a run would create. */
function validUnits(cmd: string, out: string): string[][] {
  switch (cmd) {
    case 'run':
      return [[claims], ['--out', out], ['--threads', '1'], ['--no-cache'], ['--trials', '5']];
    case 'validate':
      return [[claims]];
    case 'replay':
      return [['t.one'], ['--claims', join(claims, '..')], ['--seed', '1']];
    case 'list':
      return [['--report', join(out, 'none.json')]];
    case 'diff':
      return [[report], [report]];
    default:
      return [[report], ['--out', out]];
  }
}

const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-');
/** A misspelling of a declared option (or any unknown name) that is not itself declared. */
const misspelt = (cmd: string) =>
  fc
    .tuple(
      fc.constantFrom(...[...OPTIONS[cmd].strings, ...OPTIONS[cmd].booleans, 'trials', 'cache', 'out']),
      fc.nat(),
      letter,
      fc.constantFrom('insert', 'delete', 'swap', 'replace', 'no-'),
    )
    .map(([name, at, c, edit]) => {
      const i = at % (name.length + 1);
      if (edit === 'insert') return name.slice(0, i) + c + name.slice(i);
      if (edit === 'delete') return name.slice(0, i) + name.slice(i + 1);
      if (edit === 'swap') return name.slice(0, i) + name.slice(i + 1, i + 2) + name.slice(i, i + 1) + name.slice(i + 2);
      if (edit === 'replace') return name.slice(0, i) + c + name.slice(i + 1);
      return `no-${name}`;
    })
    .filter((n) => n.length > 0 && !n.startsWith('-') && !declared(cmd).has(n))
    .chain((n) => fc.constantFrom<string[]>([`--${n}`], [`--${n}=5`], [`-${n}`]));

const badWhole = fc.oneof(
  fc.bigInt({ min: 2n ** 32n, max: 2n ** 80n }).map(String),
  fc.integer({ min: -1e9, max: -1 }).map(String),
  fc
    .double({ noNaN: true })
    .filter((x) => !Number.isInteger(x))
    .map(String),
  fc.constantFrom('NaN', '1e3', '0x10', '', ' ', 'Infinity', '1_000', '\x1b[2J', '٣'),
);
const badPath = fc.string({ maxLength: 12 }).filter((s) => !/^\d+(:\d+)*$/.test(s.trim()));

/** One defect for a subcommand: an unknown option, or a bad value for one of its numeric options. */
function defect(cmd: string): fc.Arbitrary<string[]> {
  const bad: fc.Arbitrary<string[]>[] = [misspelt(cmd)];
  if (cmd === 'run') {
    bad.push(badWhole.map((v) => ['--seed', v]));
    bad.push(fc.oneof(badWhole, fc.constantFrom('0', '1025')).map((v) => ['--threads', v]));
    bad.push(fc.oneof(badWhole, fc.constantFrom('0', '1001')).map((v) => ['--seeds', v]));
    bad.push(fc.constantFrom('0', '0s', '-1s', 'abc', '1e3s', '99999999h', '').map((v) => ['--budget', v]));
    bad.push(
      fc
        .oneof(
          fc
            .tuple(fc.nat(9), fc.nat(9))
            .filter(([i, n]) => i < 1 || i > n)
            .map(([i, n]) => `${i}/${n}`),
          fc.constantFrom('1', '1/0', 'a/b', ''),
        )
        .map((v) => ['--shard', v]),
    );
  }
  if (cmd === 'replay') {
    bad.push(badPath.map((v) => ['--path', v]));
    bad.push(badWhole.map((v) => ['--seed', v]));
  }
  return fc.oneof(...bad);
}

const command = fc.constantFrom(...Object.keys(OPTIONS)).chain((cmd) => fc.tuple(fc.constant(cmd), defect(cmd), fc.nat()));

describe('command lines with one defect (fuzz)', () => {
  it(`exit 2, one clean line, nothing run (${RUNS} cases)`, async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(command, async ([cmd, bad, at]) => {
        const out = join(outBase, `r${k++}`);
        const units = validUnits(cmd, out);
        const i = at % (units.length + 1);
        const argv = [cmd, ...[...units.slice(0, i), bad, ...units.slice(i)].flat()];
        const r = await cliHere(argv);
        expect(r.code, JSON.stringify(argv) + r.err).toBe(2);
        const lines = r.err.trim().split('\n');
        expect(lines, JSON.stringify(argv)).toHaveLength(1);
        expect(lines[0]).toMatch(/^claimcheck: /);
        expect(lines[0]).not.toMatch(CONTROL);
        expect(r.out, JSON.stringify(argv)).not.toMatch(/claims agree|^claim {5}|Merged|claim files valid/m);
        expect(existsSync(out)).toBe(false);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });
});
