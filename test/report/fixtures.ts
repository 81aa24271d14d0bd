import type { Environment } from '../../src/report/environment.js';

/** A fixed environment block for report fixtures (no real machine, commit or lock file). */
export const TEST_ENVIRONMENT: Environment = {
  tool: 'claimcheck',
  toolVersion: '0.0.0',
  gitCommit: '0123456789abcdef',
  gitDirty: false,
  node: 'v20',
  platform: 'linux',
  cpu: 'cpu',
  threads: 1,
  lockfileSha256: '0',
  libraries: {},
  command: 'test',
};
