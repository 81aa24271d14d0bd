// Loading claim files: YAML with source positions, zod validation, and errors that name
// file:line:column, the field path, what was expected and what was found.
// Claim files come from contributors: only regular files are read, bounded before reading, a
// symlink only when it resolves inside the paths given, and an error quotes at most the offending line.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { claimShape, fieldIssues, hypothesesOf, paperSchema, type Claim, type Paper, type SymbolicStep } from './schema.js';
import { yamlNestingError } from './nesting.js';
import { claimSchema } from './validate.js';

export interface ValidationError {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export interface LoadedClaim {
  ok: true;
  file: string;
  paperKey: string;
  paper?: Paper;
  claim: Claim;
  /** sha256 of the claim file's bytes: what a cached or replayed result refers to. */
  hash: string;
}

export interface InvalidClaim {
  ok: false;
  file: string;
  paperKey: string;
  id?: string;
  errors: ValidationError[];
}

export type ClaimLoad = LoadedClaim | InvalidClaim;

/** The largest claim or paper file read, in bytes. */
export const MAX_CLAIM_FILE_BYTES = 1_000_000;
/** The longest error message kept (a message may quote the offending line, never more). */
const MAX_MESSAGE_CHARS = 240;

/** This repository's own claims/ folder (found from the installed code, not from a cited file). */
export const PROJECT_CLAIMS_DIR = fileURLToPath(new URL('../../claims', import.meta.url));

/** A word as a POSIX shell reads it back unchanged: as it is when it is plain, else in single quotes. */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) && !s.startsWith('-')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * How a command (replay, run, ablate) printed in a report names a claim: its id when its file is in
 * the built-in library (claims/ of this package, where `claimcheck replay <id>` finds it), else its
 * file as the loader showed it (relative to the current folder, or absolute), quoted for a shell.
 */
export function commandTarget(file: string, id: string): string {
  return isInside(realFolder(file), realFolder(PROJECT_CLAIMS_DIR)) ? id : shellWord(file.startsWith('-') ? `./${file}` : file);
}

export function formatError(e: ValidationError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) + '…' : s);

function capMessages(errors: ValidationError[]): ValidationError[] {
  return errors.map((e) => ({ ...e, path: clip(e.path, 120), message: clip(e.message, MAX_MESSAGE_CHARS) }));
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function ioMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    ELOOP: 'a symlink loop',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENXIO: 'not a readable file (a socket or a device without a reader)',
    EISDIR: 'a folder, not a file',
    ENOTDIR: 'a path through something that is not a folder',
  };
  return (code && words[code]) ?? `cannot read it (${code ?? 'unknown error'})`;
}

const isInside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The text of a claim or paper file, or why it is not read: only a regular file of at most
 * MAX_CLAIM_FILE_BYTES, sized by fstat before reading and read to at most one byte more (a file
 * that grows meanwhile is still refused). A symlink is followed only when its target is a regular
 * file inside `within` (the real path of a folder given to the loader): a link out of the given paths
 * is refused unread. FIFOs are opened non-blocking and refused by fstat, so nothing waits on a writer.
 */
export function readClaimSource(file: string, within?: string): { text: string } | { error: string } {
  let target = file;
  try {
    if (lstatSync(file).isSymbolicLink()) {
      try {
        target = realpathSync(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { error: code === 'ENOENT' ? 'a dangling symlink (its target does not exist)' : `a symlink that cannot be resolved: ${ioMessage(e)}` };
      }
      if (within !== undefined && !isInside(target, within))
        return { error: `a symlink that leads outside the given paths (${displayPath(within)}); it is not followed` };
    }
  } catch (e) {
    return { error: ioMessage(e) };
  }
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return { error: ioMessage(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: `not a regular file: ${fileKind(st)}` };
    const tooLarge = { error: `larger than ${MAX_CLAIM_FILE_BYTES / 1e6} MB (the limit on a claim file)` };
    if (st.size > MAX_CLAIM_FILE_BYTES) return tooLarge;
    const buf = Buffer.alloc(MAX_CLAIM_FILE_BYTES + 1);
    let n = 0;
    for (let k; n < buf.length && (k = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += k;
    if (n > MAX_CLAIM_FILE_BYTES) return tooLarge;
    return { text: buf.toString('utf8', 0, n) };
  } catch (e) {
    return { error: ioMessage(e) };
  } finally {
    closeSync(fd);
  }
}

/** The real path of a folder given to the loader (or of a given file's folder): what a symlink may point into. */
function realFolder(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

function linePos(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

function pathString(path: (string | number | symbol)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Position of the deepest node on `path` that exists (a missing key points at its parent). */
function positionOf(doc: Document, lc: LineCounter, path: (string | number | symbol)[]): { line: number; column: number } {
  for (let k = path.length; k >= 0; k--) {
    const sub = path.slice(0, k) as (string | number)[];
    const node = k === 0 ? doc.contents : doc.getIn(sub, true);
    if (node && typeof node === 'object' && 'range' in node && (node as { range?: number[] }).range) {
      return linePos(lc, (node as { range: number[] }).range[0]);
    }
  }
  return { line: 1, column: 1 };
}

function unrecognizedKeyPosition(doc: Document, lc: LineCounter, path: (string | number | symbol)[], key: string): { line: number; column: number } {
  const parent = path.length ? doc.getIn(path as (string | number)[], true) : doc.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((it) => (it.key as { value?: unknown })?.value === key);
    const kr = (pair?.key as { range?: number[] } | undefined)?.range;
    if (kr) return linePos(lc, kr[0]);
  }
  return positionOf(doc, lc, path);
}

export function zodIssuesToErrors(file: string, doc: Document, lc: LineCounter, data: unknown, issues: z.core.$ZodIssue[], schema: z.core.$ZodType = claimShape): ValidationError[] {
  const out = fieldIssues(issues, data, schema).map((i) => {
    const pos = i.atKey ? unrecognizedKeyPosition(doc, lc, i.path.slice(0, -1), String(i.path.at(-1))) : positionOf(doc, lc, i.path);
    return { file, ...pos, path: pathString(i.path), message: i.message };
  });
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

// JavaScript drops or misreads a key named __proto__ (zod's records drop it); other inherited names (toString, …) are
// ordinary names, and every lookup of a declared name checks own properties (Object.hasOwn)
const PROTOTYPE_KEYS = new Set(['__proto__']);

function parseYaml(file: string, text: string): { doc: Document; lc: LineCounter; data: unknown; errors: ValidationError[] } {
  const lc = new LineCounter();
  // nesting is bounded before the parser sees the text (its memory grows with the depth)
  const deep = yamlNestingError(text);
  if (deep) {
    const before = text.slice(0, deep.offset);
    const line = before.split('\n').length;
    const column = deep.offset - before.lastIndexOf('\n');
    return { doc: new Document(), lc, data: undefined, errors: [{ file, line, column, path: '', message: `YAML: ${deep.message}` }] };
  }
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors: ValidationError[] = [...doc.errors].map((e) => {
    const pos = linePos(lc, e.pos[0]);
    return { file, ...pos, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
  });
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key === 'string' && PROTOTYPE_KEYS.has(key))
        errors.push({ file, ...linePos(lc, pair.key && isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0), path: '', message: `the key "${key}" is not allowed (JavaScript reads it as the object's prototype)` });
    },
  });
  let data: unknown = undefined;
  if (!errors.length) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ file, line: 1, column: 1, path: '', message: `YAML: ${(e as Error).message.split('\n')[0]}` });
    }
  }
  return { doc, lc, data, errors };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function loadPaper(dir: string, within = realFolder(dir)): { paper?: Paper; errors: ValidationError[] } {
  const file = join(dir, 'paper.yaml');
  const shown = displayPath(file);
  const at = { file: shown, line: 1, column: 1, path: '' };
  let exists = true;
  try {
    lstatSync(file);
  } catch {
    exists = false;
  }
  if (!exists) return { errors: [{ ...at, message: 'missing paper.yaml (the bibliographic entry for this folder)' }] };
  const source = readClaimSource(file, within);
  if ('error' in source) return { errors: [{ ...at, message: `paper.yaml: ${source.error}` }] };
  const { doc, lc, data, errors } = parseYaml(shown, source.text);
  if (errors.length) return { errors: capMessages(errors) };
  const r = paperSchema.safeParse(data);
  if (!r.success) return { errors: capMessages(zodIssuesToErrors(shown, doc, lc, data, r.error.issues, paperSchema)) };
  if (r.data.key !== basename(dir)) {
    return {
      errors: capMessages([
        { file: shown, ...positionOf(doc, lc, ['key']), path: 'key', message: `the paper key "${clip(r.data.key, 60)}" must equal its folder name "${basename(dir)}"` },
      ]),
    };
  }
  return { paper: r.data, errors: [] };
}

export function loadClaimText(file: string, text: string, paperKey: string, paper?: Paper): ClaimLoad {
  const shown = displayPath(file);
  if (text.length > 1_000_000) return { ok: false, file: shown, paperKey, errors: [{ file: shown, line: 1, column: 1, path: '', message: 'claim file larger than 1 MB' }] };
  const { doc, lc, data, errors } = parseYaml(shown, text);
  const rawId = (data as { id?: unknown })?.id;
  const id = typeof rawId === 'string' ? clip(rawId, 200) : undefined;
  if (errors.length) return { ok: false, file: shown, paperKey, id, errors: capMessages(errors) };
  let r;
  try {
    r = claimSchema.safeParse(data);
  } catch (e) {
    return { ok: false, file: shown, paperKey, id, errors: capMessages([{ file: shown, line: 1, column: 1, path: '', message: `cannot validate: ${(e as Error).message}` }]) };
  }
  if (!r.success) return { ok: false, file: shown, paperKey, id, errors: capMessages(zodIssuesToErrors(shown, doc, lc, data, r.error.issues)) };
  const hash = createHash('sha256').update(text).digest('hex');
  const loaded: LoadedClaim = { ok: true, file: shown, paperKey, paper, claim: r.data, hash };
  sourceText.set(loaded, text);
  return loaded;
}

/** The text each loaded claim was parsed from (for locating a `uses` entry without reading the file again). */
const sourceText = new WeakMap<LoadedClaim, string>();

/** One claim file; `within` is the real path a symlink must resolve into (default: the file's own folder). */
export function loadClaimFile(file: string, paper?: Paper, within = realFolder(dirname(file))): ClaimLoad {
  const paperKey = basename(dirname(resolve(file)));
  const source = readClaimSource(file, within);
  if ('error' in source) {
    const shown = displayPath(file);
    return { ok: false, file: shown, paperKey, errors: [{ file: shown, line: 1, column: 1, path: '', message: source.error }] };
  }
  return loadClaimText(file, source.text, paperKey, paper);
}

const isClaimFileName = (name: string) => /\.ya?ml$/.test(name) && name !== 'paper.yaml';

/**
 * The claim files under a folder: regular files and symlinks named *.yaml/*.yml (each read later
 * through readClaimSource), in sorted order. Folders reached through a symlink are not entered (no
 * loops, no walking out of the folder); an unreadable folder is skipped.
 */
function claimFilesUnder(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) claimFilesUnder(p, out);
    else if (isClaimFileName(name)) out.push(p);
  }
}

/** Every claim file under the given paths (files or folders), each folder's paper.yaml checked once. */
export function loadClaims(paths: string[]): { claims: ClaimLoad[]; paperErrors: ValidationError[]; papers: Record<string, Paper> } {
  // each file with the real folder its symlinks must stay inside: the folder given, or a given file's folder
  const files: Array<{ file: string; within: string; error?: string }> = [];
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      try {
        lstatSync(p);
      } catch {
        throw new Error(`no such file or folder: ${p}`);
      }
      // a dangling or looping symlink given by name: one invalid entry
      files.push({ file: p, within: '', error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a dangling symlink (its target does not exist)' : ioMessage(e) });
      continue;
    }
    if (st.isDirectory()) {
      // a folder named through a symlink is walked only when it lies inside the folder of the link
      const outside = lstatSync(p).isSymbolicLink() && !isInside(realFolder(p), realFolder(dirname(p)));
      if (outside) {
        files.push({ file: p, within: '', error: 'a symlink that leads outside the given paths; it is not followed' });
        continue;
      }
      const found: string[] = [];
      claimFilesUnder(p, found);
      const within = realFolder(p);
      files.push(...found.map((file) => ({ file, within })));
    } else if (isClaimFileName(basename(p)) || !st.isFile()) files.push({ file: p, within: realFolder(dirname(p)) });
  }
  const papers: Record<string, Paper> = {};
  const paperErrors: ValidationError[] = [];
  const seenDirs = new Set<string>();
  const claims: ClaimLoad[] = [];
  for (const { file, within, error } of files) {
    const dir = dirname(resolve(file));
    if (error) {
      const shown = displayPath(file);
      claims.push({ ok: false, file: shown, paperKey: basename(dir), errors: [{ file: shown, line: 1, column: 1, path: '', message: error }] });
      continue;
    }
    if (!seenDirs.has(dir)) {
      seenDirs.add(dir);
      const r = loadPaper(dir, within);
      if (r.paper) papers[r.paper.key] = r.paper;
      paperErrors.push(...r.errors);
    }
    claims.push(loadClaimFile(file, papers[basename(dir)], within));
  }
  // duplicate ids first: a duplicated id is invalid in every file carrying it, and never resolves a `uses`
  // (so a file cannot substitute another claim's step by taking its id, whichever sorts first)
  const carriers = new Map<string, string[]>();
  for (const c of claims) if (c.ok) carriers.set(c.claim.id, [...(carriers.get(c.claim.id) ?? []), c.file]);
  const duplicated = new Map<string, string[]>();
  claims.forEach((c, idx) => {
    if (!c.ok) return;
    const files = carriers.get(c.claim.id) ?? [];
    if (files.length < 2) return;
    duplicated.set(c.claim.id, files);
    const others = files.filter((f) => f !== c.file);
    claims[idx] = {
      ok: false,
      file: c.file,
      paperKey: c.paperKey,
      id: c.claim.id,
      errors: capMessages([{ file: c.file, line: 1, column: 1, path: 'id', message: `duplicate claim id "${c.claim.id}" (also in ${others.join(', ')})` }]),
    };
  });
  resolveSharedSteps(claims, duplicated);
  checkDroppedPremises(claims);
  return { claims, paperErrors, papers };
}

/** Claims found outside the loaded ones, by id: each id's claim, or the files that carry it when it is in more than one. */
type Library = Map<string, { claim: Claim; file: string } | { files: string[] }>;

/** The valid claims of the given files, by id (a file read twice through two paths counts once). */
function libraryOf(files: string[], within: string): Library {
  const lib: Library = new Map();
  const seen = new Set<string>();
  for (const f of files) {
    const real = realFolder(f);
    if (seen.has(real)) continue;
    seen.add(real);
    const l = loadClaimFile(f, undefined, within);
    if (!l.ok) continue;
    const prev = lib.get(l.claim.id);
    lib.set(l.claim.id, prev ? { files: [...('files' in prev ? prev.files : [prev.file]), l.file] } : { claim: l.claim, file: l.file });
  }
  return lib;
}

/** A folder holds a paper when it has a paper.yaml; node_modules and hidden folders are never searched. */
const isPaperFolder = (dir: string) => {
  const name = basename(dir);
  if (name === 'node_modules' || name.startsWith('.')) return false;
  try {
    return lstatSync(dir).isDirectory() && lstatSync(join(dir, 'paper.yaml')).isFile();
  } catch {
    return false;
  }
};

/** The claim files directly in a folder (where a paper's claims live; no descent). */
function claimFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .filter((n) => isClaimFileName(n))
      .map((n) => join(dir, n))
      .filter((f) => lstatSync(f).isFile() || lstatSync(f).isSymbolicLink());
  } catch {
    return [];
  }
}

/**
 * The claims beside a claim file: its own folder's, then those of the paper folders next to it (the
 * folders beside its folder that hold a paper.yaml), as one library; a symlink may not lead out of
 * the folder above.
 */
function besideLibrary(file: string): Library {
  const dir = dirname(resolve(file));
  const parent = dirname(dir);
  let siblings: string[] = [];
  try {
    siblings = readdirSync(parent)
      .sort()
      .map((n) => join(parent, n))
      .filter((d) => d !== dir && isPaperFolder(d));
  } catch {
    // an unreadable parent: the file's own folder only
  }
  return libraryOf([dir, ...siblings].flatMap(claimFilesIn), realFolder(parent));
}

/** The claims of the built-in library (this package's claims/ folder). */
function builtinLibrary(): Library {
  const found: string[] = [];
  claimFilesUnder(PROJECT_CLAIMS_DIR, found);
  return libraryOf(found, realFolder(PROJECT_CLAIMS_DIR));
}

/**
 * Put the steps named in each claim's `uses` into its symbolic steps (marked sharedFrom). The named
 * claim is looked up first among the loaded claims, then in the files beside the using file (its
 * folder and the paper folders next to it), then in the built-in library (this package's claims/),
 * so a paper in its own repository can use a step of a claim shipped with claimcheck. The first
 * place that has the id decides: an id carried by two files there resolves nothing (a file cannot
 * substitute another claim's step by taking its id). An unknown claim or step invalidates the file.
 */
function resolveSharedSteps(claims: ClaimLoad[], duplicated: Map<string, string[]>): void {
  const loaded: Library = new Map();
  for (const c of claims) if (c.ok && !duplicated.has(c.claim.id)) loaded.set(c.claim.id, { claim: c.claim, file: c.file });
  for (const [id, files] of duplicated) loaded.set(id, { files });
  const beside = new Map<string, Library>();
  let builtin: Library | undefined;
  const lookup = (id: string, file: string) => {
    const here = loaded.get(id);
    if (here) return here;
    const dir = dirname(resolve(file));
    if (!beside.has(dir)) beside.set(dir, besideLibrary(file));
    return beside.get(dir)!.get(id) ?? (builtin ??= builtinLibrary()).get(id);
  };
  claims.forEach((c, idx) => {
    if (!c.ok || !c.claim.uses.length) return;
    const errors: ValidationError[] = [];
    for (const ref of c.claim.uses) {
      const [id, stepId] = ref.split('#');
      const at = { file: c.file, ...positionOfText(sourceText.get(c) ?? '', ref), path: 'uses' };
      const found = lookup(id, c.file);
      if (found && 'files' in found) {
        errors.push({ ...at, message: `"${ref}": the claim id "${id}" is in more than one file (${found.files.join(', ')}); no shared step is taken from it` });
        continue;
      }
      const other = found?.claim;
      const step = other?.symbolic.find((s) => s.id === stepId);
      if (!other)
        errors.push({ ...at, message: `no claim "${id}" for the shared step "${ref}" (looked among the claims loaded, beside this file and in claimcheck's own claims/)` });
      else if (!step) errors.push({ ...at, message: `claim "${id}" has no symbolic step "${stepId}"; its steps: ${other.symbolic.map((s) => s.id).join(', ') || 'none'}` });
      else if (other.uses.includes(`${c.claim.id}#${stepId}`)) errors.push({ ...at, message: `"${ref}" and ${id} use each other's steps` });
      else {
        const steps = c.claim.symbolic as SymbolicStep[];
        if (!steps.some((s) => s.sharedFrom === id && s.id === stepId)) steps.push({ ...step, sharedFrom: id });
      }
    }
    if (errors.length) claims[idx] = { ok: false, file: c.file, paperKey: c.paperKey, id: c.claim.id, errors: capMessages(errors) };
  });
}

/**
 * A refutation target's `drops_premise` names a premise of the claim it refutes: checked when that claim
 * is among the loaded ones (a target loaded alone is not invalid for it).
 */
function checkDroppedPremises(claims: ClaimLoad[]): void {
  const byId = new Map<string, Claim>();
  for (const c of claims) if (c.ok) byId.set(c.claim.id, c.claim);
  claims.forEach((c, idx) => {
    if (!c.ok || !c.claim.drops_premise) return;
    const [id, name] = c.claim.drops_premise.split('#');
    const line = lineOf(sourceText.get(c) ?? '', 'drops_premise');
    let message: string | undefined;
    if (c.claim.expect !== 'refuted' || c.claim.refutes !== id) message = `drops_premise names a premise of the claim this target refutes: "refutes: ${id}" and "expect: refuted" go with it`;
    else {
      const other = byId.get(id);
      const h = other?.search && hypothesesOf(other.search).find((x) => x.name === name);
      const premises = other?.search ? hypothesesOf(other.search).filter((x) => x.role === 'premise').map((x) => x.name) : [];
      if (other && (!h || h.role !== 'premise')) message = `claim "${id}" has no premise "${name}"; its premises: ${premises.join(', ') || 'none'}`;
    }
    if (message) claims[idx] = { ok: false, file: c.file, paperKey: c.paperKey, id: c.claim.id, errors: [{ file: c.file, line, column: 1, path: 'drops_premise', message }] };
  });
}

function lineOf(source: string, text: string): number {
  return positionOfText(source, text).line;
}

/** Line and column (1-based) of the first occurrence of `text` as a whole word (not followed by a name's character) in a claim file's source; 1:1 when absent. */
function positionOfText(source: string, text: string): { line: number; column: number } {
  const word = new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
  const lines = source.split('\n');
  const i = lines.findIndex((l) => word.test(l));
  return i >= 0 ? { line: i + 1, column: lines[i].search(word) + 1 } : { line: 1, column: 1 };
}
