// A claim's `source.via` names the research note it was read from and its section: "docs/research/paper-x.md §2–3;
// docs/research/verified-statements-classic.md §5". Notes under docs/research/ are in the repository and must exist
// with a heading for every § named. Notes under shared/research/ live beside the checkout (../shared/research, reset
// each session with only the seed papers' notes): they are checked where that folder exists, and must in any case be
// one of the seed notes — a later paper's note there would dangle in every fresh checkout.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

const SHARED_PARENT = dirname(ROOT);
const SHARED = join(SHARED_PARENT, 'shared', 'research');
/** The notes ../shared/research holds at the start of every session. */
const SEED_NOTES = new Set([
  'anchors-and-ecosystem.md',
  'claim-audit.md',
  'paper-frei-et-al-2022.md',
  'paper-razin-cohen-2020.md',
  'paper-vardi-shamir-2021.md',
  'paper-vardi-timor-shamir-2022.md',
  'verified-statements.md',
]);

/** Every claim file of the repository: claims/ and the mutants of test/mutants/ (paper.yaml is a paper entry). */
const CLAIM_FILES = ['claims', 'test/mutants'].flatMap((dir) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('paper.yaml'))
    .sort()
    .map((f) => posix.join(dir, f.split('\\').join('/'))),
);

export interface NoteReference {
  /** As written relative to the repository's parent (shared/…) or root (docs/…), directory inherited when bare. */
  path: string;
  sections: string[];
}

const PATH = /(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\.md\b/g;
const SECTION = /§\s*([A-Z]?\d+(?:\.\d+)*)(?:\s*[–-]\s*([A-Z]?\d+(?:\.\d+)*))?/g;

/** The notes a `via` names, each with the § sections written after it (up to the next note); a range 5–8 is expanded. */
export function noteReferences(via: string): NoteReference[] {
  const hits = [...via.matchAll(PATH)];
  let dir = '';
  return hits.map((m, i) => {
    const path = m[0].includes('/') ? m[0] : posix.join(dir, m[0]);
    dir = posix.dirname(path);
    const tail = via.slice(m.index + m[0].length, i + 1 < hits.length ? hits[i + 1].index : via.length);
    const sections = [...tail.matchAll(SECTION)].flatMap(([, from, to]) => {
      if (!to) return [from];
      const [a, b] = [Number(from), Number(to)];
      return Number.isInteger(a) && Number.isInteger(b) && a <= b ? Array.from({ length: b - a + 1 }, (_, k) => String(a + k)) : [from, to];
    });
    return { path, sections };
  });
}

/** The section numbers of a Markdown file's headings: "## 2. Claims" → 2, "### 4.2 Datasets" → 4.2, "## §5 …" → 5. */
export function headingSections(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+§?\s*([A-Z]?\d+(?:\.\d+)*)(?:\.?\s|\.?$)/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/**
 * What is wrong with the notes a `via` names: a file that does not exist, or a § without a heading in it. Paths under
 * docs/ resolve against the repository root, paths under shared/ against its parent, and only where `sharedPresent`;
 * a shared/research path must in any case name one of the seed notes.
 */
export function danglingReferences(via: string, root: string, sharedPresent: boolean): string[] {
  const problems: string[] = [];
  for (const { path, sections } of noteReferences(via)) {
    let file: string;
    if (path.startsWith('docs/')) file = join(root, path);
    else if (path.startsWith('shared/research/')) {
      if (!SEED_NOTES.has(path.slice('shared/research/'.length))) {
        problems.push(`${path}: not one of the seed notes in ../shared/research (a later paper's note belongs in docs/research/)`);
        continue;
      }
      if (!sharedPresent) continue;
      file = join(dirname(root), path);
    } else {
      problems.push(`${path}: neither under docs/research/ nor under shared/research/`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${path}: no such file`);
      continue;
    }
    const headings = headingSections(readFileSync(file, 'utf8'));
    for (const s of sections) if (!headings.has(s)) problems.push(`${path}: no heading for §${s}`);
  }
  return problems;
}

const viaOf = (file: string): string | undefined => {
  const doc = parse(readFileSync(join(ROOT, file), 'utf8')) as { source?: { via?: unknown } } | null;
  return typeof doc?.source?.via === 'string' ? doc.source.via : undefined;
};

describe('provenance links (source.via)', () => {
  const sharedPresent = existsSync(SHARED);

  it('every note a claim or mutant file names under docs/research/ exists with the § headings it names', () => {
    const problems = CLAIM_FILES.flatMap((f) => {
      const via = viaOf(f);
      return via ? danglingReferences(via, ROOT, sharedPresent).map((p) => `${f}: ${p}`) : [];
    });
    expect(problems).toEqual([]);
  });

  it.skipIf(!sharedPresent)('the shared/research notes they name exist with their § headings (../shared/research is present)', () => {
    const shared = CLAIM_FILES.flatMap((f) => noteReferences(viaOf(f) ?? '').filter((r) => r.path.startsWith('shared/')));
    expect(shared.length).toBeGreaterThan(0);
    const problems = shared.flatMap((r) => danglingReferences(`${r.path} ${r.sections.map((s) => `§${s}`).join(', ')}`, ROOT, true));
    expect(problems).toEqual([]);
  });
  if (!sharedPresent) it.skip(`../shared/research is absent here (${SHARED}): its notes are not checked, only that they are seed notes`);

  it('the four later papers cite their notes in docs/research/', () => {
    for (const paper of ['soudry2018', 'woodworth2020', 'lyu2020', 'ji2019']) {
      const vias = CLAIM_FILES.filter((f) => f.startsWith(`claims/${paper}/`)).map((f) => viaOf(f) ?? '');
      expect(vias.some((v) => v.includes('docs/research/')), paper).toBe(true);
    }
  });

  it('reads the paths and sections of a via', () => {
    expect(noteReferences('shared/research/paper-soudry-2018.md §2–3 (ICLR copy [R]); verified-statements.md §5')).toEqual([
      { path: 'shared/research/paper-soudry-2018.md', sections: ['2', '3'] },
      { path: 'shared/research/verified-statements.md', sections: ['5'] },
    ]);
    expect(noteReferences('shared/research/paper-frei-et-al-2022.md §2 (T1.2), §4.2 (KKT)')).toEqual([{ path: 'shared/research/paper-frei-et-al-2022.md', sections: ['2', '4.2'] }]);
    expect(noteReferences('lyu2020.thm41-smoothed-margin-monotone (its source and provenance)')).toEqual([]);
    expect(headingSections('# T\n## 0. Provenance\n### 4.2 Data\n## 5. Soudry\ntext 7.\n## Sources\n## 2.1 Sub')).toEqual(new Set(['0', '4.2', '5', '2.1']));
  });

  it('reports a dangling path, a missing § and a later paper’s note under shared/research', () => {
    expect(danglingReferences('docs/research/paper-nobody-2031.md §1', ROOT, false)).toEqual(['docs/research/paper-nobody-2031.md: no such file']);
    expect(danglingReferences('docs/research/verified-statements-classic.md §5–9', ROOT, false)).toEqual(['docs/research/verified-statements-classic.md: no heading for §9']);
    expect(danglingReferences('shared/research/paper-soudry-2018.md §2; verified-statements.md §5', ROOT, false)).toEqual([
      "shared/research/paper-soudry-2018.md: not one of the seed notes in ../shared/research (a later paper's note belongs in docs/research/)",
    ]);
    expect(danglingReferences('research/notes.md §1', ROOT, false)).toEqual(['research/notes.md: neither under docs/research/ nor under shared/research/']);
  });
});
