// A claim section of the report: its data from one claim (computed once), and its HTML and Markdown.
import type { ClaimResult } from '../../runner.js';
import type { Report } from '../model.js';

/** What the HTML page has beside the report: the plots' SVG text by file name. */
export interface HtmlPage {
  svgs: Record<string, string>;
}

export interface ClaimSection<D> {
  id: string;
  /** the section's data for this claim, or undefined when it has nothing to show */
  view(c: ClaimResult, r: Report): D | undefined;
  /** undefined: nothing on the page */
  html(d: D, page: HtmlPage): string | undefined;
  /** lines of report.md, each block followed by an empty line; none: nothing */
  markdown(d: D): string[];
}

/** A section bound to one claim's data. */
export interface ShownSection {
  id: string;
  data: unknown;
  html(page: HtmlPage): string | undefined;
  markdown(): string[];
}

export type BoundSection = (c: ClaimResult, r: Report) => ShownSection | undefined;

/** Define a section; list it in sections/index.ts to add it to the report. */
export function defineSection<D>(s: ClaimSection<D>): BoundSection {
  return (c, r) => {
    const data = s.view(c, r);
    return data === undefined ? undefined : { id: s.id, data, html: (page) => s.html(data, page), markdown: () => s.markdown(data) };
  };
}
