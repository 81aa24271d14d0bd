// The report's view model: report.json → what every rendering shows, computed once (verdict and
// agreement words, counts, anchors, formatted values, the claim sections' data). The HTML page,
// report.md and the CLI's verdict lines print these words; they do not compute their own.
import { formatError } from '../claims/load.js';
import type { Paper } from '../claims/schema.js';
import type { ClaimResult } from '../runner.js';
import type { Witness } from '../search/search.js';
import type { Report } from './model.js';
import { agreementOf, attentionRank, claimAnchor, concurrencyNote, seconds, VERDICT_WORDS, type Agreement, type VerdictWords } from './format.js';
import { CLAIM_SECTIONS } from './sections/index.js';
import { watchedOnlyText } from './sections/precision.js';
import type { ShownSection } from './sections/section.js';

/** One claim as every rendering shows it. */
export interface ClaimView {
  result: ClaimResult;
  id: string;
  anchor: string;
  words: VerdictWords;
  agreement: Agreement;
  witnessStatus?: Witness['status'];
  /** the claim header's "the paper asserts: …" */
  paperAsserts: string;
  provenance?: string;
  trials?: { inRegime: number; outOfRegime: number; failed: number; imprecise: number };
  /** beside the verdict: a "holds" that rests on paths watched only in part says so */
  watchedOnly?: string;
  /** symbolic steps counted by verdict, e.g. `2 verified, 1 numeric-only` */
  symbolic: string;
  seconds: string;
  /** validation-error lines of an invalid file (then no section follows) */
  errors?: string[];
  /** the registered sections that have something to show for this claim, in order */
  sections: ShownSection[];
}

export interface ReportView {
  report: Report;
  /** report order */
  claims: ClaimView[];
  /** by attention rank, then paper, then id (report.md's table) */
  byAttention: ClaimView[];
  /** papers in key order, each with its claims by attention rank, then id (the page's layout) */
  papers: Array<{ key: string; paper?: Paper; claims: ClaimView[] }>;
  /** claims that need a look first, by attention rank */
  attention: ClaimView[];
  paperErrors: string[];
  wallSeconds: string;
  concurrency: string;
}

export function symbolicSummary(c: ClaimResult): string {
  if (!c.symbolic.length) return 'none';
  const by: Record<string, number> = {};
  for (const s of c.symbolic) by[s.verdict] = (by[s.verdict] ?? 0) + 1;
  return Object.entries(by)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

export function claimView(c: ClaimResult, r: Report): ClaimView {
  const s = c.search;
  const sections = c.errors ? [] : CLAIM_SECTIONS.map((bind) => bind(c, r)).filter((x): x is ShownSection => x !== undefined);
  return {
    result: c,
    id: c.id,
    anchor: claimAnchor(c.id),
    words: VERDICT_WORDS[c.verdict],
    agreement: agreementOf(c),
    witnessStatus: s?.witness?.status,
    paperAsserts: c.expect === 'refuted' ? 'this is false (a refutation target)' : c.expect === 'holds' ? 'this holds' : '–',
    provenance: c.claim?.provenance,
    trials: s && {
      inRegime: s.counts.pass + s.counts.fail,
      outOfRegime: s.counts['out-of-regime'],
      failed: s.counts.diverged + s.counts.timeout + s.counts.error,
      imprecise: s.counts.imprecise ?? 0,
    },
    watchedOnly: watchedOnlyText(s),
    symbolic: symbolicSummary(c),
    seconds: seconds(c.ms),
    errors: c.errors?.map(formatError),
    sections,
  };
}

export function reportView(r: Report): ReportView {
  const claims = r.claims.map((c) => claimView(c, r));
  const rank = (v: ClaimView) => attentionRank(v.result);
  const byAttention = [...claims].sort((a, b) => rank(a) - rank(b) || a.result.paperKey.localeCompare(b.result.paperKey) || a.id.localeCompare(b.id));
  const byPaperOrder = [...claims].sort((a, b) => a.result.paperKey.localeCompare(b.result.paperKey) || rank(a) - rank(b) || a.id.localeCompare(b.id));
  const papers = new Map<string, ClaimView[]>();
  for (const v of byPaperOrder) papers.set(v.result.paperKey, [...(papers.get(v.result.paperKey) ?? []), v]);
  return {
    report: r,
    claims,
    byAttention,
    papers: [...papers].map(([key, cs]) => ({ key, paper: r.papers[key], claims: cs })),
    attention: claims.filter((v) => rank(v) < 3).sort((a, b) => rank(a) - rank(b)),
    paperErrors: r.paperErrors.map(formatError),
    wallSeconds: seconds(r.wallMs),
    concurrency: concurrencyNote(r),
  };
}
