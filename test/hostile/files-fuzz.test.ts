// Issue 17, fuzz: folders of random file kinds (symlinks in and out of the folder, to /dev/zero, dangling,
// looping, to folders; FIFOs; oversized files; garbage) handed to the loader. Always: no throw, no hang,
// one entry per claim-named path, the valid files still load, no error longer than the offending line
// allows, and never a byte of a file outside the given folder. CI runs a few hundred cases;
// FUZZ_RUNS=10000 for a nightly-size run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaims, MAX_CLAIM_FILE_BYTES } from '../../src/claims/load.js';
import { FC_SEED } from '../helpers.js';
import { validClaim } from './support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SECRET = 'SECRET-OUTSIDE-7d2e';

/** What each kind of entry is, and whether the loader should accept it. */
const KINDS = {
  valid: { ok: true },
  garbage: { ok: false },
  linkInside: { ok: true },
  linkSecret: { ok: false },
  linkDevZero: { ok: false },
  linkDangling: { ok: false },
  linkLoop: { ok: false },
  linkChainOut: { ok: false },
  linkDirInside: { ok: false },
  linkDirOutside: { ok: false },
  fifo: { ok: false },
  big: { ok: false },
  folderNamedYaml: { ok: undefined }, // walked into, not an entry
} as const;
type Kind = keyof typeof KINDS;

function plant(root: string, dir: string, name: string, kind: Kind, i: number, garbage: string): void {
  const p = join(dir, name);
  const secret = join(root, 'outside', 'secret.txt');
  switch (kind) {
    case 'valid':
      return writeFileSync(p, validClaim(`t.valid-${i}`));
    case 'garbage':
      return writeFileSync(p, garbage);
    case 'linkInside':
      writeFileSync(join(dir, `target-${i}.txt`), validClaim(`t.linked-${i}`));
      return symlinkSync(`target-${i}.txt`, p);
    case 'linkSecret':
      return symlinkSync(secret, p);
    case 'linkDevZero':
      return symlinkSync('/dev/zero', p);
    case 'linkDangling':
      return symlinkSync(join(dir, `missing-${i}`), p);
    case 'linkLoop':
      return symlinkSync(name, p);
    case 'linkChainOut':
      symlinkSync(secret, join(dir, `hop-${i}`));
      return symlinkSync(`hop-${i}`, p);
    case 'linkDirInside':
      mkdirSync(join(dir, `sub-${i}`), { recursive: true });
      return symlinkSync(`sub-${i}`, p);
    case 'linkDirOutside':
      return symlinkSync(join(root, 'outside'), p);
    case 'fifo':
      return void execFileSync('mkfifo', [p]);
    case 'big':
      return writeFileSync(p, Buffer.alloc(MAX_CLAIM_FILE_BYTES + 1 + (i % 3), 'a'));
    case 'folderNamedYaml':
      return mkdirSync(p);
  }
}

describe('files the loader is handed (fuzz)', () => {
  it(`random file kinds in a claims folder: one entry each, nothing outside read, no crash (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...(Object.keys(KINDS) as Kind[])), { minLength: 1, maxLength: 6 }),
        fc.string({ maxLength: 200 }),
        fc.boolean(),
        (kinds, garbage, oneByOne) => {
          const root = mkdtempSync(join(tmpdir(), 'cc-fuzz-files-'));
          try {
            mkdirSync(join(root, 'outside'));
            writeFileSync(join(root, 'outside', 'secret.txt'), `${SECRET}: 1\n`);
            const dir = join(root, 'claims', 'p');
            mkdirSync(dir, { recursive: true });
            writeFileSync(join(dir, 'paper.yaml'), 'key: p\nauthors: [A. Author]\ntitle: t\nyear: 2024\n');
            kinds.forEach((k, i) => plant(root, dir, `f${i}.yaml`, k, i, garbage));
            const given = oneByOne ? kinds.map((_, i) => join(dir, `f${i}.yaml`)).filter((_, i) => kinds[i] !== 'folderNamedYaml') : [join(root, 'claims')];
            const { claims } = loadClaims(given);
            // named one by one, a link to a folder inside is walked (no claim files there: no entry)
            const expected = kinds.map((k, i) => [k, i] as const).filter(([k]) => KINDS[k].ok !== undefined && !(oneByOne && k === 'linkDirInside'));
            expect(claims.map((c) => c.file.replace(/.*\/(f\d+\.yaml)$/, '$1'))).toEqual(expected.map(([, i]) => `f${i}.yaml`));
            claims.forEach((c, j) => {
              const kind = expected[j][0];
              if (kind !== 'garbage') expect(c.ok, `${kind}: ${JSON.stringify(c)}`).toBe(KINDS[kind].ok);
              if (!c.ok) for (const e of c.errors) expect(e.message.length).toBeLessThanOrEqual(241);
            });
            expect(JSON.stringify(claims)).not.toContain(SECRET);
          } finally {
            rmSync(root, { recursive: true, force: true });
          }
        },
      ),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });
});
