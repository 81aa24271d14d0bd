// What a reviewer needs to reproduce a run: versions, commit, lock-file hash, command.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism, cpus, platform, arch } from 'node:os';
import { denseKernels } from '../numeric/dense.js';
import { CAS_PACKAGES } from '../symbolic/cas.js';

const require = createRequire(import.meta.url);

export interface Environment {
  tool: string;
  toolVersion: string;
  gitCommit: string;
  /** uncommitted changes (tracked or untracked) to the code, the claims or the dependencies: `git status --porcelain` not empty */
  gitDirty: boolean;
  /** the engine fingerprint the journal keys trials by (absent in reports from before it was recorded) */
  engine?: string;
  node: string;
  platform: string;
  cpu: string;
  threads: number;
  /** which implementation ran the dense float64 products (bit-identical either way) */
  kernels?: string;
  lockfileSha256: string;
  libraries: Record<string, string>;
  command: string;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The installed version of a dependency (its package.json found next to its entry point, whatever its "exports" say). */
export function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const f = join(dir, 'package.json');
      if (existsSync(f)) {
        const p = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version: string };
        if (p.name === name) return p.version;
      }
      dir = dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return 'not installed';
}

export function packageRoot(): string {
  return new URL('../..', import.meta.url).pathname;
}

export function environment(threads: number, argv = process.argv, engine?: string): Environment {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const lock = `${root}package-lock.json`;
  return {
    tool: 'claimcheck',
    toolVersion: pkg.version,
    gitCommit: git(['-C', root, 'rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: (git(['-C', root, 'status', '--porcelain', '--', 'src', 'claims', 'bin', 'package.json', 'package-lock.json']) ?? '') !== '',
    ...(engine ? { engine } : {}),
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpu: `${cpus()[0]?.model ?? 'unknown'} (${availableParallelism()} threads available)`,
    threads,
    kernels: denseKernels === 'wasm-simd' ? 'WebAssembly SIMD' : 'JavaScript',
    lockfileSha256: existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'no lock file',
    libraries: {
      ...Object.fromEntries([...CAS_PACKAGES, 'fast-check', 'ml-matrix', 'zod', 'yaml', 'piscina'].map((p) => [p, packageVersion(p)])),
    },
    command: ['claimcheck', ...argv.slice(2)].join(' '),
  };
}

const nodeMajor = (v: string) => /^v?(\d+)/.exec(v)?.[1] ?? v;

/**
 * Why reports from these environments should not be merged as one run: lock files, Node major
 * versions or engine fingerprints that differ, and shards from trees with uncommitted changes.
 * `names[i]` says which shard environment i is.
 */
export function mergeProblems(envs: Environment[], names: string[]): string[] {
  const problems: string[] = [];
  const differ = (what: string, key: (e: Environment) => string | undefined) => {
    const values = envs.map(key);
    const first = values.find((v) => v !== undefined);
    const odd = values.findIndex((v) => v !== undefined && v !== first);
    if (odd >= 0) problems.push(`${what} differ: ${names[values.indexOf(first)]} has ${first?.slice(0, 16)}, ${names[odd]} has ${values[odd]?.slice(0, 16)}`);
  };
  differ('the lock files (package-lock.json sha256)', (e) => e.lockfileSha256);
  differ('the Node major versions', (e) => nodeMajor(e.node));
  differ('the engine fingerprints', (e) => e.engine);
  const dirty = envs.map((e, i) => (e.gitDirty ? names[i] : undefined)).filter((n): n is string => n !== undefined);
  if (dirty.length) problems.push(`from a tree with uncommitted changes: ${dirty.join(', ')}`);
  return problems;
}
