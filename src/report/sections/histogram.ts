// The histogram of a metric over the search's judged trials, stacked by outcome.
import { claimAnchor, fmt } from '../format.js';
import { figureHtml } from '../markup.js';
import { defineSection } from './section.js';

export default defineSection({
  id: 'histogram',
  view: (c) => {
    const hg = c.histogram,
      plot = hg?.plot;
    if (!hg || !plot) return undefined;
    return {
      anchor: claimAnchor(c.id),
      metric: hg.metric,
      rule: hg.rule,
      plot,
      trials: c.search?.samples?.length ?? 0,
      values: (c.search?.samples ?? []).map((q) => q.values[hg.metric]).filter((v): v is number => v !== null),
    };
  },
  html: ({ anchor, metric, rule, plot, values }, page) =>
    `<h4>Histogram</h4>` +
    figureHtml(
      anchor,
      'histogram',
      page.svgs[plot.file],
      plot,
      `histogram of ${metric} over ${values.length} trials, stacked by outcome; range ${fmt(values.reduce((m, v) => Math.min(m, v), Infinity))} to ${fmt(values.reduce((m, v) => Math.max(m, v), -Infinity))}`,
      `${metric} over the search's judged trials, stacked by outcome (in regime and holding, in regime and failing, out of regime)${rule !== undefined ? `; dashed rule at ${fmt(rule)}` : ''}.`,
    ),
  markdown: ({ metric, rule, plot, trials }) => [
    `**Histogram** of \`${metric}\` over the search's ${trials} judged trials (stacked by outcome${rule !== undefined ? `; dashed rule at ${fmt(rule)}` : ''}).`,
    '',
    `![${metric} over the trials, stacked by outcome](${plot.file})`,
    '',
  ],
});
