import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText, loadClaims } from '../../src/claims/load.js';
import { searchAtScale } from '../../src/claims/schema.js';
import { C3_SEARCH, CLAIMS_DIR, ROOT, claimText, claimsFixture, searchFixture } from '../helpers.js';

const VALID = `id: test.minimal
title: A minimal claim
statement:
  text: x squared is non-negative
  latex: 'x^2 \\ge 0'
source:
  location: Lemma 0
provenance: D
expect: holds
symbolic:
  - id: square_nonneg
    kind: inequality
    lhs: 'x^2'
    rhs: '0'
    relation: '>='
    certificate: 'x^2'
    variables: { x: [-3, 3] }
search:
  trials: 10
  space:
    m: { int: [1, 4] }
    d: { int: [1, 4] }
  model: { block: two-layer, d: d, width: m, w_scale: 1 }
  metrics:
    srank: { block: stable-rank, layer: W }
  property: 'srank >= 1'
`;

function errorsOf(text: string): string[] {
  const r = loadClaimText('claims/test/c.yaml', text, 'test');
  if (r.ok) return [];
  return r.errors.map(formatError);
}

describe('claim-file validation', () => {
  it('accepts a valid file', () => {
    expect(errorsOf(VALID)).toEqual([]);
  });

  it('accepts every claim in claims/', () => {
    const { claims, paperErrors } = loadClaims([CLAIMS_DIR]);
    expect(paperErrors).toEqual([]);
    for (const c of claims) expect(c.ok ? [] : c.errors.map(formatError)).toEqual([]);
    expect(claims.length).toBeGreaterThanOrEqual(4);
  });

  it('reports a wrong type with file:line:column, the field, expected and found', () => {
    const errs = errorsOf(VALID.replace('trials: 10', 'trials: "ten"'));
    expect(errs).toEqual(['claims/test/c.yaml:19:11: search.trials: expected a number, found the string "ten"']);
  });

  it('reports a bad enum value with the valid ones', () => {
    const errs = errorsOf(VALID.replace('provenance: D', 'provenance: Q'));
    expect(errs[0]).toMatch(/^claims\/test\/c\.yaml:8:13: provenance: expected one of "V", "A", "R", "D", "N", found the string "Q"/);
  });

  it('reports an unknown field at the key', () => {
    const errs = errorsOf(VALID.replace('expect: holds', 'expect: holds\ntolerence: 3'));
    expect(errs).toEqual(['claims/test/c.yaml:10:1: tolerence: unknown field "tolerence"']);
  });

  it('reports a missing field at its parent', () => {
    const errs = errorsOf(VALID.replace('  location: Lemma 0\n', '  quote: hi\n'));
    expect(errs[0]).toMatch(/^claims\/test\/c\.yaml:7:3: source\.location: expected a string, found nothing/);
  });

  it('names an unknown block and lists the valid ones', () => {
    const errs = errorsOf(VALID.replace('block: two-layer', 'block: three-layer'));
    expect(errs[0]).toMatch(/c\.yaml:23:19: search\.model\.block: unknown model block "three-layer"; valid model blocks: (\w[\w-]*, )*two-layer/);
  });

  it('names an unknown block parameter at its key and lists the valid ones', () => {
    const errs = errorsOf(VALID.replace('w_scale: 1 }', 'w_scale: 1, lr: 3 }'));
    expect(errs[0]).toMatch(/^claims\/test\/c\.yaml:23:58: search\.model\.lr: unknown field "lr"; parameters of model block "two-layer": d, width, activation/);
  });

  it('says expected and found for a list or a boolean where a number or an expression is expected', () => {
    expect(errorsOf(VALID.replace('width: m', 'width: [1, 2]'))).toEqual(['claims/test/c.yaml:23:43: search.model.width: expected a number or an expression string, found a list']);
    expect(errorsOf(VALID.replace('width: m', 'width: true'))).toEqual(['claims/test/c.yaml:23:43: search.model.width: expected a number or an expression string, found boolean true']);
    expect(errorsOf(VALID.replace('trials: 10', 'trials: [10]'))).toEqual(['claims/test/c.yaml:19:11: search.trials: expected a number, found a list']);
    expect(errorsOf(VALID.replace('m: { int: [1, 4] }', 'm: { int: [1] }'))).toEqual(['claims/test/c.yaml:21:15: search.space.m.int: expected at least 2 items, found a list of 1']);
  });

  it('says a misspelled required field once, at the misspelling: did you mean, and that it is required', () => {
    const gd = VALID.replace('  model:', '  data: { block: isotropic-gaussian, n: 4, d: d }\n  model:').replace('  metrics:', '  loss: { block: square }\n  dynamics: { block: gradient-descent, steps: 10, etaa: 0.1 }\n  metrics:');
    expect(errorsOf(gd)).toEqual(['claims/test/c.yaml:26:51: search.dynamics.etaa: unknown field "etaa" — did you mean "eta"? (eta is required)']);
    expect(errorsOf(VALID.replace('provenance: D', 'provenence: D'))).toEqual([
      'claims/test/c.yaml:8:1: provenence: unknown field "provenence" — did you mean "provenance"? (provenance is required)',
    ]);
    expect(errorsOf(VALID.replace('  location: Lemma 0', '  locaton: Lemma 0'))).toEqual([
      'claims/test/c.yaml:7:3: source.locaton: unknown field "locaton" — did you mean "location"? (location is required)',
    ]);
  });

  it('offers the nearest field for an unknown top-level or nested one, and none when nothing is near', () => {
    expect(errorsOf(VALID.replace('  property:', "  hypothesis: { a: 'srank > 0' }\n  property:"))).toEqual([
      'claims/test/c.yaml:26:3: search.hypothesis: unknown field "hypothesis" — did you mean "hypotheses"?',
    ]);
    expect(errorsOf(VALID.replace('expect: holds', 'expect: holds\nnote: hi'))).toEqual(['claims/test/c.yaml:10:1: note: unknown field "note" — did you mean "notes"?']);
    expect(errorsOf(VALID.replace('w_scale: 1 }', 'w_scale: 1, activaton: relu }'))).toEqual([
      'claims/test/c.yaml:23:58: search.model.activaton: unknown field "activaton" — did you mean "activation"?',
    ]);
    // a field already given is not offered again; a name far from every field gets no guess (a block's then lists its parameters)
    expect(errorsOf(VALID.replace("    relation: '>='", "    relation: '>='\n    relaton: '>='"))).toEqual(['claims/test/c.yaml:16:5: symbolic[0].relaton: unknown field "relaton"']);
    expect(errorsOf(VALID.replace('w_scale: 1 }', 'w_scale: 1, lr: 3 }'))[0]).toMatch(/unknown field "lr"; parameters of model block/);
  });

  it('says which name of a mapping is at fault, at its key', () => {
    expect(errorsOf(VALID.replace('m: { int: [1, 4] }', '1m: { int: [1, 4] }'))[0]).toBe(
      'claims/test/c.yaml:21:5: search.space.1m: expected an identifier: a letter, then letters, digits or _, found the name "1m"',
    );
  });

  it('names an unknown variable in an expression and lists the valid names', () => {
    const errs = errorsOf(VALID.replace("property: 'srank >= 1'", "property: 'srnak >= 1'"));
    expect(errs[0]).toMatch(/c\.yaml:26:13: search\.property: unknown name "srnak" in "srnak >= 1"; valid names: .*srank/);
  });

  it('rejects expressions that try to reach JavaScript', () => {
    for (const bad of ['constructor', 'process.exit(1)', '__proto__', 'import("fs")', 'this']) {
      const errs = errorsOf(VALID.replace("property: 'srank >= 1'", `property: '${bad}'`));
      expect(errs.length, bad).toBeGreaterThan(0);
      expect(errs[0]).toMatch(/search\.property/);
    }
  });

  it('reports YAML syntax errors with their position', () => {
    const errs = errorsOf('id: x\ntitle: [unclosed\n');
    expect(errs[0]).toMatch(/^claims\/test\/c\.yaml:\d+:\d+: YAML: /);
  });

  it('reports a symbolic step missing its fields', () => {
    const errs = errorsOf(VALID.replace("    rhs: '0'\n", ''));
    expect(errs.some((e) => /symbolic\[0\]\.rhs: an inequality step needs "rhs"/.test(e))).toBe(true);
  });

  it('reports a bad domain', () => {
    const errs = errorsOf(VALID.replace('m: { int: [1, 4] }', 'm: { range: [0, 1] }'));
    expect(errs[0]).toMatch(/search\.space\.m\.step: a range domain needs a step/);
  });

  it('keeps loading the other claims when one file is invalid', () => {
    const dir = claimsFixture({ 'good.yaml': VALID, 'bad.yaml': VALID.replace('test.minimal', 'test.bad').replace('provenance: D', 'provenance: 7') });
    const { claims } = loadClaims([dir]);
    expect(claims.map((c) => c.ok)).toEqual([false, true]);
    const bad = claims[0];
    expect(!bad.ok && bad.id).toBe('test.bad');
  });

  it('rejects duplicate claim ids', () => {
    const dir = claimsFixture({ 'a.yaml': VALID, 'b.yaml': VALID });
    const { claims } = loadClaims([dir]);
    // every file carrying a duplicated id is invalid: none of them is "the" claim (nor lends a step to uses:)
    expect(claims.filter((c) => !c.ok)).toHaveLength(2);
  });
});

describe('docs/claim-format.md', () => {
  it('lists every registered block with its parameters (regenerate with `npx claimcheck blocks`)', async () => {
    const { readFileSync } = await import('node:fs');
    const { blockTable } = await import('../../src/blocks/table.js');
    const doc = readFileSync(join(ROOT, 'docs', 'claim-format.md'), 'utf8');
    const embedded = doc.split('<!-- blocks:begin -->')[1].split('<!-- blocks:end -->')[0].trim();
    expect(embedded).toBe(blockTable());
  });

  it('its worked example is the real claim file and validates', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(join(ROOT, 'docs', 'claim-format.md'), 'utf8');
    const example = doc.split('```yaml\n')[1].split('```')[0];
    const r = loadClaimText('docs-example.yaml', example, 'vardi2021');
    expect(r.ok ? [] : r.errors.map(formatError)).toEqual([]);
  });
});

describe('the authors’ scale (--full)', () => {
  it('merges the full section into the search, and validates it', () => {
    const s = searchFixture(`${C3_SEARCH}\nfull:\n  trials: 40\n  space: { alpha: { grid: [0.3] } }`);
    expect(searchAtScale(s, false)).toBe(s);
    const f = searchAtScale(s, true);
    expect(f.trials).toBe(40);
    expect(f.space.alpha).toEqual({ grid: [0.3] });
    expect(f.space.L).toEqual(s.space.L);
    const bad = loadClaimText('bad.yaml', claimText({ search: `${C3_SEARCH}\nfull:\n  space: { beta: { grid: [1] } }` }), 't');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0].message).toMatch(/"beta" is not one/);
  });

  it('full may replace a metric’s parameters (not its block, nor a metric the search lacks), validated at the full scale', () => {
    const s = searchFixture(`${C3_SEARCH}\nfull:\n  metrics: { w11max: { extreme: min } }`);
    expect(searchAtScale(s, false).metrics.w11max).toEqual({ block: 'path-extreme', layer: 'W', of: 'abs(e11)', extreme: 'max' });
    expect(searchAtScale(s, true).metrics.w11max).toEqual({ block: 'path-extreme', layer: 'W', of: 'abs(e11)', extreme: 'min' });
    expect(searchAtScale(s, true).metrics.w11min).toEqual(s.metrics.w11min);
    const errorsOf = (full: string) => {
      const r = loadClaimText('bad.yaml', claimText({ search: `${C3_SEARCH}\nfull:\n  metrics: ${full}` }), 't');
      return r.ok ? [] : r.errors.map((e) => e.message);
    };
    expect(errorsOf('{ nope: { extreme: min } }').join()).toMatch(/"nope" is not one/);
    expect(errorsOf('{ w11max: { block: loss } }').join()).toMatch(/not its block/);
    expect(errorsOf("{ w11max: { extreme: 'middle' } }").join()).toMatch(/full scale/);
    // names an object inherits are not metrics (nor variables) of the search
    for (const inherited of ['constructor', 'toString']) expect(errorsOf(`{ ${inherited}: { extreme: min } }`).join()).toMatch(/"[a-zA-Z]+" is not one/);
    expect(errorsOf('{ __proto__: { extreme: min } }').join()).toMatch(/"__proto__" is not allowed/);
    const space = loadClaimText('bad.yaml', claimText({ search: `${C3_SEARCH}\nfull:\n  space: { __proto__: { grid: [1] } }` }), 't');
    expect(space.ok ? [] : space.errors.map((e) => [e.line, e.column, e.message])).toContainEqual([
      expect.any(Number),
      expect.any(Number),
      'the key "__proto__" is not allowed (JavaScript reads it as the object\'s prototype)',
    ]);
  });
});

describe('init: identity (deep-linear) at validation', () => {
  const errorsOf = (model: string) => {
    const search = `trials: 2\nspace:\n  a: { grid: [0.5] }\ndata: { block: matrix-completion, rows: 2, cols: 3, observed: [[1, 1, 1]] }\nmodel: ${model}\nloss: { block: square }\ndynamics: { block: gradient-descent, steps: 10, eta: 0.1 }\nmetrics:\n  l: { block: loss }\nproperty: 'l >= 0'`;
    const r = loadClaimText('id.yaml', claimText({ search }), 't');
    return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
  };
  it('a non-square product, a width other than rows, or a det_sign is invalid where it is written', () => {
    expect(errorsOf('{ block: deep-linear, rows: 2, cols: 3, depth: 2, init: identity, scale: a }').join()).toMatch(/\d+:\d+ .*init "identity" needs a square product: rows = cols, found 2×3/);
    expect(errorsOf('{ block: deep-linear, rows: 2, cols: 2, width: 5, depth: 2, init: identity, scale: a }').join()).toMatch(/init "identity" needs width = rows = 2, found 5/);
    expect(errorsOf('{ block: deep-linear, rows: 2, cols: 2, depth: 2, init: identity, scale: a, det_sign: negative }').join()).toMatch(/det_sign must be "any"/);
  });
});
