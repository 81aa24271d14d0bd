// Loading claims across files (src/claims/load.ts): symbolic steps shared between claims through
// `uses`. (Validation of one file: schema.test.ts.)
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { CLAIMS_DIR, claimText, claimsFixture } from '../helpers.js';

describe('symbolic steps shared between claims (`uses`)', () => {
  it('resolve from the claims folder even when one file is loaded, and are marked as shared', () => {
    const file = join(CLAIMS_DIR, 'timor2022', 'c2-per-neuron-balance.yaml');
    const [c] = loadClaims([file]).claims;
    if (!c.ok) throw new Error(JSON.stringify(c.errors));
    const step = c.claim.symbolic.find((s) => s.id === 'drift_vanishes') as { sharedFrom?: string; kind: string };
    expect(step.sharedFrom).toBe('vardi2021.balancedness');
    expect(step.kind).toBe('conserved');
  });

  it('name the file, the line and the field for an unknown claim or step', () => {
    // the header takes lines 1–6, so `uses` is on line 7
    const uses = (id: string, ref: string) => claimText({ id, title: 't', uses: [ref] });
    const dir = claimsFixture({ 'a.yaml': uses('t.shared', 'no.such-claim#x'), 'b.yaml': uses('t.other', 't.shared#nope') });
    const out = loadClaims([dir]).claims;
    const msgs = out.flatMap((c) => (c.ok ? [] : c.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`)));
    expect(msgs.some((m) => /a\.yaml:7: uses: no claim "no\.such-claim"/.test(m))).toBe(true);
    expect(msgs.some((m) => /b\.yaml:7: uses: claim "t\.shared" has no symbolic step "nope"/.test(m))).toBe(true);
  });
});
