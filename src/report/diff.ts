// What changed between two reports: verdicts that moved and counterexamples that are new
// (`claimcheck diff old.json new.json`, and the changes section of index.html).
import type { Report } from './model.js';

export interface ReportDiff {
  previousGeneratedAt: string;
  previousCommit: string;
  /** newWitness: a witness that is new; imprecise: it is an imprecise one (rounding explains it), not a counterexample */
  changed: Array<{ id: string; before?: string; after?: string; newWitness: boolean; imprecise?: true }>;
}

export function diffReports(before: Report, after: Report): ReportDiff {
  const old = new Map(before.claims.map((c) => [c.id, c]));
  const now = new Map(after.claims.map((c) => [c.id, c]));
  const changed: ReportDiff['changed'] = [];
  for (const id of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(id),
      b = now.get(id);
    const wa = a?.search?.witness,
      wb = b?.search?.witness;
    const newWitness = !!wb && (!wa || JSON.stringify(wa.values) !== JSON.stringify(wb.values));
    if (a?.verdict !== b?.verdict || newWitness)
      changed.push({ id, before: a?.verdict, after: b?.verdict, newWitness, ...(newWitness && wb.status === 'imprecise' ? { imprecise: true as const } : {}) });
  }
  return { previousGeneratedAt: before.generatedAt, previousCommit: before.environment.gitCommit, changed };
}

/** " new counterexample", or for an imprecise witness what it is instead */
export const newWitnessWords = (x: ReportDiff['changed'][number]) =>
  !x.newWitness ? '' : x.imprecise ? ' new imprecise failure (rounding explains it: not a counterexample)' : ' new counterexample';

export function formatDiff(d: ReportDiff): string {
  return formatDiffLines(d).join('\n');
}

/** The lines of `claimcheck diff` (the CLI makes each one safe for a terminal). */
export function formatDiffLines(d: ReportDiff): string[] {
  if (!d.changed.length) return [`No verdict changed and no new counterexample since ${d.previousGeneratedAt} (commit ${d.previousCommit.slice(0, 10)}).`];
  return [
    `${d.changed.length} change(s) since ${d.previousGeneratedAt} (commit ${d.previousCommit.slice(0, 10)}):`,
    ...d.changed.map((x) => `  ${x.id.padEnd(44)} ${(x.before ?? 'absent').padEnd(13)} → ${(x.after ?? 'absent').padEnd(13)}${newWitnessWords(x)}`),
  ];
}
