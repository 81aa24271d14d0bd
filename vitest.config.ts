import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // `it('…', { tags: ['slow'] }, () => …)` keeps a test out of `npm run test:fast` (vitest.fast.config.ts)
    tags: [{ name: 'slow', description: 'left out of npm run test:fast; npm test runs it' }],
  },
});
