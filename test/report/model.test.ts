// The report model (src/report/model.ts): claim files in the order the loader walks folders, the
// order in which mergeReports puts the claims of shards back (the merge itself: test/e2e/shard.test.ts).
import { describe, expect, it } from 'vitest';
import { compareClaimFiles } from '../../src/report/model.js';

describe('claim file order', () => {
  it('orders claim files as the loader walks folders', () => {
    const files = ['claims/a-b/x.yaml', 'claims/a/y.yaml', 'claims/a/x.yaml', 'claims/b.yaml'];
    expect([...files].sort(compareClaimFiles)).toEqual(['claims/a/x.yaml', 'claims/a/y.yaml', 'claims/a-b/x.yaml', 'claims/b.yaml']);
  });
});
