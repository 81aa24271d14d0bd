// Writing a report folder: the plots as SVG, report.json, report.md and index.html.
// The set is written to a fresh sibling folder and swapped in whole, so a reader (or a killed run)
// sees either the previous complete report or the new one, never a mix.
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';
import { readReportFile } from './read.js';
import { aggregateLabel, boundarySpec, histogramSpec, renderSvg, trajectorySpec } from './plots.js';

/** The report folder cannot be written (a file in its place, no permission, a read-only or full disk): the CLI's exit code 3. */
export class OutputError extends Error {
  override name = 'OutputError';
}

const IO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a file stands where a folder is needed',
  EEXIST: 'a file stands where a folder is needed',
  EISDIR: 'a folder stands where a file is needed',
  ENAMETOOLONG: 'the path is too long',
};

function outputError(dir: string, e: unknown): OutputError {
  if (e instanceof OutputError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new OutputError(`cannot write the report to ${dir}: ${(code && IO_WORDS[code]) ?? (e as Error).message}${code ? ` (${code})` : ''}`);
}

/** A plot's file name for a claim id: nothing but [a-z0-9.-] (a merged shard's report.json is input too). */
const plotFile = (id: string, kind: string) => `${id.replace(/[^a-z0-9.-]/g, '-')}.${kind}.svg`;

/** The files of a report folder: what a folder must hold (nothing else) to be replaced by a new report. */
const isReportFile = (name: string) => /^(report\.json|report\.md|index\.html|.+\.svg)$/.test(name);

/** Sibling folders of `dir`: the staging folder of a write (`.NAME.new-PID-…`) and the previous report during the swap (`.NAME.old-PID-…`). */
const sibling = (dir: string, kind: 'new' | 'old') =>
  join(dirname(resolve(dir)), `.${basename(resolve(dir))}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);

/** A fresh folder named `sibling(dir, 'new')`, with the permissions a plain mkdir gives (mkdtemp's are 0700). */
function stagingDir(dir: string): string {
  const p = sibling(dir, 'new');
  mkdirSync(p);
  return p;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Mend what a killed write left: a previous report moved aside but not replaced goes back to `dir`,
 * staging folders of writers no longer alive are removed.
 */
function recoverInterruptedWrite(dir: string): void {
  const parent = dirname(resolve(dir));
  const name = basename(resolve(dir));
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  const leftBy = (e: string, kind: string) => {
    const m = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.${kind}-(\\d+)-`).exec(e);
    return m && !pidAlive(Number(m[1])) ? join(parent, e) : undefined;
  };
  for (const e of entries) {
    const old = leftBy(e, 'old');
    if (old && !existsSync(dir)) renameSync(old, dir);
    else if (old) rmSync(old, { recursive: true, force: true });
    const staging = leftBy(e, 'new');
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Check, before any claim runs, that a report can be written to `dir`: it is absent, an empty
 * folder or a report folder (only report files in it), and its parent folder takes a new folder
 * and a file. Throws an OutputError that says what is wrong.
 */
export function checkReportDir(dir: string): void {
  try {
    recoverInterruptedWrite(dir);
    if (existsSync(dir) || isLink(dir)) {
      const st = lstatSync(dir);
      if (!st.isDirectory()) throw new OutputError(`--out ${dir} is ${st.isSymbolicLink() ? 'a symlink' : 'a file'}, not a report folder`);
      const others = readdirSync(dir).filter((n) => !isReportFile(n));
      if (others.length)
        throw new OutputError(
          `--out ${dir} holds files that are not part of a report (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); a report replaces its folder whole, so name an empty or a report folder`,
        );
    }
    mkdirSync(dirname(resolve(dir)), { recursive: true });
    const probe = stagingDir(dir);
    try {
      writeDurably(join(probe, 'probe'), 'claimcheck\n');
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  } catch (e) {
    throw outputError(dir, e);
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx');
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Move the staged folder to `dir`, the previous report aside first and deleted after; on failure `dir` keeps the previous report. */
function swapIn(staging: string, dir: string): void {
  const old = existsSync(dir) ? sibling(dir, 'old') : undefined;
  if (old) renameSync(dir, old);
  try {
    renameSync(staging, dir);
  } catch (e) {
    if (old) renameSync(old, dir);
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

export async function writeReport(report: Report, dir: string): Promise<{ json: string; md: string; html: string }> {
  checkReportDir(dir);
  const json = join(dir, 'report.json');
  const md = join(dir, 'report.md');
  const html = join(dir, 'index.html');
  let previous: Report | undefined;
  try {
    if (existsSync(json)) previous = readReportFile(json);
  } catch {
    previous = undefined; // an unreadable old report only loses the changes section
  }
  let staging: string;
  try {
    staging = stagingDir(dir);
  } catch (e) {
    throw outputError(dir, e);
  }
  try {
    const files: Record<string, string> = {};
    const svgs: Record<string, string> = {};
    for (const c of report.claims) {
      const t = c.trajectory;
      if (t) {
        const spec = trajectorySpec(t, {
          text: `${c.id}: ${t.y} against ${t.x}`,
          subtitle: t.curves.length ? [`dotted: ${t.curves.map((q) => q.name).join('; ')}`] : [],
        });
        const file = plotFile(c.id, 'trajectory');
        files[file] = svgs[file] = await renderSvg(spec);
        t.plot = { spec, file };
      }
      const hg = c.histogram;
      if (hg && c.search?.samples) {
        const samples = c.search.samples.map((q) => ({ status: q.status, value: q.values[hg.metric] }));
        const counted = samples.filter((q) => q.status === 'pass' || q.status === 'fail').length;
        const spec = histogramSpec(samples, hg, {
          text: `${c.id}: ${hg.metric} over the search's trials`,
          subtitle: [`${counted} of ${samples.length} trials in regime`],
        });
        const file = plotFile(c.id, 'histogram');
        files[file] = svgs[file] = await renderSvg(spec);
        hg.plot = { spec, file };
      }
      if (!c.boundary) continue;
      const b = c.boundary;
      const spec = boundarySpec(
        b,
        `${c.id}: ${aggregateLabel(b)} ${b.yVar ? `over (${b.xVar}, ${b.yVar})` : `against ${b.xVar}${b.cells.some((q) => q.error) ? ' (error bars: integrator estimate)' : ''}`}`,
      );
      const file = plotFile(c.id, 'boundary');
      files[file] = svgs[file] = await renderSvg(spec);
      c.boundary.plot = { spec, file };
    }
    files['report.json'] = JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
    files['report.md'] = renderMarkdown(report);
    files['index.html'] = renderHtml(report, svgs, previous);
    for (const [name, text] of Object.entries(files)) writeDurably(join(staging, name), text);
    swapIn(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw (e as NodeJS.ErrnoException).code ? outputError(dir, e) : e;
  }
  return { json, md, html };
}
