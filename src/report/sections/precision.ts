// The arithmetic of a search and how much of each path it watched: trials in float64 or double-double,
// per path-watching metric how far its watch saw (stops, the fraction watched, watched_to_loss), and
// the imprecise trials (the arithmetic could not decide them) with their replay commands.
import type { ClaimResult } from '../../runner.js';
import type { SearchResult, WatchSummary } from '../../search/search.js';
import { digits10, fmt, valuesText } from '../format.js';
import { escapeHtml as h, mdCode, mdEscape as esc } from '../markup.js';
import type { Report } from '../model.js';
import { defineSection } from './section.js';

interface WatchLine {
  metric: string;
  /** stops and the fraction of every path watched */
  text: string;
  /** watched_to_loss: whether every trial's watch reached it */
  required?: { text: string; met: boolean };
}

interface PrecisionView {
  /** the trials' arithmetic, when it is worth a line: double-double, or not what the claim asks for */
  arithmetic?: string;
  watches: WatchLine[];
  /** set when a "holds" rests on paths watched only in part */
  watchedOnly?: string;
  imprecise: Array<{ values: string; why: string; part?: string; replay: string }>;
  /** imprecise trials in all (the list keeps the first 10) */
  impreciseCount: number;
}

/** "at least 17.3 %": the smallest fraction watched, rounded down so that "at least" stays true. */
const percentWatched = (f: number) => `${Math.floor(f * 1000) / 10} %`;

/** How the search's paths were watched by one metric, in words. */
export function watchText(w: WatchSummary): string {
  if (w.stopped === 0) return `never stopped in ${w.trials} trial(s): every path watched to its end`;
  const highest = w.highestStopLoss !== undefined ? `, the highest at loss ${fmt(w.highestStopLoss)}` : '';
  return `stopped in ${w.stopped} of ${w.trials} trial(s)${highest}; at least ${percentWatched(w.minFraction)} of every path watched`;
}

function requiredLine(w: WatchSummary): WatchLine['required'] {
  if (w.required === undefined) return undefined;
  const need = `loss ${fmt(w.required)} (watched_to_loss)`;
  if (w.reachedLoss === undefined) return { text: `not known whether every trial's watch reached ${need}`, met: false };
  return w.reachedLoss <= w.required
    ? { text: `every trial's watch reached ${need}; the lowest loss all reached is ${fmt(w.reachedLoss)}`, met: true }
    : { text: `not every trial's watch reached ${need}: one stopped or ended at loss ${fmt(w.reachedLoss)}`, met: false };
}

const watchedInPart = (w: WatchSummary) => w.stopped > 0 || w.minFraction < 1;

/** For a "holds" whose paths some watch saw only in part: that it holds on the watched part only, and where the watches stopped. */
export function watchedOnlyText(s: Pick<SearchResult, 'verdict' | 'evidence'> | undefined): string | undefined {
  if (s?.verdict !== 'holds') return undefined;
  const partial = Object.entries(s.evidence?.watch ?? {}).filter(([, w]) => watchedInPart(w));
  if (!partial.length) return undefined;
  return `holds on the watched part of the path only: ${partial
    .map(([name, w]) => `the watch of ${name} ${watchText(w)}`)
    .join('; ')}; the steps after a watch stopped were not checked`;
}

const arithmeticWords = { float64: 'float64 (about 16 digits)', 'double-double': 'double-double (about 32 digits)' } as const;

function arithmeticText(c: ClaimResult, s: SearchResult, r: Report): string | undefined {
  const ran = s.evidence?.precision ?? 'float64';
  const asked = c.searchSpec?.precision === 'dd' ? 'double-double' : 'float64';
  const forced = r.options?.precision;
  if (ran === 'float64' && asked === 'float64') return undefined;
  const why = forced
    ? ` — \`--precision ${forced}\` on the command line${asked !== ran ? `, not the claim's search.precision (${asked})` : ''}`
    : ran === 'double-double'
      ? " — the claim's search.precision"
      : '';
  return `trials in ${arithmeticWords[ran]}${why}`;
}

export default defineSection<PrecisionView>({
  id: 'precision',
  view: (c, r) => {
    const s = c.search;
    if (!s) return undefined;
    const watches = Object.entries(s.evidence?.watch ?? {}).map(([metric, w]) => ({
      metric,
      text: watchText(w),
      ...(w.required !== undefined ? { required: requiredLine(w) } : {}),
    }));
    const imprecise = (s.imprecise ?? []).map((t) => ({
      values: valuesText(t.values),
      why: t.message ?? 'no reason recorded',
      ...(t.part ? { part: `step ${t.part.step} (loss ${digits10(t.part.loss)}): ${t.part.what}` } : {}),
      replay: t.replay,
    }));
    const impreciseCount = s.counts?.imprecise ?? imprecise.length;
    const arithmetic = arithmeticText(c, s, r);
    const watchedOnly = watchedOnlyText(s);
    if (!arithmetic && !watches.length && !imprecise.length && !impreciseCount) return undefined;
    return { ...(arithmetic ? { arithmetic } : {}), watches, ...(watchedOnly ? { watchedOnly } : {}), imprecise, impreciseCount };
  },
  html: (v) => {
    const items = [
      v.watchedOnly ? `<li><strong>${h(v.watchedOnly)}</strong></li>` : '',
      v.arithmetic ? `<li>arithmetic: ${h(v.arithmetic).replace(/`([^`]*)`/g, '<code>$1</code>')}</li>` : '',
      ...v.watches.map(
        (w) =>
          `<li data-watch="${h(w.metric)}">watch of <code>${h(w.metric)}</code>: ${h(w.text)}${w.required ? `; <span class="${w.required.met ? 'agree-yes' : 'agree-undecided'}">${h(w.required.text)}</span>` : ''}</li>`,
      ),
      v.impreciseCount
        ? `<li>${v.impreciseCount} imprecise trial(s): the arithmetic could not decide them, so they are neither counterexamples nor passes${v.imprecise.length < v.impreciseCount ? ` (the first ${v.imprecise.length} listed)` : ''}${
            v.imprecise.length
              ? `<ul>${v.imprecise
                  .map(
                    (t) =>
                      `<li>imprecise: ${h(t.values)} — ${h(t.why)}${t.part ? `; the float64 and double-double paths part at ${h(t.part)}` : ''}. Replay: <code class="replay">${h(t.replay)}</code> <button type="button" data-copy="${h(t.replay)}" aria-label="copy the replay command">copy</button></li>`,
                  )
                  .join('')}</ul>`
              : ''
          }</li>`
        : '',
    ].filter(Boolean);
    return `<h4>Arithmetic and watched paths</h4>
<ul class="precision">
${items.join('\n')}
</ul>`;
  },
  markdown: (v) => [
    '**Arithmetic and watched paths**:',
    '',
    ...(v.watchedOnly ? [`- **${esc(v.watchedOnly)}**`] : []),
    ...(v.arithmetic ? [`- arithmetic: ${esc(v.arithmetic)}`] : []),
    ...v.watches.map((w) => `- watch of ${mdCode(w.metric)}: ${esc(w.text)}${w.required ? `; ${esc(w.required.text)}` : ''}`),
    ...(v.impreciseCount
      ? [
          `- ${v.impreciseCount} imprecise trial(s): the arithmetic could not decide them, so they are neither counterexamples nor passes${v.imprecise.length < v.impreciseCount ? ` (the first ${v.imprecise.length} listed)` : ''}`,
          ...v.imprecise.map(
            (t) =>
              `  - imprecise: ${esc(t.values)} — ${esc(t.why)}${t.part ? `; the float64 and double-double paths part at ${esc(t.part)}` : ''}; replay: ${mdCode(t.replay, false)}`,
          ),
        ]
      : []),
    '',
  ],
});
