// Shared by the hostile-input tests of the loader, the output and the command line: the CLI run in
// this process (its console captured, its exit code read), and fabricated reports for merge/diff.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { cli } from '../../src/cli.js';
import type { Environment } from '../../src/report/environment.js';
import { buildReport, type Report } from '../../src/report/model.js';
import type { ClaimResult } from '../../src/runner.js';
import { claimText } from '../helpers.js';

/** Runs `claimcheck ARGV` in this process; stdout and stderr are what console.log / console.error were given. */
export async function cliHere(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
  process.exitCode = undefined;
  try {
    await cli(argv);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A valid claim file: one symbolic identity step. */
export const validClaim = (id: string, extra: { title?: string; uses?: string[] } = {}) =>
  claimText({ id, ...extra, symbolic: `- id: s\n  kind: identity\n  statement: 'x = x'\n  lhs: 'x'\n  rhs: 'x'\n  variables: { x: [0, 1] }` });

export const ENV: Environment = {
  tool: 'claimcheck',
  toolVersion: '0.0.0',
  gitCommit: '0123456789abcdef',
  gitDirty: false,
  engine: 'e'.repeat(64),
  node: 'v20.1.0',
  platform: 'linux',
  cpu: 'cpu',
  threads: 1,
  lockfileSha256: 'a'.repeat(64),
  libraries: {},
  command: 'test',
};

export const fakeClaim = (id: string, over: Partial<ClaimResult> = {}): ClaimResult => ({
  id,
  file: `claims/t/${id}.yaml`,
  paperKey: 't',
  expect: 'holds',
  verdict: 'holds',
  matches: true,
  reason: `reason of ${id}`,
  symbolic: [],
  ms: 10,
  ...over,
});

/** A report of `n` claims; `env` overrides fields of the environment. */
export function fakeReport(ids: string[], env: Partial<Environment> = {}): Report {
  return buildReport(
    ids.map((id) => fakeClaim(id)),
    {},
    [],
    { ...ENV, ...env },
    {},
    1000,
  );
}

/** Each report written as report.json in a folder of its own; their paths. */
export function reportFiles(...reports: Report[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cc-reports-'));
  return reports.map((r, i) => {
    const f = join(dir, `shard${i + 1}.json`);
    writeFileSync(f, JSON.stringify(r));
    return f;
  });
}
