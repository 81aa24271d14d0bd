// Issue #17 review, command line: --trials and --seeds are held to the work and result-memory limits
// with the effective count of trials (× seeds), before any claim runs; exit 3 is for a report that
// cannot be written, never for an input that cannot be read. And two small ones: a merged report's
// papers are a null-prototype map; path-extreme says when `until` alone stopped its watch.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { mergeReports, type Report } from '../../src/report/model.js';
import { runTrial } from '../../src/search/trial.js';
import { claimWithSearch, searchFixture } from '../helpers.js';
import { cliHere, fakeReport } from './support.js';

// an input report that cannot be read for lack of permission (the tests run as root, where chmod does not stop a read)
const denied = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/report/report.js', async (original) => {
  const m = await original<typeof import('../../src/report/report.js')>();
  return {
    ...m,
    readReportFile: (...a: Parameters<typeof m.readReportFile>) => {
      if (denied.on) throw Object.assign(new Error(`EACCES: permission denied, open '${a[0]}'`), { code: 'EACCES' });
      return m.readReportFile(...a);
    },
  };
});

function folder(search: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-cli-limits-'));
  writeFileSync(join(dir, 'c.yaml'), claimWithSearch(search, 't.heavy'));
  return dir;
}

/** 1 trial of ≈ 2·10^11 work: within the limit of 10^12 as the file says it; 10 trials are not. */
const HEAVY = `trials: 1
min_in_regime: 1
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 100, d: 100 }
model: { block: two-layer, d: 100, width: 100, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 10000000, eta: 0.1 }
metrics: { s: { block: loss } }
property: 's >= 0'`;

describe('--trials and --seeds are held to the work and result-memory limits', () => {
  it('--trials 10 on a claim whose one trial is 2·10^11 work: exit 2 naming the claim and the limit, before any run', async () => {
    const dir = folder(HEAVY);
    const r = await cliHere(['run', dir, '--trials', '10', '--no-cache', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /claim t\.heavy: --trials 10: \(10 trials \+ 8 guided\) × 1 run\(s\) × 1\.00e7 steps × .* numbers: .* exceeds the limit of 1\.00e12 work .*CLAIMCHECK_MAX_WORK/,
    );
  });

  it('--trials 4 is refused with its default guided phase: (4 + 4) trials of 2·10^11 work each', async () => {
    const dir = folder(HEAVY);
    const r = await cliHere(['run', dir, '--trials', '4', '--no-cache', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/claim t\.heavy: --trials 4: \(4 trials \+ 4 guided\) × 1 run\(s\) × .*CLAIMCHECK_MAX_WORK/);
  });

  it('--seeds 10 multiplies the file’s trials', async () => {
    const dir = folder(HEAVY);
    const r = await cliHere(['run', dir, '--seeds', '10', '--no-cache', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/claim t\.heavy: 1 trials × --seeds 10: .*CLAIMCHECK_MAX_WORK/);
  });

  it('--trials 1000000 × --seeds 2 of a claim with 40 names: the result-memory limit', async () => {
    const lets = Array.from({ length: 40 }, (_, i) => `  l${i}: '${i}'`).join('\n');
    const dir = folder(`trials: 2\nspace: { a: { grid: [1] } }\nmodel: { block: two-layer, d: 2, width: 2, w_scale: 1 }
metrics: { s: { block: stable-rank, layer: W, at: initial } }\nproperty: 's >= 0'\nlet:\n${lets}`);
    const r = await cliHere(['run', dir, '--trials', '1000000', '--seeds', '2', '--no-cache', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /claim t\.heavy: --trials 1000000 × --seeds 2: \(1\.00e6 trials \+ 250000 guided\) × 2 seeds, of \d+ names each: .*CLAIMCHECK_MAX_RESULT_MB/,
    );
  });
});

describe('exit 3 is for output only', () => {
  it('an input report that cannot be read (EACCES) is exit 2, not 3', async () => {
    denied.on = true;
    try {
      const r = await cliHere(['diff', '/nonexistent/a/report.json', '/nonexistent/b/report.json']);
      expect(r.err).toMatch(/EACCES/);
      expect(r.code).toBe(2);
    } finally {
      denied.on = false;
    }
  });
});

describe('merged report.json input', () => {
  it('a paper key "__proto__" is a key like any other, never the prototype of the papers', () => {
    const [a, b] = [fakeReport(['a']), fakeReport(['b'])].map((r) => JSON.parse(JSON.stringify(r)) as Report);
    b.papers = JSON.parse('{"__proto__": {"title": "hostile", "polluted": true}, "real": {"title": "real"}}');
    const merged = mergeReports([a, b]);
    expect(Object.hasOwn(merged.papers, '__proto__')).toBe(true);
    expect((merged.papers as unknown as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(merged.papers).sort()).toEqual(['__proto__', 'real']);
  });
});

describe('path-extreme with only `until`', () => {
  it('says that `until` stopped the watch, never satisfied "undefined"', () => {
    const spec = searchFixture(`trials: 1
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 4, d: 2 }
model: { block: two-layer, d: 2, width: 2, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 3, eta: 0.01 }
metrics: { m: { block: path-extreme, layer: W, of: 'fro', extreme: max, until: 'step >= 0' } }
property: 'm >= 0'`);
    const r = runTrial(spec, { a: 1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toBe('path-extreme: no step of the path was counted: "step >= 0" held from the first step');
  });
});
