// The one small interface to the computer-algebra packages. The CAS proposes; the numbers decide
// (check.ts): nerdamer and mathjs have silent wrong answers (shared/research/anchors-and-ecosystem.md §A3).
import { createRequire } from 'node:module';
import type { MathNode } from 'mathjs';
import { all, create, parse } from '../core/mathjs.js';
import { bigMath, NoNormalForm, RationalFunction } from './polynomial.js';

const require = createRequire(import.meta.url);
type Nerdamer = ((e: string) => { toString(): string }) & { version(): string; set(setting: string, value: unknown): void };
/**
 * nerdamer-prime gives up on any call after TIMEOUT ms (default 800): a 12-variable expansion takes
 * ~0.7 s, so the verdict depended on machine load. A generous limit keeps it a function of the input.
 */
export const CAS_TIMEOUT_MS = 60_000;
let nerdamerFn: Nerdamer | undefined;
function nerdamer(): Nerdamer {
  if (!nerdamerFn) {
    nerdamerFn = require('nerdamer-prime') as Nerdamer;
    require('nerdamer-prime/Algebra');
    require('nerdamer-prime/Calculus');
    nerdamerFn.set('TIMEOUT', CAS_TIMEOUT_MS);
  }
  return nerdamerFn;
}

/** The packages behind this interface, for the report's environment section. */
export const CAS_PACKAGES = ['nerdamer-prime', 'mathjs'];

export interface ZeroTest {
  /** 'zero': some engine reduced the expression to 0; 'nonzero': none could (it may still be 0). */
  result: 'zero' | 'nonzero' | 'failed';
  engine: string;
  /** The normal form the engines reached when it was not 0. */
  normalForm?: string;
  error?: string;
}

/**
 * mathjs simplify with exact constants: numerals are fractions (one written 1e-100 is refused, not rounded), and
 * a constant counts as 0 only when it is 0 — the default instance folds anything below 1e-15 to 0, so
 * exp(x) + 1e-100 − exp(x) "reduced to 0".
 */
const exactMathjs = create(all, { number: 'Fraction', relTol: Number.MIN_VALUE, absTol: 0 });

/** The engine that decides rational functions exactly (polynomial.ts). */
export const EXACT_ENGINE = 'exact polynomial normal form';

/**
 * Try to reduce an expression to 0. A rational function with rational coefficients is decided exactly by
 * its polynomial normal form (0 or not: definitive); anything else goes to nerdamer-prime's expand, then
 * its simplify, then mathjs simplify — only up to the first normal form when the numbers already refute it.
 */
export function reducesToZero(expr: string, o: { refutedByNumbers?: boolean } = {}): ZeroTest {
  let f: RationalFunction | undefined;
  try {
    f = exactNormalForm(expr);
  } catch (e) {
    // past the exact engine's limits the others cannot finish either (nerdamer's expand of x^(10^16) never returns)
    return { result: 'failed', engine: EXACT_ENGINE, error: (e as Error).message };
  }
  if (f) return f.isZero() ? { result: 'zero', engine: EXACT_ENGINE } : { result: 'nonzero', engine: EXACT_ENGINE, normalForm: f.toString(2000) };
  const attempts: Array<[string, () => string]> = [
    ['nerdamer-prime expand', () => nerdamer()(`expand(${expr})`).toString()],
    ['nerdamer-prime simplify', () => nerdamer()(`simplify(${expr})`).toString()],
    ['mathjs simplify', () => exactMathjs.simplify(expr).toString()],
  ];
  let normalForm: string | undefined;
  const errors: string[] = [];
  for (const [engine, f] of attempts) {
    try {
      const r = f().replace(/\s+/g, '');
      if (r === '0') return { result: 'zero', engine };
      // a difference the numbers show nonzero (float64, re-checked in 64 digits where that could run) is not 0: a later engine's 0
      // would only be its fault (the step cas-fault rather than refuted; the claim refuted either way), and a simplify can take seconds
      if (o.refutedByNumbers) return { result: 'nonzero', engine: `${engine} (the numbers refute it: no other engine asked)`, normalForm: r };
      normalForm ??= r;
    } catch (e) {
      errors.push(`${engine}: ${(e as Error).message}`);
    }
  }
  if (normalForm === undefined) return { result: 'failed', engine: 'none', error: errors.join('; ') };
  return { result: 'nonzero', engine: attempts.map((a) => a[0]).join(', '), normalForm, ...(errors.length ? { error: errors.join('; ') } : {}) };
}

/** ∂expr/∂x, exactly for a rational function (polynomial.ts), else by nerdamer-prime; parsed back into a mathjs AST. */
export function differentiate(expr: string, x: string): MathNode {
  const f = exactNormalForm(expr, true);
  return parse(f ? f.derivative(x).toString() : nerdamer()(`diff(${expr}, ${x})`).toString());
}

/** The exact normal form, or undefined when the expression is outside its fragment (the other engines then decide); throws when it is too large for any engine. */
function exactNormalForm(expr: string, forDerivative = false): RationalFunction | undefined {
  try {
    return RationalFunction.parse(expr, { forDerivative });
  } catch (e) {
    if (e instanceof NoNormalForm && e.reason === 'too-large') throw new Error(`too large for an exact normal form, and for the other engines: ${e.message}`);
    return undefined;
  }
}

const NUMERAL = /(?<![\w.])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

/**
 * The first numeral in `sources` that float64 does not hold exactly as written (0.30000000000000001, 12345678901234567891,
 * 1e400): expressions are parsed into float64 before any engine sees them, so an engine would decide the rounded
 * expression, not the one written. 0.1 is fine: it prints back as 0.1, and the exact engine reads that as 1/10.
 */
export function inexactNumeral(sources: readonly string[]): string | undefined {
  for (const source of sources)
    for (const [lit] of source.matchAll(NUMERAL)) {
      if (lit.replace(/^[0.]+|[eE].*$|\./g, '').length > 60) return lit;
      const read = Number(lit);
      // decimal.js's eq is exact (mathjs's equal would compare within a relative tolerance)
      if (!Number.isFinite(read) || !bigMath.bignumber(lit).eq(bigMath.bignumber(String(read)))) return lit;
    }
  return undefined;
}

const big = bigMath;

/** Evaluate an already-whitelisted AST in 64-digit BigNumber arithmetic (mathjs). Returns a decimal string. */
export function evaluateBig(node: MathNode, scope: Record<string, number>): string {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(scope)) s[k] = big.bignumber(v);
  const r = big.parse(node.toString()).compile().evaluate(s);
  return String(r);
}

/** (Q(p + h·dir) − Q(p − h·dir)) / 2h in 64-digit arithmetic with h = 1e-24: a directional derivative that trusts no CAS. */
export function directionalDerivativeBig(node: MathNode, p: Record<string, number>, dir: Record<string, number>): string {
  const h = big.bignumber('1e-24');
  const f = big.parse(node.toString()).compile();
  const at = (sign: number) => {
    const s: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) {
      const x = big.bignumber(v);
      s[k] = k in dir ? big.add(x, big.multiply(big.multiply(big.bignumber(dir[k]), h), sign)) : x;
    }
    return f.evaluate(s);
  };
  return String(big.divide(big.subtract(at(1), at(-1)), big.multiply(h, 2)));
}
