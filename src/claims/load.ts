// Loading claim files: YAML with source positions, zod validation, and errors that name
// file:line:column, the field path, what was expected and what was found.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { LineCounter, isMap, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { paperSchema, type Claim, type Paper, type SymbolicStep } from './schema.js';
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

export function formatError(e: ValidationError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

function linePos(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

function pathString(path: (string | number | symbol)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

function valueAt(obj: unknown, path: (string | number | symbol)[]): unknown {
  let cur = obj as Record<string | number, unknown> | undefined;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p as string] as Record<string | number, unknown> | undefined;
  }
  return cur;
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

export function zodIssuesToErrors(file: string, doc: Document, lc: LineCounter, data: unknown, issues: z.core.$ZodIssue[]): ValidationError[] {
  const out: ValidationError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const pos = unrecognizedKeyPosition(doc, lc, issue.path, key);
        out.push({ file, ...pos, path: pathString([...issue.path, key]), message: `unknown field "${key}"` });
      }
      continue;
    }
    const found = valueAt(data, issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      message = `expected ${issue.expected}, found ${describe(found)}`;
    } else if (issue.code === 'invalid_value' && 'values' in issue) {
      message = `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${describe(found)}`;
    } else if (issue.code !== 'custom' && found !== undefined && !/found/.test(message)) {
      message = `${message} (found ${describe(found)})`;
    }
    const pos = positionOf(doc, lc, issue.path);
    out.push({ file, ...pos, path: pathString(issue.path), message });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function parseYaml(file: string, text: string): { doc: Document; lc: LineCounter; data: unknown; errors: ValidationError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors: ValidationError[] = [...doc.errors].map((e) => {
    const pos = linePos(lc, e.pos[0]);
    return { file, ...pos, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
  });
  let data: unknown = undefined;
  if (!errors.length) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ file, line: 1, column: 1, path: '', message: `YAML: ${(e as Error).message}` });
    }
  }
  return { doc, lc, data, errors };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function loadPaper(dir: string): { paper?: Paper; errors: ValidationError[] } {
  const file = join(dir, 'paper.yaml');
  const shown = displayPath(file);
  if (!existsSync(file)) return { errors: [{ file: shown, line: 1, column: 1, path: '', message: 'missing paper.yaml (the bibliographic entry for this folder)' }] };
  const { doc, lc, data, errors } = parseYaml(shown, readFileSync(file, 'utf8'));
  if (errors.length) return { errors };
  const r = paperSchema.safeParse(data);
  if (!r.success) return { errors: zodIssuesToErrors(shown, doc, lc, data, r.error.issues) };
  if (r.data.key !== basename(dir)) {
    return { errors: [{ file: shown, ...positionOf(doc, lc, ['key']), path: 'key', message: `the paper key "${r.data.key}" must equal its folder name "${basename(dir)}"` }] };
  }
  return { paper: r.data, errors: [] };
}

export function loadClaimText(file: string, text: string, paperKey: string, paper?: Paper): ClaimLoad {
  const shown = displayPath(file);
  if (text.length > 1_000_000) return { ok: false, file: shown, paperKey, errors: [{ file: shown, line: 1, column: 1, path: '', message: 'claim file larger than 1 MB' }] };
  const { doc, lc, data, errors } = parseYaml(shown, text);
  const id = typeof (data as { id?: unknown })?.id === 'string' ? (data as { id: string }).id : undefined;
  if (errors.length) return { ok: false, file: shown, paperKey, id, errors };
  let r;
  try {
    r = claimSchema.safeParse(data);
  } catch (e) {
    return { ok: false, file: shown, paperKey, id, errors: [{ file: shown, line: 1, column: 1, path: '', message: `cannot validate: ${(e as Error).message}` }] };
  }
  if (!r.success) return { ok: false, file: shown, paperKey, id, errors: zodIssuesToErrors(shown, doc, lc, data, r.error.issues) };
  const hash = createHash('sha256').update(text).digest('hex');
  return { ok: true, file: shown, paperKey, paper, claim: r.data, hash };
}

export function loadClaimFile(file: string, paper?: Paper): ClaimLoad {
  const paperKey = basename(dirname(resolve(file)));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const shown = displayPath(file);
    return { ok: false, file: shown, paperKey, errors: [{ file: shown, line: 1, column: 1, path: '', message: (e as Error).message }] };
  }
  return loadClaimText(file, text, paperKey, paper);
}

/** Every claim file under the given paths (files or folders), each folder's paper.yaml checked once. */
export function loadClaims(paths: string[]): { claims: ClaimLoad[]; paperErrors: ValidationError[]; papers: Record<string, Paper> } {
  const files: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.ya?ml$/.test(p) && basename(p) !== 'paper.yaml') files.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`no such file or folder: ${p}`);
    walk(p);
  }
  const papers: Record<string, Paper> = {};
  const paperErrors: ValidationError[] = [];
  const seenDirs = new Set<string>();
  const claims: ClaimLoad[] = [];
  for (const f of files) {
    const dir = dirname(resolve(f));
    if (!seenDirs.has(dir)) {
      seenDirs.add(dir);
      const r = loadPaper(dir);
      if (r.paper) papers[r.paper.key] = r.paper;
      paperErrors.push(...r.errors);
    }
    claims.push(loadClaimFile(f, papers[basename(dir)]));
  }
  resolveSharedSteps(claims);
  const ids = new Map<string, string>();
  for (const c of claims) {
    if (!c.ok) continue;
    const prev = ids.get(c.claim.id);
    if (prev) {
      const idx = claims.indexOf(c);
      claims[idx] = { ok: false, file: c.file, paperKey: c.paperKey, id: c.claim.id, errors: [{ file: c.file, line: 1, column: 1, path: 'id', message: `duplicate claim id "${c.claim.id}" (also in ${prev})` }] };
    } else ids.set(c.claim.id, c.file);
  }
  return { claims, paperErrors, papers };
}

/**
 * Put the steps named in each claim's `uses` into its symbolic steps (marked sharedFrom). The named
 * claim is looked up among the loaded claims, then in the claims folder the citing file lives in
 * (so that running one file still finds its references). An unknown claim or step invalidates the file.
 */
function resolveSharedSteps(claims: ClaimLoad[]): void {
  const byId = new Map<string, Claim>();
  for (const c of claims) if (c.ok) byId.set(c.claim.id, c.claim);
  const scanned = new Set<string>();
  claims.forEach((c, idx) => {
    if (!c.ok || !c.claim.uses.length) return;
    const errors: ValidationError[] = [];
    for (const ref of c.claim.uses) {
      const [id, stepId] = ref.split('#');
      if (!byId.has(id)) {
        const root = dirname(dirname(resolve(c.file)));
        if (!scanned.has(root)) {
          scanned.add(root);
          for (const d of readdirSync(root).map((e) => join(root, e)).filter((p) => statSync(p).isDirectory()))
            for (const f of readdirSync(d).filter((e) => /\.ya?ml$/.test(e) && e !== 'paper.yaml')) {
              const l = loadClaimFile(join(d, f));
              if (l.ok && !byId.has(l.claim.id)) byId.set(l.claim.id, l.claim);
            }
        }
      }
      const other = byId.get(id);
      const step = other?.symbolic.find((s) => s.id === stepId);
      const line = lineOf(c.file, ref);
      if (!other) errors.push({ file: c.file, line, column: 1, path: 'uses', message: `no claim "${id}" for the shared step "${ref}"` });
      else if (!step) errors.push({ file: c.file, line, column: 1, path: 'uses', message: `claim "${id}" has no symbolic step "${stepId}"; its steps: ${other.symbolic.map((s) => s.id).join(', ') || 'none'}` });
      else if (other.uses.includes(`${c.claim.id}#${stepId}`)) errors.push({ file: c.file, line, column: 1, path: 'uses', message: `"${ref}" and ${id} use each other's steps` });
      else {
        const steps = c.claim.symbolic as SymbolicStep[];
        if (!steps.some((s) => s.sharedFrom === id && s.id === stepId)) steps.push({ ...step, sharedFrom: id });
      }
    }
    if (errors.length) claims[idx] = { ok: false, file: c.file, paperKey: c.paperKey, id: c.claim.id, errors };
  });
}

function lineOf(file: string, text: string): number {
  try {
    const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
    return i >= 0 ? i + 1 : 1;
  } catch {
    return 1;
  }
}
