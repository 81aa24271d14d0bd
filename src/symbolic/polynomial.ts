// Exact normal form of rational functions with rational coefficients: the CAS's first engine (cas.ts).
// An expression built only from symbols, exact numerals, + − × ÷ and integer powers is expanded into
// numerator/denominator polynomials with BigInt coefficients; it is 0 exactly when the numerator is.
// Anything else (sqrt, abs, functions, powers with a non-integer or symbolic exponent, a negative power
// of a non-constant) is outside the fragment and left to the other engines.
import type { MathNode } from 'mathjs';
import { all, create } from '../core/mathjs.js';
import { CONSTANTS } from '../core/expr.js';

/** Limits that keep hostile input from hanging or exhausting memory: past any of them the engine gives up. */
export const POLYNOMIAL_LIMITS = {
  /** terms of any intermediate polynomial */
  terms: 200_000,
  /** coefficient products of one normal form, all multiplications together, each weighted by its 64-bit limbs (limbs(a)·limbs(b)) */
  work: 20_000_000,
  /** bits of any coefficient's numerator or denominator */
  coefficientBits: 4096,
};

/** Why an expression has no normal form here: outside the fragment, or past a size limit. */
export class NoNormalForm extends Error {
  constructor(
    readonly reason: 'outside' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const outside = (why: string) => new NoNormalForm('outside', why);
const tooLarge = (why: string) => new NoNormalForm('too-large', why);

type Node = MathNode & { type: string };
interface Op {
  fn: string;
  args: Node[];
}

// ---------------------------------------------------------------------------------------------
// Rational numbers and polynomials.

const abs = (x: bigint) => (x < 0n ? -x : x);
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Σ coefficient·monomial / den over integer coefficients, den > 0 and coprime to the coefficients together.
 * A monomial Π x_i^e_i is the key Σ e_i·place_i (Kronecker substitution): a product of monomials is a sum of
 * keys while every exponent stays below its variable's radix, which `deg` (an upper bound per variable) guards.
 * Keys are numbers while every key fits 2^53, else BigInts.
 */
type Key = number | bigint;
interface Poly {
  t: Map<Key, bigint>;
  den: bigint;
  deg: number[];
  /** the most 64-bit limbs of any coefficient (the cost of a product) */
  limbs: number;
}

const LIMB = 1n << 64n;
const limbsOf = (c: bigint) => (c < LIMB && -c < LIMB ? 1 : Math.ceil(abs(c).toString(16).length / 16));

class Ring {
  readonly place: Key[] = [];
  readonly bigKeys: boolean;
  readonly zero: Key;
  readonly cap: bigint;
  work = 0;
  constructor(
    readonly vars: string[],
    readonly radix: number[],
    readonly limits = POLYNOMIAL_LIMITS,
    bigKeys = false,
  ) {
    if (radix.some((r) => !(r <= Number.MAX_SAFE_INTEGER))) throw tooLarge('a degree past 2^53');
    let p = 1n;
    for (const r of radix) {
      this.place.push(p);
      p *= BigInt(r);
    }
    this.bigKeys = bigKeys || p > BigInt(Number.MAX_SAFE_INTEGER);
    if (!this.bigKeys) this.place = this.place.map(Number);
    this.zero = this.bigKeys ? 0n : 0;
    this.cap = 1n << BigInt(limits.coefficientBits);
  }

  constant(n: bigint, d = 1n): Poly {
    const g = gcd(n, d) || 1n;
    const s = d < 0n ? -1n : 1n;
    return this.checked({ t: n === 0n ? new Map() : new Map([[this.zero, (s * n) / g]]), den: (s * d) / g, deg: this.vars.map(() => 0), limbs: 1 });
  }

  variable(i: number): Poly {
    const deg = this.vars.map((_, j) => (j === i ? 1 : 0));
    if (this.radix[i] < 2) throw tooLarge('degree bound');
    return { t: new Map([[this.place[i], 1n]]), den: 1n, deg, limbs: 1 };
  }

  exponents(key: Key): number[] {
    if (typeof key === 'bigint') return this.radix.map((r, i) => Number((key / (this.place[i] as bigint)) % BigInt(r)));
    return this.radix.map((r, i) => Math.floor(key / (this.place[i] as number)) % r);
  }

  isZero(a: Poly): boolean {
    return a.t.size === 0;
  }

  /** the constant's value as [numerator, denominator], or undefined if a is not constant */
  constantValue(a: Poly): [bigint, bigint] | undefined {
    if (a.t.size === 0) return [0n, 1n];
    if (a.t.size === 1 && a.t.has(this.zero)) return [a.t.get(this.zero)!, a.den];
    return undefined;
  }

  equal(a: Poly, b: Poly): boolean {
    if (a.den !== b.den || a.t.size !== b.t.size) return false;
    for (const [k, c] of a.t) if (b.t.get(k) !== c) return false;
    return true;
  }

  neg(a: Poly): Poly {
    const t = new Map<Key, bigint>();
    for (const [k, c] of a.t) t.set(k, -c);
    return { t, den: a.den, deg: a.deg, limbs: a.limbs };
  }

  add(a: Poly, b: Poly, sign: 1n | -1n = 1n): Poly {
    const l = a.den === b.den ? a.den : (a.den / gcd(a.den, b.den)) * b.den;
    const fa = l / a.den,
      fb = (sign * l) / b.den;
    const t = new Map<Key, bigint>();
    for (const [k, c] of a.t) t.set(k, c * fa);
    for (const [k, c] of b.t) {
      const s = (t.get(k) ?? 0n) + c * fb;
      if (s === 0n) t.delete(k);
      else t.set(k, s);
    }
    return this.normalized(
      t,
      l,
      a.deg.map((d, i) => Math.max(d, b.deg[i])),
    );
  }

  mul(a: Poly, b: Poly): Poly {
    const deg = a.deg.map((d, i) => d + b.deg[i]);
    deg.forEach((d, i) => {
      if (d >= this.radix[i]) throw tooLarge(`degree of ${this.vars[i]} past its bound ${this.radix[i] - 1}`);
    });
    if (a.t.size > b.t.size) [a, b] = [b, a];
    this.work += a.t.size * b.t.size * a.limbs * b.limbs;
    if (this.work > this.limits.work) throw tooLarge(`more than ${this.limits.work} (limb-weighted) coefficient products`);
    const bk = [...b.t.keys()],
      bc = [...b.t.values()];
    const t = new Map<Key, bigint>();
    const accumulate = (k: Key, c: bigint) => {
      const prev = t.get(k);
      t.set(k, prev === undefined ? c : prev + c);
    };
    for (const [ka, ca] of a.t) {
      if (typeof ka === 'number') for (let j = 0; j < bk.length; j++) accumulate(ka + (bk[j] as number), ca * bc[j]);
      else for (let j = 0; j < bk.length; j++) accumulate(ka + (bk[j] as bigint), ca * bc[j]);
      if (t.size > this.limits.terms) throw tooLarge(`more than ${this.limits.terms} terms`);
    }
    for (const [k, c] of t) if (c === 0n) t.delete(k);
    return this.normalized(t, a.den * b.den, deg);
  }

  /** a^k, k ≥ 0, by repeated squaring */
  pow(a: Poly, k: number): Poly {
    let r = this.constant(1n);
    let base = a;
    for (;;) {
      if (k & 1) r = this.mul(r, base);
      k = Math.floor(k / 2);
      if (!k) return r;
      base = this.mul(base, base);
    }
  }

  /** a·(n/d) for a rational constant n/d ≠ 0 */
  scale(a: Poly, n: bigint, d: bigint): Poly {
    if (d < 0n) [n, d] = [-n, -d];
    const t = new Map<Key, bigint>();
    for (const [k, c] of a.t) t.set(k, c * n);
    return this.normalized(t, a.den * d, a.deg);
  }

  derivative(a: Poly, i: number): Poly {
    const t = new Map<Key, bigint>();
    for (const [k, c] of a.t) {
      const e = this.exponents(k)[i];
      if (e > 0) t.set(typeof k === 'number' ? k - (this.place[i] as number) : k - (this.place[i] as bigint), c * BigInt(e));
    }
    return this.normalized(t, a.den, a.deg);
  }

  private normalized(t: Map<Key, bigint>, den: bigint, deg: number[]): Poly {
    if (den !== 1n) {
      let g = den;
      for (const c of t.values()) if ((g = gcd(g, c)) === 1n) break;
      if (g !== 1n) {
        for (const [k, c] of t) t.set(k, c / g);
        den /= g;
      }
    }
    return this.checked({ t, den, deg, limbs: 1 });
  }

  /** within the limits, with `limbs` set */
  private checked(p: Poly): Poly {
    if (p.t.size > this.limits.terms) throw tooLarge(`more than ${this.limits.terms} terms`);
    if (p.den >= this.cap) throw tooLarge(`a coefficient past ${this.limits.coefficientBits} bits`);
    let limbs = 1;
    for (const c of p.t.values()) {
      if (c >= this.cap || -c >= this.cap) throw tooLarge(`a coefficient past ${this.limits.coefficientBits} bits`);
      if (c >= LIMB || -c >= LIMB) limbs = Math.max(limbs, limbsOf(c));
    }
    p.limbs = limbs;
    return p;
  }

  /** terms by descending total degree, then descending exponents in variable order */
  sortedTerms(a: Poly): Array<[number[], bigint]> {
    const terms = [...a.t].map(([k, c]) => [this.exponents(k), c] as [number[], bigint]);
    const total = (e: number[]) => e.reduce((s, x) => s + x, 0);
    return terms.sort(([e], [f]) => total(f) - total(e) || compareDesc(e, f));
  }

  /** mathjs-parsable text; stops after about maxChars characters with "…" */
  print(a: Poly, maxChars = Infinity): string {
    if (a.t.size === 0) return '0';
    let s = '';
    for (const [e, c] of this.sortedTerms(a)) {
      const g = gcd(c, a.den);
      const n = abs(c) / g,
        d = a.den / g;
      const mono = e.flatMap((x, i) => (x === 0 ? [] : [x === 1 ? this.vars[i] : `${this.vars[i]}^${x}`])).join('*');
      const coef = d === 1n ? (n === 1n && mono ? '' : `${n}`) : `${n}/${d}`;
      const term = coef && mono ? `${coef}*${mono}` : coef || mono;
      s += s === '' ? (c < 0n ? `-${term}` : term) : c < 0n ? ` - ${term}` : ` + ${term}`;
      if (s.length > maxChars) return s.slice(0, maxChars) + '…';
    }
    return s;
  }

  /** exact value at a point of rationals [numerator, denominator] per variable */
  evaluate(a: Poly, point: Array<[bigint, bigint]>): [bigint, bigint] {
    let n = 0n,
      d = 1n;
    for (const [k, c] of a.t) {
      let tn = c,
        td = a.den;
      this.exponents(k).forEach((e, i) => {
        tn *= point[i][0] ** BigInt(e);
        td *= point[i][1] ** BigInt(e);
      });
      [n, d] = [n * td + tn * d, d * td];
      const g = gcd(n, d) || 1n;
      [n, d] = [n / g, d / g];
    }
    return d < 0n ? [-n, -d] : [n, d];
  }
}

function compareDesc(e: number[], f: number[]): number {
  for (let i = 0; i < e.length; i++) if (e[i] !== f[i]) return f[i] - e[i];
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Rational functions num/den; a constant denominator is always folded into num (den = 1).

interface Fraction {
  num: Poly;
  den: Poly;
}

class Field {
  private readonly one: Poly;
  constructor(readonly ring: Ring) {
    this.one = ring.constant(1n);
  }

  of(num: Poly, den: Poly = this.one): Fraction {
    if (this.ring.isZero(num)) return { num, den: this.one };
    const c = this.ring.constantValue(den);
    if (!c) return { num, den };
    if (c[0] === 0n) throw outside('division by zero');
    return { num: c[0] === 1n && c[1] === 1n ? num : this.ring.scale(num, c[1], c[0]), den: this.one };
  }

  add(a: Fraction, b: Fraction, sign: 1n | -1n = 1n): Fraction {
    const R = this.ring;
    if (R.equal(a.den, b.den)) return this.of(R.add(a.num, b.num, sign), a.den);
    return this.of(R.add(R.mul(a.num, b.den), R.mul(b.num, a.den), sign), R.mul(a.den, b.den));
  }

  mul(a: Fraction, b: Fraction): Fraction {
    const R = this.ring;
    return this.of(R.mul(a.num, b.num), R.mul(a.den, b.den));
  }

  div(a: Fraction, b: Fraction): Fraction {
    const R = this.ring;
    if (R.isZero(b.num)) throw outside('division by an expression that is identically 0');
    return this.of(R.mul(a.num, b.den), R.mul(a.den, b.num));
  }

  /** a^k for an integer k; k < 0 only for a constant a ≠ 0 */
  pow(a: Fraction, k: number): Fraction {
    const R = this.ring;
    if (k >= 0) return { num: R.pow(a.num, k), den: R.pow(a.den, k) };
    if (R.isZero(a.num)) throw outside('0 to a negative power');
    return this.of(R.pow(a.den, -k), R.pow(a.num, -k));
  }

  /** (n/d)' = (n'd − nd')/d² */
  derivative(a: Fraction, i: number): Fraction {
    const R = this.ring;
    if (R.constantValue(a.den)) return { num: R.derivative(a.num, i), den: a.den };
    return this.of(R.add(R.mul(R.derivative(a.num, i), a.den), R.mul(a.num, R.derivative(a.den, i)), -1n), R.mul(a.den, a.den));
  }
}

// ---------------------------------------------------------------------------------------------
// From a mathjs tree.

/** mathjs in 64-digit BigNumber arithmetic: its parser keeps every digit of a numeral's text (cas.ts evaluates with it too) */
export const bigMath = create(all, { number: 'BigNumber', precision: 64 });

/** A decimal numeral's exact value (0.1 = 1/10, 1e-3 = 1/1000); a numeral outside float64's finite, non-zero range is outside the fragment, since the numeric check reads it as ±∞ or 0. */
function numeral(text: string): [bigint, bigint] {
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m || !(m[1] || m[2])) throw outside(`the numeral ${text}`);
  const f = Number(text);
  if (!Number.isFinite(f) || (f === 0 && /[1-9]/.test(m[1] + (m[2] ?? '')))) throw outside(`the numeral ${text} is not a finite non-zero float64`);
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? 0) - frac.length;
  const n = BigInt((m[1] || '0') + frac);
  return exp >= 0 ? [n * 10n ** BigInt(exp), 1n] : [n, 10n ** BigInt(-exp)];
}

function children(n: Node): Node[] {
  switch (n.type) {
    case 'ParenthesisNode':
      return [(n as unknown as { content: Node }).content];
    case 'OperatorNode':
      return (n as unknown as Op).args;
    default:
      return [];
  }
}

const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'unaryPlus', 'pow']);

/** Walk the tree: the variables, and an upper bound on each one's degree in any numerator or denominator built on the way. */
function degreeBounds(root: Node): { vars: string[]; bound: number[] } {
  const index = new Map<string, number>();
  const visit = (n: Node) => {
    if (n.type === 'SymbolNode') {
      const name = (n as unknown as { name: string }).name;
      // pi, e, Infinity: the numeric check reads them as constants (core/expr.ts)
      if (Object.hasOwn(CONSTANTS, name)) throw outside(`the constant ${name}`);
      if (!index.has(name)) index.set(name, index.size);
    } else if (n.type === 'OperatorNode' && !OPERATORS.has((n as unknown as Op).fn)) throw outside(`the operator ${(n as unknown as Op).fn}`);
    else if (!['ConstantNode', 'ParenthesisNode', 'OperatorNode', 'SymbolNode'].includes(n.type)) throw outside(`a ${n.type}`);
    children(n).forEach(visit);
  };
  visit(root);
  const vars = [...index.keys()];
  const zero = () => vars.map(() => 0);
  const plus = (a: number[], b: number[]) => a.map((x, i) => x + b[i]);
  const max = (a: number[], b: number[]) => a.map((x, i) => Math.max(x, b[i]));
  // over every node: x^0 still builds x, and (x^2)^0 builds x^2
  let most = zero();
  const bounds = (n: Node): { num: number[]; den: number[] } => {
    const b = nodeBounds(n);
    most = max(most, max(b.num, b.den));
    return b;
  };
  const nodeBounds = (n: Node): { num: number[]; den: number[] } => {
    switch (n.type) {
      case 'SymbolNode': {
        const num = zero();
        num[index.get((n as unknown as { name: string }).name)!] = 1;
        return { num, den: zero() };
      }
      case 'ParenthesisNode':
        return bounds(children(n)[0]);
      case 'OperatorNode': {
        const op = n as unknown as Op;
        if (op.fn === 'pow') {
          const k = Math.abs(integerExponent(op.args[1]));
          const b = bounds(op.args[0]);
          return { num: b.num.map((x) => x * k), den: b.den.map((x) => x * k) };
        }
        const [a, b = { num: zero(), den: zero() }] = op.args.map(bounds);
        if (op.fn === 'multiply') return { num: plus(a.num, b.num), den: plus(a.den, b.den) };
        if (op.fn === 'divide') return { num: plus(a.num, b.den), den: plus(a.den, b.num) };
        if (op.fn === 'add' || op.fn === 'subtract') return { num: max(plus(a.num, b.den), plus(b.num, a.den)), den: plus(a.den, b.den) };
        return a;
      }
      default:
        return { num: zero(), den: zero() };
    }
  };
  bounds(root);
  return { vars, bound: most };
}

/** The value of a constant exponent: an integer, else outside the fragment. */
function integerExponent(n: Node): number {
  if (hasSymbols(n)) throw outside('a power with a symbolic exponent');
  const F = new Field(new Ring([], []));
  const v = F.ring.constantValue(toFraction(n, F, new Map()).num)!;
  if (v[1] !== 1n) throw outside('a power with a non-integer exponent');
  if (abs(v[0]) > BigInt(Number.MAX_SAFE_INTEGER)) throw tooLarge('an exponent past 2^53');
  return Number(v[0]);
}

function hasSymbols(n: Node): boolean {
  return n.type === 'SymbolNode' || children(n).some(hasSymbols);
}

function toFraction(n: Node, F: Field, index: Map<string, number>): Fraction {
  const R = F.ring;
  switch (n.type) {
    case 'ConstantNode': {
      const v = (n as unknown as { value: unknown }).value;
      if (!bigMath.isBigNumber(v)) throw outside(`the constant ${String(v)}`);
      const [num, den] = numeral(String(v));
      return F.of(R.constant(num, den));
    }
    case 'SymbolNode':
      return F.of(R.variable(index.get((n as unknown as { name: string }).name)!));
    case 'ParenthesisNode':
      return toFraction(children(n)[0], F, index);
    case 'OperatorNode': {
      const op = n as unknown as Op;
      if (op.fn === 'pow') {
        const k = integerExponent(op.args[1]);
        const base = toFraction(op.args[0], F, index);
        if (k < 0 && !(R.constantValue(base.num) && R.constantValue(base.den))) throw outside('a negative power of a non-constant');
        return F.pow(base, k);
      }
      const args = op.args.map((a) => toFraction(a, F, index));
      switch (op.fn) {
        case 'unaryMinus':
          return { num: R.neg(args[0].num), den: args[0].den };
        case 'unaryPlus':
          return args[0];
        case 'add':
          return args.reduce((a, b) => F.add(a, b));
        case 'subtract':
          return F.add(args[0], args[1], -1n);
        case 'multiply':
          return args.reduce((a, b) => F.mul(a, b));
        case 'divide':
          return F.div(args[0], args[1]);
      }
    }
  }
  throw outside(`a ${n.type}`);
}

/** An exact rational function of the expression's variables. */
export class RationalFunction {
  private constructor(
    private readonly field: Field,
    private readonly value: Fraction,
  ) {}

  /**
   * The normal form of a mathjs expression, or NoNormalForm (thrown) when it is outside the fragment or
   * too large. `forDerivative` leaves room in the monomial keys for a quotient rule's d².
   */
  static parse(expr: string, opts: { forDerivative?: boolean; limits?: typeof POLYNOMIAL_LIMITS; bigKeys?: boolean } = {}): RationalFunction {
    const root = bigMath.parse(expr) as Node;
    const { vars, bound } = degreeBounds(root);
    const radix = bound.map((b) => (opts.forDerivative ? 2 : 1) * b + 1);
    const field = new Field(new Ring(vars, radix, opts.limits, opts.bigKeys));
    return new RationalFunction(field, toFraction(root, field, new Map(vars.map((v, i) => [v, i]))));
  }

  get variables(): readonly string[] {
    return this.field.ring.vars;
  }

  isZero(): boolean {
    return this.field.ring.isZero(this.value.num);
  }

  /** true when the denominator is 1 */
  isPolynomial(): boolean {
    return this.field.ring.constantValue(this.value.den) !== undefined;
  }

  /** ∂/∂x; the derivative in a variable that does not occur is 0 */
  derivative(x: string): RationalFunction {
    const i = this.field.ring.vars.indexOf(x);
    if (i < 0) return new RationalFunction(this.field, this.field.of(this.field.ring.constant(0n)));
    return new RationalFunction(this.field, this.field.derivative(this.value, i));
  }

  /** mathjs-parsable text: `p` or `(p) / (q)`; with maxChars, cut there and marked with "…" */
  toString(maxChars = Infinity): string {
    const R = this.field.ring;
    if (this.isPolynomial()) return R.print(this.value.num, maxChars);
    const s = `(${R.print(this.value.num, maxChars)}) / (${R.print(this.value.den, maxChars)})`;
    return s.length > maxChars ? s.slice(0, maxChars) + '…' : s;
  }

  /** exact value at a point (every variable → [numerator, denominator]); throws where the denominator vanishes */
  evaluate(point: Record<string, [bigint, bigint]>): [bigint, bigint] {
    const R = this.field.ring;
    const p = R.vars.map((v) => {
      if (!(v in point)) throw new Error(`no value for ${v}`);
      return point[v];
    });
    const [n, d] = R.evaluate(this.value.num, p);
    const [m, e] = R.evaluate(this.value.den, p);
    if (m === 0n) throw new Error('the denominator vanishes at this point');
    const num = n * e,
      den = d * m;
    const g = gcd(num, den) || 1n;
    return den < 0n ? [-num / g, -den / g] : [num / g, den / g];
  }

  /** the limb-weighted coefficient products this normal form took (POLYNOMIAL_LIMITS.work) */
  get work(): number {
    return this.field.ring.work;
  }
}
