// Words and number formatting that every rendering of the report shares (the CLI's verdict line too).
import type { ClaimResult, Verdict } from '../runner.js';
import type { Witness } from '../search/search.js';
import type { TrialResult } from '../search/trial.js';
import type { Report } from './model.js';
import { domainSize, domainValue, type Domain } from '../claims/schema.js';

/** A verdict's words: `symbol` and `word` on the HTML page, `heading` in report.md, `short` on the CLI's verdict line. */
export interface VerdictWords {
  symbol: string;
  word: string;
  heading: string;
  short: string;
}

/** Verdicts are shown by a symbol and a word, never by colour alone. */
export const VERDICT_WORDS: Record<Verdict, VerdictWords> = {
  holds: { symbol: '✔', word: 'holds', heading: 'HOLDS (no counterexample found)', short: 'holds' },
  refuted: { symbol: '✘', word: 'refuted', heading: 'REFUTED', short: 'REFUTED' },
  inconclusive: { symbol: '?', word: 'inconclusive', heading: 'INCONCLUSIVE', short: 'inconclusive' },
  unstable: { symbol: '~', word: 'unstable', heading: 'UNSTABLE (the verdict flips between run seeds)', short: 'UNSTABLE' },
  invalid: { symbol: '⚠', word: 'invalid file', heading: 'INVALID claim file', short: 'INVALID' },
};

export type Agreement = 'invalid' | 'undecided' | 'unstable' | 'agrees' | 'disagrees';

/** Whether our verdict agrees with the paper's assertion; `loud` ones are bold in report.md, `tone` colours the HTML. */
export const AGREEMENT_WORDS: Record<Agreement, { symbol: string; word: string; detail?: string; loud: boolean; tone: 'yes' | 'no' | 'undecided' }> = {
  invalid: { symbol: '✗', word: 'invalid file', loud: false, tone: 'no' },
  undecided: { symbol: '?', word: 'undecided', loud: false, tone: 'undecided' },
  unstable: { symbol: '~', word: 'UNSTABLE', detail: 'flips between run seeds', loud: true, tone: 'no' },
  agrees: { symbol: '✓', word: 'agrees', loud: false, tone: 'yes' },
  disagrees: { symbol: '✗', word: 'DISAGREES', loud: true, tone: 'no' },
};

export function agreementOf(c: Pick<ClaimResult, 'verdict' | 'matches'>): Agreement {
  if (c.verdict === 'invalid') return 'invalid';
  if (c.verdict === 'inconclusive') return 'undecided';
  if (c.verdict === 'unstable') return 'unstable';
  return c.matches ? 'agrees' : 'disagrees';
}

// C0 controls (tab aside; newline and carriage return included), DEL, C1 controls, and the
// bidirectional and line-separator characters that reorder or break what a terminal shows
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line for a terminal: every control character becomes a visible escape (`\x1b`, `\n`,
 * `\u202e`), so a string from a claim file cannot start an escape sequence (clear the screen,
 * recolour, move the cursor), overwrite the line or forge a line of its own.
 */
export function terminalSafe(s: string): string {
  return s.replace(TERMINAL_UNSAFE, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** The CLI's line for a checked claim. */
export function verdictLine(r: ClaimResult): string {
  const agree = r.verdict === 'invalid' ? AGREEMENT_WORDS.invalid.word : r.matches ? 'as expected' : `expected ${r.expect}`;
  const w = r.search?.witness ? ` [${witnessBadge(r.search.witness.status)}: ${r.search.witness.replay}]` : '';
  return `${r.matches ? '✓' : '✗'} ${r.id}: ${VERDICT_WORDS[r.verdict].short} (${agree}) — ${r.reason}${w}`;
}

/** A witness's status and what it means, on the card, in the overview and on the CLI's verdict line; an imprecise one is never called a counterexample. */
export const WITNESS_STATUS_WORDS: Record<Witness['status'], { word: string; meaning: string; counterexample: boolean }> = {
  genuine: { word: 'genuine', meaning: 'neither rounding nor discretization explains it', counterexample: true },
  potential: { word: 'potential', meaning: 'rounding or discretization could not be ruled out', counterexample: true },
  imprecise: { word: 'imprecise', meaning: 'rounding explains it: not a counterexample', counterexample: false },
};

/** "genuine witness", "imprecise, not a counterexample" */
export const witnessBadge = (status: Witness['status']) =>
  WITNESS_STATUS_WORDS[status]?.counterexample === false ? `${status}, not a counterexample` : `${status} witness`;

/** What `--precision` did to every trial, in words (the report's header). */
export const precisionOption = (p: string) =>
  p === 'dd'
    ? "every trial in double-double (about 32 digits), whatever the claims' search.precision"
    : p === 'float64'
      ? "every trial in float64, whatever the claims' search.precision"
      : `every trial in ${p}`;

/** What each provenance tag means (claim files, both renderings). */
export const PROVENANCE_MEANING: Record<string, string> = {
  V: 'read in the paper',
  A: "read in the authors' slides or blog",
  R: 'recalled, unverified',
  D: 'derived and checked by us',
  N: 'not found in the sources',
};

export const AGGREGATE_BARS = { median: 'the quartiles', mean: '± one standard error', fraction: 'the exact 95% interval' } as const;

/** Disagreements and invalid files first, then undecided claims, then the rest. */
export const attentionRank = (c: ClaimResult) =>
  c.verdict === 'invalid' ? 0 : c.verdict === 'unstable' || (!c.matches && c.verdict !== 'inconclusive') ? 1 : c.verdict === 'inconclusive' ? 2 : 3;

/** How the run shared its workers, so a reader does not take a search's seconds for its own cost. */
export function concurrencyNote(r: Pick<Report, 'options'>): string {
  return r.options.budgetMs === undefined
    ? "claims ran concurrently: a search's seconds and trials/s count time shared with the claims beside it"
    : 'claims ran one at a time, as --budget asks';
}

export function fmt(x: number | string | undefined): string {
  if (x === undefined) return '–';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}

/** A grid of at most this many values is shown whole. */
const GRID_SHOWN = 8;

/**
 * A search variable's domain, after "x ": a grid by its values as written (`∈ {1, 0.8, 0.6, 0.5}`; a long
 * one by its first three and its last), an int, range or log domain by its first and last value and its spacing.
 */
export function domainText(d: Domain): string {
  const n = domainSize(d);
  if (d.grid) {
    const shown = n <= GRID_SHOWN ? d.grid.map(fmt) : [...d.grid.slice(0, 3).map(fmt), '…', fmt(d.grid[n - 1])];
    return `∈ {${shown.join(', ')}}${n > GRID_SHOWN ? ` (${n} values)` : ''}`;
  }
  const ends = `[${fmt(domainValue(d, 0))}, ${fmt(domainValue(d, n - 1))}]`;
  if (d.int) return `∈ ${ends}, integers (${n} values)`;
  if (d.range) return `∈ ${ends} in steps of ${fmt(d.step!)} (${n} values)`;
  return `∈ ${ends}, log-spaced, ${d.per_decade} per decade (${n} values)`;
}

/** A number to about 10 significant digits (the sides of a comparison in the witness's re-checks); a non-finite number as report.json wrote it. */
export function digits10(x: number | string | undefined): string {
  if (x === undefined) return '–';
  if (typeof x === 'string' || !Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(10)));
}

/** Named values, formatted: `[name, fmt(value)]`. */
export type Pairs = Array<[string, string]>;
export const pairs = (v: Record<string, number | string>): Pairs => Object.entries(v).map(([k, x]) => [k, fmt(x)]);
/** `a = 1, b = 2` */
export const pairsText = (p: Pairs): string => p.map(([k, x]) => `${k} = ${x}`).join(', ');
export const valuesText = (v: Record<string, number | string>): string => pairsText(pairs(v));

export const claimAnchor = (id: string) => `claim-${id.replace(/[^a-z0-9-]/g, '-')}`;

export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** A trial's property, as the reports state it. */
export interface PropertyView {
  property: string;
  /** set when the property was not evaluated */
  notEvaluated?: { status: string; message?: string };
  holds?: boolean;
  sides?: { conjunct?: string; lhs: string; op: string; rhs: string };
}

export function propertyView(r: TrialResult, property: string): PropertyView {
  const p = r.property;
  if (!p) return { property, notEvaluated: { status: r.status, message: r.message } };
  return { property, holds: p.holds, sides: p.lhs !== undefined ? { conjunct: p.conjunct, lhs: fmt(p.lhs), op: p.op ?? '', rhs: fmt(p.rhs) } : undefined };
}
