// The import rules of .dependency-cruiser.cjs (layers, lowest first: core → numeric → blocks →
// claims → symbolic → search → runner.ts → report → cli.ts; no cycles; every module in a layer):
// src/ obeys them, and they still catch what they are for, on a tiny planted tree cruised with the
// same rule set, so that a broken path pattern or resolver cannot let the check pass vacuously.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

let options: ICruiseOptions;
beforeAll(async () => {
  options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
});

async function check(baseDir: string) {
  const result = await cruise(['src'], { ...options, baseDir }, {}, { tsConfig: extractTSConfig(join(ROOT, 'tsconfig.json')) });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser gave a string, not a cruise result');
  const { summary, modules } = result.output;
  const local = modules.filter((m) => m.source.startsWith('src/')).flatMap((m) => m.dependencies.filter((d) => d.resolved.startsWith('src/')));
  return { violations: summary.violations, localDependencies: local.length };
}

const describeViolation = (v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('import rules (dependency-cruiser)', () => {
  it('src/ imports only downward and has no cycle', async () => {
    const { violations, localDependencies } = await check(ROOT);
    // the cruise really followed src's own imports (a resolver that resolves nothing breaks no rule)
    expect(localDependencies).toBeGreaterThan(100);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe('a planted tree', () => {
    let dir: string;
    const plant = (files: Record<string, string>) => {
      rmSync(join(dir, 'src'), { recursive: true, force: true });
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
    };
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'claimcheck-import-rules-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('passes when every import points down', async () => {
      plant({
        'src/core/a.ts': 'export const a = 1;\n',
        'src/numeric/x.ts': "import { a } from '../core/a.js';\nexport const x = a + 1;\n",
        'src/search/y.ts': "import { x } from '../numeric/x.js';\nexport const y = x + 1;\n",
      });
      const { violations, localDependencies } = await check(dir);
      expect(localDependencies).toBe(2);
      expect(violations).toEqual([]);
    });

    it('fails on an upward import (numeric → search)', async () => {
      plant({
        'src/numeric/x.ts': "import { y } from '../search/y.js';\nexport const x = y + 1;\n",
        'src/search/y.ts': 'export const y = 1;\n',
      });
      const { violations } = await check(dir);
      expect(violations.map(describeViolation)).toEqual(['layer-numeric-imports-upward: src/numeric/x.ts → src/search/y.ts']);
    });

    it('fails on an upward type-only import and on a cycle closed by one (type-only imports count)', async () => {
      plant({
        'src/report/report.ts': "import { html } from './html.js';\nexport type Report = { title: string };\nexport const page = (r: Report) => html(r);\n",
        'src/report/html.ts': "import type { Report } from './report.js';\nexport const html = (r: Report) => `<h1>${r.title}</h1>`;\n",
        'src/core/c.ts': "import type { Report } from '../report/report.js';\nexport type C = Report;\n",
      });
      const names = (await check(dir)).violations.map((v) => v.rule.name).sort();
      expect(names).toContain('layer-core-imports-upward');
      expect(names).toContain('no-circular');
    });

    it('fails on a module outside every layer (importing, imported or alone) and on an import it cannot resolve', async () => {
      plant({
        'src/misc/alone.ts': 'export const m = 1;\n',
        'src/misc/imported.ts': 'export const n = 1;\n',
        'src/misc/importing.ts': "import { a } from '../core/a.js';\nexport const i = a;\n",
        'src/core/a.ts': "import { gone } from './gone.js';\nimport { n } from '../misc/imported.js';\nexport const a = gone + n;\n",
      });
      const found = (await check(dir)).violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      expect(found).toEqual([
        'import-of-a-module-outside-the-layers: src/core/a.ts → src/misc/imported.ts',
        'module-outside-the-layers: src/misc/importing.ts → src/core/a.ts',
        'not-to-unresolvable: src/core/a.ts → ./gone.js',
        'orphan-outside-the-layers: src/misc/alone.ts → src/misc/alone.ts',
      ]);
    });
  });
});
