import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClaimText, type LoadedClaim } from '../src/claims/load.js';
import type { SearchSpec } from '../src/claims/schema.js';

/** The light helpers (fast-check settings, gradient checks) live in checks.ts, which a test needing only them imports instead (this file loads src/claims). */
export { FC_SEED, expectGradientMatchesFD, fcRuns, fdGradient, quadratic } from './checks.js';

/** The repository root, its claims/ folder and the CLI's entry point (the built CLI: dist/ must be current). */
export const ROOT = join(import.meta.dirname, '..');
export const CLAIMS_DIR = join(ROOT, 'claims');
export const BIN = join(ROOT, 'bin', 'claimcheck.js');

export interface CliOptions {
  /** working directory (default ROOT) */
  cwd?: string;
  /** kill the CLI after this many ms (spawnSync's timeout; default none) */
  timeout?: number;
  /** throw, with the CLI's output, when it exits with anything but 0 */
  check?: boolean;
}

/** Runs `node bin/claimcheck.js ARGS` to its end. */
export function runCli(args: string[], opts: CliOptions = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: opts.timeout });
  if (opts.check && r.status !== 0) throw new Error(`claimcheck ${args.join(' ')} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts `node bin/claimcheck.js ARGS` without waiting for it (to kill it mid-run); its output is dropped. */
export function startCli(args: string[], opts: Pick<CliOptions, 'cwd'> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: 'ignore' });
}

/** A throw-away claims folder holding one paper and the given claim files. */
export function claimsFixture(files: Record<string, string>, paperKey = 'testpaper'): string {
  const root = mkdtempSync(join(tmpdir(), 'claimcheck-'));
  const dir = join(root, paperKey);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'paper.yaml'), `key: ${paperKey}\nauthors: [A. Author]\ntitle: A test paper\nyear: 2024\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A report.json's text with every timing and the environment blanked: what must be byte-identical between runs. */
export function reportWithoutTimings(text: string): string {
  const timing = new Set(['ms', 'wallMs', 'trialsPerSecond', 'workerMs', 'reusedTrials', 'generatedAt', 'environment']);
  return JSON.stringify(
    JSON.parse(text, (k, v) => (timing.has(k) ? '(timing)' : v)),
    null,
    1,
  );
}

/** The sections of a minimal claim file (YAML, unindented) and the header fields a test may change. */
export interface ClaimFixture {
  id?: string; // default t.fixture
  title?: string; // default fixture
  expect?: 'holds' | 'refuted'; // default holds
  uses?: string[];
  symbolic?: string;
  search?: string;
  boundary?: string;
  /** YAML appended as it is, after the sections (a trajectory section, say) */
  after?: string;
}

/** The text of a minimal claim file: the header every claim needs (statement, source, provenance, expect), then the given sections. */
export function claimText(c: ClaimFixture = {}): string {
  const section = (name: string, body: string | undefined) => (body === undefined ? '' : `${name}:\n${body.replace(/^/gm, '  ')}\n`);
  const uses = c.uses ? `uses: [${c.uses.map((u) => `'${u}'`).join(', ')}]\n` : '';
  const header = `id: ${c.id ?? 't.fixture'}\ntitle: ${c.title ?? 'fixture'}\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: ${c.expect ?? 'holds'}\n`;
  return header + uses + section('symbolic', c.symbolic) + section('search', c.search) + section('boundary', c.boundary) + (c.after ?? '');
}

/** The text of a minimal claim file around a search section (YAML, unindented). */
export function claimWithSearch(search: string, id = 't.fixture'): string {
  return claimText({ id, search });
}

/** A minimal loaded claim around a search section; throws with the validation errors if it is invalid. */
export function loadedWithSearch(search: string, id = 't.fixture'): LoadedClaim {
  const r = loadClaimText(`${id}.yaml`, claimWithSearch(search, id), 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

export const searchFixture = (search: string, id?: string): SearchSpec => loadedWithSearch(search, id).claim.search!;

/**
 * A search over a deep linear factorization of a 2×2 matrix-completion problem (Razin & Cohen 2020, C3),
 * with path-watching metrics: shared by the metric, trajectory, --full and matrix-completion tests.
 */
export const C3_SEARCH = `
trials: 2
space: { L: { grid: [3] }, alpha: { grid: [0.1] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: L, init: balanced, scale: alpha, det_sign: positive }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 10000, rtol: 1e-9, atol: 1e-13, max_steps: 200000, stop_loss: 1e-2 }
metrics:
  w11min: { block: path-extreme, layer: W, of: 'abs(e11)', when: 'loss < 0.5' }
  w11max: { block: path-extreme, layer: W, of: 'abs(e11)', extreme: max }
  steps_seen: { block: path-extreme, layer: W, of: '1', output: count }
  early: { block: path-extreme, layer: W, of: 'loss', until: 'loss < 0.4', output: count }
  never: { block: path-extreme, layer: W, of: 'loss', when: 'loss < 0', default: -1 }
  steps: { block: steps }
  laststep: { block: path-extreme, layer: W, of: 'step', extreme: max }
  w11: { block: layer-entry, layer: W, col: 0 }
  lossT: { block: loss }
property: 'w11min >= 0'`;
