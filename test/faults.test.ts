// Faults mid-run: a worker that dies is replaced and its trial retried once; a second death is an
// `error` for that trial only, and the pool keeps serving the others.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaimText } from '../src/claims/load.js';
import { createPool } from '../src/search/pool.js';

const text = `id: t.faults
title: t
statement: { text: t, latex: t }
source: { location: here }
provenance: D
expect: holds
search:
  space: { m: { grid: [2] } }
  model: { block: two-layer, d: 2, width: m, w_scale: 1 }
  metrics: { w: { block: layer-entry, layer: W, col: 0 } }
  property: 'w == w'
`;
const r = loadClaimText('t.yaml', text, 't');
if (!r.ok) throw new Error(JSON.stringify(r.errors));
const spec = r.claim.search!;
const pool = createPool(2);
afterAll(() => pool.close());

describe('worker faults', () => {
  it('replaces a worker that dies and retries its trial once, with the same result as an undisturbed run', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'cc-faults-')), 'died');
    const clean = await pool.run(spec, { m: 2, seed: 7 }, 30_000);
    const retried = await pool.run(spec, { m: 2, seed: 7 }, 30_000, undefined, { dieUnlessFile: marker });
    expect(retried.status).toBe('pass');
    expect(retried.message).toMatch(/retried once after its worker died/);
    expect(retried.quantities).toEqual(clean.quantities);
  });

  it('records a trial whose worker dies twice as an error, and keeps running the others', async () => {
    const dead = await pool.run(spec, { m: 2, seed: 1 }, 30_000, undefined, { dieAlways: true });
    expect(dead.status).toBe('error');
    expect(dead.message).toMatch(/worker failed twice/);
    expect(dead.values).toEqual({ m: 2, seed: 1 });
    const after = await Promise.all([1, 2, 3, 4].map((seed) => pool.run(spec, { m: 2, seed }, 30_000)));
    expect(after.map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });
});
