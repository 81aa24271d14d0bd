// `npm run test:fast`: the inner loop, under a minute on a 2-core machine. It is `npm test`'s vitest
// run (vitest.config.ts) without the files that run whole claims, the built CLI or a browser, and
// without single tests tagged `slow`. A new test file is in it by default: list a slow one here (or
// tag its slow tests). `npm test` still runs everything.
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/** The slow files, with what makes them slow (per-file times measured on 2 cores). */
export const SLOW_FILES = [
  'test/runner/every-claim.test.ts', // every claim file at its CI size
  'test/claims/fuzz.test.ts', // property tests over random claim files
  'test/e2e/browser.test.ts', // runs the CLI, then the HTML report in headless Chromium
  'test/e2e/resume.test.ts', // runs the CLI, kills it and resumes
  'test/e2e/determinism.test.ts', // runs the CLI with different thread counts
  'test/e2e/shard.test.ts', // runs the CLI per shard and merges
  'test/e2e/cli.test.ts', // spawns the built CLI
  'test/e2e/replay-values.test.ts', // spawns the built CLI
  'test/e2e/ablate-cli.test.ts', // spawns the built CLI
  'test/search/faults.test.ts', // worker deaths and timeouts on the pool
  'test/search/boundary.test.ts', // boundary grids and sweeps
  'test/search/mutants.test.ts', // runs the mutant suite (test/mutants) through the CLI
  'test/search/ablation-agrees.test.ts', // ablated searches of four claims at CI size
  'test/search/precision.test.ts', // double-double searches of Razin & Cohen's depth-2 flow
];

/**
 * Single slow tests in otherwise fast files, by name, until they carry `{ tags: ['slow'] }`
 * (then delete them here). A renamed one comes back into the fast run: slower, never lost.
 */
export const SLOW_TESTS = [
  'refutes "‖w‖ − |v| is conserved" both symbolically and by search', // test/search/search.test.ts, ~40 s under load
  'is deterministic for a seed', // test/symbolic/check.test.ts, ~24 s
  'gives the same result for the same seed, whatever the number of workers', // test/search/search.test.ts, ~8 s
];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...SLOW_FILES],
      tagsFilter: ['!slow'],
      testNamePattern: new RegExp(`^(?!.*(?:${SLOW_TESTS.map(escape).join('|')})).*$`),
    },
  }),
);
