// The project's own claims tag every hypothesis (premise of the theorem, or validity filter), and a
// refutation target that drops a premise names one the claim it refutes really has.
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { hypothesesOf } from '../../src/claims/schema.js';
import { CLAIMS_DIR } from '../helpers.js';

const ok = loadClaims([CLAIMS_DIR]).claims.flatMap((c) => (c.ok ? [c.claim] : []));
const byId = new Map(ok.map((c) => [c.id, c]));

describe('premises of the claims in claims/', () => {
  it('every hypothesis is tagged premise or validity', () => {
    const untagged = ok.flatMap((c) => (c.search ? hypothesesOf(c.search).filter((h) => h.role === 'untagged').map((h) => `${c.id}#${h.name}`) : []));
    expect(untagged).toEqual([]);
  });

  it('each drops_premise names a premise of the claim the target refutes', () => {
    const targets = ok.filter((c) => c.drops_premise);
    expect(targets.length).toBeGreaterThanOrEqual(4);
    for (const t of targets) {
      const [id, name] = t.drops_premise!.split('#');
      expect(t.refutes, t.id).toBe(id);
      const original = byId.get(id);
      expect(original?.expect, t.id).toBe('holds');
      const h = hypothesesOf(original!.search!).find((x) => x.name === name);
      expect(h?.role, `${t.id}: ${t.drops_premise}`).toBe('premise');
    }
  });
});

describe('a premise that widens the space', () => {
  it('gets every check of the declared space for the search without it (sizes, limits), at the widen', async () => {
    const { loadClaimText } = await import('../../src/claims/load.js');
    const { claimWithSearch } = await import('../helpers.js');
    const text = claimWithSearch(`trials: 4
space: { m: { int: [1, 2] }, d: { int: [1, 3] } }
model: { block: two-layer, d: d, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
  small: { when: 'm <= 2', role: premise, widen: { m: { int: [1, 1000000000000] } } }
property: 'srank <= 2'`);
    const r = loadClaimText('t.yaml', text, 't');
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.some((e) => e.path === 'search.hypotheses.small.widen' && /the search without small, its space widened: .*exceeds the limit/.test(e.message))).toBe(true);
    const narrow = loadClaimText('t.yaml', text.replace('int: [1, 1000000000000]', 'int: [1, 8]'), 't');
    expect(narrow.ok).toBe(true);
  });
});

describe('errors in a hypothesis', () => {
  const load = async (hypothesis: string) => {
    const { loadClaimText } = await import('../../src/claims/load.js');
    const { claimWithSearch } = await import('../helpers.js');
    const r = loadClaimText(
      't.yaml',
      claimWithSearch(`trials: 4
space: { m: { int: [1, 2] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
  small: ${hypothesis}
property: 'srank <= 2'`),
      't',
    );
    return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
  };

  it('name the field at fault and the choices, at its line', async () => {
    expect((await load("{ when: 'm <= 2', role: premis }")).join('\n')).toMatch(/search\.hypotheses\.small\.role: .*premise.*validity/);
    expect((await load('{ role: premise }')).join('\n')).toMatch(/search\.hypotheses\.small\.when/);
    expect((await load("{ when: 'm <= 2', role: premise, widen: 'm' }")).join('\n')).toMatch(/search\.hypotheses\.small\.widen/);
    expect((await load("{ when: 'm <= 2', rol: premise }")).join('\n')).toMatch(/rol/);
    expect((await load("'q <= 2'")).join('\n')).toMatch(/^\d+:\d+ search\.hypotheses\.small(\.when)?: unknown name "q"/m);
    expect(await load("{ when: 'm <= 2', role: premise }")).toEqual([]);
    expect(await load("'m <= 2'")).toEqual([]);
  });
});

describe('drops_premise', () => {
  it('must name a premise of the claim the target refutes, when that claim is loaded', async () => {
    const { claimsFixture, claimText } = await import('../helpers.js');
    const search = `trials: 4
space: { m: { int: [1, 2] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
  small: { when: 'm <= 2', role: premise }
  sane: { when: 'srank >= 0', role: validity }
property: 'srank <= 2'`;
    const target = (dropped: string) =>
      claimText({ id: 't.target', expect: 'refuted', search, after: `refutes: t.claim\ndrops_premise: 't.claim#${dropped}'\n` });
    for (const [dropped, ok] of [
      ['small', true],
      ['sane', false],
      ['nothing', false],
    ] as const) {
      const dir = claimsFixture({ 'claim.yaml': claimText({ id: 't.claim', search }), 'target.yaml': target(dropped) });
      const t = loadClaims([dir]).claims.find((c) => (c.ok ? c.claim.id : c.id) === 't.target')!;
      expect(t.ok, dropped).toBe(ok);
      if (!t.ok) expect(t.errors[0].message).toMatch(/has no premise/);
    }
  });
});
