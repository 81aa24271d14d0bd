// Issue 17, "Files the loader is handed": a claim path that is not a plain file of the given folders
// (a symlink to /dev/zero or to a secret, a dangling symlink, a loop, a FIFO, a socket, a huge file)
// is one `invalid` entry with a clear message: never a crash, a hang, a huge read or a quoted secret;
// beyond the given paths, `uses:` reads only the regular claim files beside the using file (issue 22)
// and the built-in library, through the same checks, and never quotes them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaims, MAX_CLAIM_FILE_BYTES, readClaimSource, type ClaimLoad } from '../../src/claims/load.js';
import { claimsFixture, claimText, runCli } from '../helpers.js';

const SECRET = 'SECRET-TOKEN-3f9a1c';
/** A valid claim file: one symbolic identity step. */
const validClaim = (id: string, extra: { uses?: string[] } = {}) =>
  claimText({ id, ...extra, symbolic: `- id: s\n  kind: identity\n  statement: 'x = x'\n  lhs: 'x'\n  rhs: 'x'\n  variables: { x: [0, 1] }` });
const messages = (c: ClaimLoad) => (c.ok ? [] : c.errors.map((e) => e.message));

/** A claims folder with one valid claim (a.yaml), beside a secret file outside it. */
function fixture(): { dir: string; secret: string } {
  const dir = claimsFixture({ 'a.yaml': validClaim('t.valid') });
  const secret = join(dir, '..', '..', `secret-${process.pid}.txt`);
  writeFileSync(secret, `token: ${SECRET}\n`);
  return { dir, secret };
}

function loadOne(dir: string, name: string): { entry: ClaimLoad; all: ClaimLoad[] } {
  const all = loadClaims([join(dir, '..')]).claims;
  const entry = all.find((c) => c.file.endsWith(name));
  if (!entry) throw new Error(`no entry for ${name}: ${JSON.stringify(all.map((c) => c.file))}`);
  return { entry, all };
}

describe('files the loader is handed', () => {
  it('a symlink to /dev/zero is one invalid entry, read neither whole nor at all', () => {
    const { dir } = fixture();
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    const rss = process.memoryUsage().rss;
    const { entry, all } = loadOne(dir, 'zero.yaml');
    expect(entry.ok).toBe(false);
    expect(messages(entry).join()).toMatch(/symlink that leads outside the given paths/);
    expect(all.filter((c) => c.ok).map((c) => c.ok && c.claim.id)).toEqual(['t.valid']);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
  });

  it('/dev/zero given by name, and a character device inside the folder, are refused as "not a regular file"', () => {
    const direct = loadClaims(['/dev/zero']).claims;
    expect(direct).toHaveLength(1);
    expect(messages(direct[0]).join()).toMatch(/not a regular file: a character device/);
    expect(readClaimSource('/dev/zero')).toEqual({ error: 'not a regular file: a character device' });
  });

  it('a symlink to a secret file outside the given paths: refused unread, the secret is in no error, report or output', () => {
    const { dir, secret } = fixture();
    symlinkSync(secret, join(dir, 'secret.yaml'));
    const { entry } = loadOne(dir, 'secret.yaml');
    expect(messages(entry).join()).toMatch(/symlink that leads outside/);
    expect(JSON.stringify(entry)).not.toContain(SECRET);
    const out = mkdtempSync(join(tmpdir(), 'cc-out-'));
    const r = runCli(['run', join(dir, 'secret.yaml'), join(dir, 'a.yaml'), '--out', join(out, 'r'), '--threads', '1', '--no-cache'], { timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.out + r.err).not.toContain(SECRET);
    for (const f of ['report.json', 'report.md', 'index.html']) expect(execFileSync('cat', [join(out, 'r', f)], { encoding: 'utf8' })).not.toContain(SECRET);
  });

  it('a symlink that stays inside the given folder is followed', () => {
    const { dir } = fixture();
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'b.txt'), validClaim('t.linked'));
    symlinkSync(join('shared', 'b.txt'), join(dir, 'b.yaml'));
    const { entry } = loadOne(dir, 'b.yaml');
    expect(entry.ok && entry.claim.id).toBe('t.linked');
  });

  it('a dangling symlink and a symlink loop are invalid entries; the other claims still load', () => {
    const { dir } = fixture();
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'dangling.yaml'));
    symlinkSync('loop.yaml', join(dir, 'loop.yaml'));
    expect(messages(loadOne(dir, 'dangling.yaml').entry).join()).toMatch(/dangling symlink/);
    const { entry, all } = loadOne(dir, 'loop.yaml');
    expect(messages(entry).join()).toMatch(/symlink loop/);
    expect(all.filter((c) => c.ok)).toHaveLength(1);
    // given by name on the command line too: one invalid entry each, no raw ENOENT/ELOOP
    const direct = loadClaims([join(dir, 'dangling.yaml'), join(dir, 'loop.yaml'), join(dir, 'a.yaml')]).claims;
    expect(direct.map((c) => c.ok)).toEqual([false, false, true]);
  });

  it('a FIFO is refused without waiting for a writer', () => {
    const { dir } = fixture();
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    const t0 = performance.now();
    expect(messages(loadOne(dir, 'fifo.yaml').entry).join()).toMatch(/not a regular file: a FIFO/);
    expect(performance.now() - t0).toBeLessThan(5000);
    const r = runCli(['validate', dir], { timeout: 30_000 });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/fifo\.yaml:1:1: not a regular file: a FIFO/);
    expect(r.out).toMatch(/1 of 2 claim files valid/);
  });

  it('a socket is refused', async () => {
    const { dir } = fixture();
    const server = createServer().listen(join(dir, 'sock.yaml'));
    await new Promise((ok) => server.once('listening', ok));
    try {
      expect(messages(loadOne(dir, 'sock.yaml').entry).join()).toMatch(/not a readable file|not a regular file/);
    } finally {
      server.close();
    }
  });

  it('a file over the limit is refused by its size before it is read; one at the limit is read', () => {
    const { dir } = fixture();
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(MAX_CLAIM_FILE_BYTES + 1, 'a'));
    writeFileSync(join(dir, 'edge.yaml'), Buffer.alloc(MAX_CLAIM_FILE_BYTES, 'a'));
    expect(messages(loadOne(dir, 'big.yaml').entry).join()).toMatch(/larger than 1 MB/);
    expect(readClaimSource(join(dir, 'edge.yaml'))).toHaveProperty('text');
  });

  it('a YAML or schema error quotes at most the offending line, clipped', () => {
    const { dir } = fixture();
    writeFileSync(join(dir, 'leak.yaml'), `${'x'.repeat(5000)}: [\n${SECRET}: 1\n`);
    writeFileSync(join(dir, 'scalar.yaml'), `"${'y'.repeat(5000)}"\n# ${SECRET}\n`);
    for (const name of ['leak.yaml', 'scalar.yaml']) {
      const { entry } = loadOne(dir, name);
      expect(entry.ok).toBe(false);
      for (const m of messages(entry)) {
        expect(m.length).toBeLessThanOrEqual(241);
        expect(m).not.toContain(SECRET);
      }
    }
  });

  it('`uses:` reads the claim files beside the given path, but never a FIFO there nor a symlink out of the folder above', () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-uses-'));
    for (const [key, files] of Object.entries({
      mine: { 'a.yaml': validClaim('t.citing', { uses: ['t.elsewhere#s', 't.secret#s'] }) },
      beside: { 'b.yaml': validClaim('t.elsewhere') },
    })) {
      mkdirSync(join(root, key));
      writeFileSync(join(root, key, 'paper.yaml'), `key: ${key}\nauthors: [A. Author]\ntitle: t\nyear: 2024\n`);
      for (const [n, t] of Object.entries(files)) writeFileSync(join(root, key, n), t);
    }
    execFileSync('mkfifo', [join(root, 'beside', 'c.yaml')]);
    const outside = join(mkdtempSync(join(tmpdir(), 'cc-outside-')), 'secret.yaml');
    writeFileSync(outside, validClaim('t.secret').replace('title: fixture', `title: ${SECRET}`));
    symlinkSync(outside, join(root, 'beside', 'd.yaml'));
    const [c] = loadClaims([join(root, 'mine')]).claims;
    expect(c.ok).toBe(false);
    expect(messages(c)).toEqual([expect.stringMatching(/^no claim "t\.secret"/)]);
  });
});
