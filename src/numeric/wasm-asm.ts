// A small WebAssembly assembler for the generated float64 kernels (two-layer-kernel.ts, two-layer-dd-kernel.ts):
// code is the bytes of stack-machine instructions, built by the helpers below (MVP and SIMD opcodes as in the
// WebAssembly core specification §5.4); a module is functions over one imported memory.
export type Code = number[];
export const uleb = (v: number): Code => {
  const out: Code = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
export const sleb = (v: number): Code => {
  const out: Code = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
// concat, not spreads: spreading a module's code (~50 000 bytes) cost milliseconds per module
export const vec = (items: Code[]): Code => uleb(items.length).concat(...items);
export const str = (s: string): Code => vec([...s].map((c) => [c.charCodeAt(0)]));
export const section = (id: number, body: Code): Code => [id].concat(uleb(body.length), body);
export const I32 = 0x7f,
  F64 = 0x7c,
  V128 = 0x7b;

export const i32 = {
  c: (x: number): Code => [0x41, ...sleb(x)],
  add: (a: Code, b: Code): Code => [...a, ...b, 0x6a],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0x6c],
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, 2, ...uleb(offset)],
};
export const f64 = {
  c: (x: number): Code => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  add: (a: Code, b: Code): Code => [...a, ...b, 0xa0],
  sub: (a: Code, b: Code): Code => [...a, ...b, 0xa1],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0xa2],
  eq: (a: Code, b: Code): Code => [...a, ...b, 0x61],
  ne: (a: Code, b: Code): Code => [...a, ...b, 0x62],
  gt: (a: Code, b: Code): Code => [...a, ...b, 0x64],
  /** a where cond ≠ 0, else b */
  select: (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, 0x1b],
  load: (addr: Code, offset = 0): Code => [...addr, 0x2b, 3, ...uleb(offset)],
  store: (addr: Code, x: Code, offset = 0): Code => [...addr, ...x, 0x39, 3, ...uleb(offset)],
};
export const simd = (op: number, ...args: Code[]): Code => [...args.flat(), 0xfd, ...uleb(op)];
export const f64x2 = {
  load: (addr: Code, offset = 0): Code => simd(0x00, addr).concat(3, ...uleb(offset)),
  store: (addr: Code, x: Code, offset = 0): Code => simd(0x0b, addr, x).concat(3, ...uleb(offset)),
  splat: (a: Code): Code => simd(0x14, a),
  /** v128.load64_splat: the f64 at addr + offset in both lanes */
  loadSplat: (addr: Code, offset = 0): Code => simd(0x0a, addr).concat(3, ...uleb(offset)),
  add: (a: Code, b: Code): Code => simd(0xf0, a, b),
  sub: (a: Code, b: Code): Code => simd(0xf1, a, b),
  mul: (a: Code, b: Code): Code => simd(0xf2, a, b),
  abs: (a: Code): Code => simd(0xec, a),
  ne: (a: Code, b: Code): Code => simd(0x48, a, b),
  lt: (a: Code, b: Code): Code => simd(0x49, a, b),
  gt: (a: Code, b: Code): Code => simd(0x4a, a, b),
  /** lanes of a where the mask is set, else of b */
  select: (a: Code, b: Code, mask: Code): Code => simd(0x52, a, b, mask),
  /** v128.and of two masks */
  and: (a: Code, b: Code): Code => simd(0x4e, a, b),
  /** i64x2.all_true: 1 when both lanes of a mask are set */
  allTrue: (mask: Code): Code => simd(0xc3, mask),
};
export const ifThen = (cond: Code, body: Code): Code => [...cond, 0x04, 0x40, ...body, 0x0b];

/** One function: its i32 parameters and its locals by name (i32 for loop counters, f64 and v128 for values). */
export class Fn {
  private readonly index = new Map<string, number>();
  private readonly locals: number[] = [];
  constructor(
    readonly name: string,
    private readonly params: Array<[string, number]>,
  ) {
    params.forEach(([p], i) => this.index.set(p, i));
  }
  private local(name: string, type: number): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.params.length + this.locals.length;
      this.index.set(name, i);
      this.locals.push(type);
    }
    return i;
  }
  get = (name: string): Code => {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`generated WebAssembly kernel: local ${name} read before it is set`);
    return [0x20, ...uleb(i)];
  };
  /** local.set, declaring the local (of the given type) on first use */
  set = (name: string, type: number, x: Code): Code => [...x, 0x21, ...uleb(this.local(name, type))];
  /** for (name = from; name < to; name += step) body(), body built after `name` exists */
  loop(name: string, from: Code, to: Code, step: number, body: () => Code): Code {
    const init = this.set(name, I32, from);
    const inner = body();
    return [
      ...init,
      ...[0x02, 0x40, 0x03, 0x40], // block, loop
      ...this.get(name),
      ...to,
      ...[0x4e, 0x0d, 1], // i32.ge_s; br_if 1 (leave the block)
      ...inner,
      ...this.set(name, I32, i32.add(this.get(name), i32.c(step))),
      ...[0x0c, 0, 0x0b, 0x0b], // br 0; end loop; end block
    ];
  }
  build(result: number | undefined, body: Code): { name: string; type: Code; code: Code } {
    const fnBody = [...vec(this.locals.map((t) => [1, t])), ...body, 0x0b];
    return {
      name: this.name,
      type: [0x60, ...vec(this.params.map(([, t]) => [t])), ...vec(result === undefined ? [] : [[result]])],
      code: [...uleb(fnBody.length), ...fnBody],
    };
  }
}

/** A module of `fns` (each its own type, exported by its name) importing its memory as env.memory. */
export function moduleBytes(fns: Array<ReturnType<Fn['build']>>): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].concat(
      section(1, vec(fns.map((f) => f.type))),
      section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x00]])),
      section(3, vec(fns.map((_, i) => uleb(i)))),
      section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
      section(10, vec(fns.map((f) => f.code))),
    ),
  );
}

/** call: the function of `fns` named `name` */
export const call = (fns: Array<{ name: string }>, name: string): Code => [0x10, ...uleb(fns.findIndex((g) => g.name === name))];

/**
 * The function `name`(h): θ ← θ + h·grad (θ ← θ − h·grad with `minus`) over the P entries at byte offsets theta and grad,
 * two per f64x2 vector, the last one alone for odd P; returns 1 when every entry of the new θ is finite (|θ_i| < ∞), else 0.
 */
export function thetaUpdateFn(name: string, P: number, theta: number, grad: number, minus = false): ReturnType<Fn['build']> {
  const f = new Fn(name, [['h', F64]]);
  const inf = f64x2.splat(f64.c(Infinity));
  const zero = f64x2.splat(f64.c(0));
  const body = [
    ...f.set('hv', V128, f64x2.splat(f.get('h'))),
    ...f.set('ok', V128, f64x2.lt(zero, inf)),
    ...f.loop('i', i32.c(0), i32.c(P & ~1), 2, () => [
      ...f.set('a', I32, i32.mul(f.get('i'), i32.c(8))),
      ...f.set('t', V128, (minus ? f64x2.sub : f64x2.add)(f64x2.load(f.get('a'), theta), f64x2.mul(f.get('hv'), f64x2.load(f.get('a'), grad)))),
      ...f64x2.store(f.get('a'), f.get('t'), theta),
      ...f.set('ok', V128, f64x2.and(f.get('ok'), f64x2.lt(f64x2.abs(f.get('t')), inf))),
    ]),
    ...f64x2.allTrue(f.get('ok')),
  ];
  if (P & 1) {
    const a = i32.c(8 * (P - 1));
    body.push(
      ...f.set('e', F64, (minus ? f64.sub : f64.add)(f64.load(a, theta), f64.mul(f.get('h'), f64.load(a, grad)))),
      ...f64.store(a, f.get('e'), theta),
      ...[...f.get('e'), 0x99, ...f64.c(Infinity), 0x63], // f64.abs; f64.lt
      0x71, // i32.and
    );
  }
  return f.build(I32, body);
}

/** Byte offsets for a kernel's float64 arrays, each 16-byte aligned (an f64x2 load), from `start`; `end()` is the bytes used. */
export function alignedArrays(start = 16): { take(doubles: number): number; end(): number } {
  let at = start;
  return {
    take(doubles) {
      const o = at;
      at += 8 * (doubles + (doubles & 1));
      return o;
    },
    end: () => at,
  };
}
