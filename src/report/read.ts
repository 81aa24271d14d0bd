// Reading a report.json given on the command line (merge, diff, list) or left in a report folder: it is input like a claim file.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Report } from './model.js';

/** The largest report.json read (a full-scale run's report is a few MB). */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** A report.json that cannot be read or is not a claimcheck report: the message names the file and what is wrong. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A report.json given to merge, diff or list: a regular file, JSON, with the fields a report has; otherwise a ReportFileError naming it. */
export function readReportFile(file: string): Report {
  const fail = (what: string) => new ReportFileError(`${file}: ${what}`);
  let text: string;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)); // a FIFO is refused by fstat, never waited on
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open it (${code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fail('not a regular file');
    if (st.size > MAX_REPORT_BYTES) throw fail(`larger than ${MAX_REPORT_BYTES / 2 ** 20} MB`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    for (let k; n < buf.length && (k = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += k;
    text = buf.toString('utf8', 0, n);
  } catch (e) {
    throw e instanceof ReportFileError ? e : fail(`cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fail('not JSON (a claimcheck report.json is expected)');
  }
  if (!isObject(data)) throw fail('not a claimcheck report (a JSON object is expected)');
  const missing = ['claims', 'summary', 'environment', 'options', 'papers'].filter((k) => (k === 'claims' ? !Array.isArray(data[k]) : !isObject(data[k])));
  if (missing.length) throw fail(`not a claimcheck report (missing or malformed: ${missing.join(', ')})`);
  const env = data.environment as Record<string, unknown>;
  if (typeof env.gitCommit !== 'string' || typeof env.node !== 'string' || typeof env.lockfileSha256 !== 'string')
    throw fail('not a claimcheck report (its environment lacks gitCommit, node or lockfileSha256)');
  const bad = (data.claims as unknown[]).findIndex(
    (c) => !isObject(c) || typeof c.id !== 'string' || typeof c.file !== 'string' || typeof c.verdict !== 'string' || typeof c.paperKey !== 'string',
  );
  if (bad >= 0) throw fail(`not a claimcheck report (claims[${bad}] lacks an id, file, paperKey or verdict)`);
  return data as unknown as Report;
}
