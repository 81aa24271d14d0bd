import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { environment } from '../../src/report/environment.js';
import { buildReport, writeReport } from '../../src/report/report.js';
import { checkClaim } from '../../src/runner.js';
import { inlineRunner } from '../../src/search/pool.js';
import { claimText } from '../helpers.js';

const CLAIM = claimText({
  id: 't.boundary',
  title: 'srank of a Gaussian matrix over (m, d)',
  search: `trials: 4
space:
  m: { int: [1, 6] }
  d: { int: [1, 6] }
model: { block: two-layer, d: d, width: m, w_scale: 1 }
metrics:
  srank: { block: stable-rank, layer: W }
property: 'srank >= 1'`,
  boundary: `x: { var: m, values: [1, 2, 4] }
y: { var: d, values: [1, 3, 6] }
metric: srank
threshold: 2
curves:
  - { name: 'm = d', y: 'm' }`,
});

describe('hypothesis-boundary grids', () => {
  it('runs the grid, writes the heat map as SVG, and puts its data and spec in report.json', async () => {
    const loaded = loadClaimText('b.yaml', CLAIM, 't');
    if (!loaded.ok) throw new Error(loaded.errors.map(formatError).join('\n'));
    const r = await checkClaim(loaded, { runner: inlineRunner() });
    expect(r.boundary!.cells).toHaveLength(9);
    const one = r.boundary!.cells.find((c) => c.x === 1 && c.y === 6)!;
    expect(one.value).toBeCloseTo(1, 12); // a 1×6 matrix has stable rank 1
    const out = mkdtempSync(join(tmpdir(), 'cc-b-'));
    const report = buildReport([r], {}, [], environment(1), {}, 0);
    await writeReport(report, out);
    const svg = readFileSync(join(out, 't.boundary.boundary.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.claims[0].boundary.plot.spec.layer).toHaveLength(2);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| d \\ m \| 1 \| 2 \| 4 \|/);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
  });

  it('is validated against the search space', () => {
    const bad = loadClaimText(
      'b.yaml',
      CLAIM.replace('x: { var: m,', 'x: { var: width,').replace("    - { name: 'm = d', y: 'm' }", "    - { name: 'x', y: 'zz' }"),
      't',
    );
    expect(bad.ok).toBe(false);
    const msgs = !bad.ok ? bad.errors.map(formatError).join('\n') : '';
    expect(msgs).toMatch(/boundary\.x\.var: "width" is not a variable of the search space: m, d/);
    expect(msgs).toMatch(/boundary\.fixed: fix the other variables of the space: missing m/);
    expect(msgs).toMatch(/boundary\.curves\[0\]\.y: unknown name "zz"/);
  });
});
