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
  gitDirty: boolean;
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

export function environment(threads: number, argv = process.argv): Environment {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const lock = `${root}package-lock.json`;
  return {
    tool: 'claimcheck',
    toolVersion: pkg.version,
    gitCommit: git(['-C', root, 'rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: (git(['-C', root, 'status', '--porcelain', '--', 'src', 'claims']) ?? '') !== '',
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
