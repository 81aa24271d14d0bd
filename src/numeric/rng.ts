// Seeded random source: xoshiro128** seeded through splitmix32. Pure 32-bit integer arithmetic,
// so one seed gives the same stream on every machine; Gaussians by Box–Muller (V8's fdlibm log/cos).
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;
  /** shared by a stream and all its forks: whether any number was drawn (a fork alone draws nothing) */
  private readonly usage: { drawn: boolean };

  constructor(seed: number, usage: { drawn: boolean } = { drawn: false }) {
    this.usage = usage;
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    this.usage.drawn = true;
    return this.step();
  }

  /** Whether this stream or any of its forks has drawn a number: a computation that never did is a function of its other inputs alone. */
  get drawn(): boolean {
    return this.usage.drawn;
  }

  private step(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniformIn(a: number, b: number): number {
    return a + (b - a) * this.uniform();
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** ±1 with equal probability. */
  sign(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** out[i] = scale · normal() for each i in turn: normal()'s draws and numbers, with the generator's state in locals. */
  fillNormal(out: Float64Array, scale = 1): Float64Array {
    const len = out.length;
    let i = 0;
    if (len > 0 && this.spare !== undefined) {
      out[i++] = scale * this.spare;
      this.spare = undefined;
    }
    if (i === len) return out;
    this.usage.drawn = true;
    let s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    // step() on the locals (as int32: the same bits; written back as uint32 below)
    const next = (): number => {
      const m = Math.imul(s1, 5);
      const result = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      return result;
    };
    const uniform = (): number => {
      const hi = next() >>> 5;
      const lo = next() >>> 6;
      return (hi * 67108864 + lo) / 9007199254740992;
    };
    let spare: number | undefined;
    while (i < len) {
      let u = 0;
      while (u === 0) u = uniform();
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      const sin = r * Math.sin(2 * Math.PI * v);
      out[i++] = scale * (r * Math.cos(2 * Math.PI * v));
      if (i < len) out[i++] = scale * sin;
      else spare = sin;
    }
    this.spare = spare;
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    return out;
  }

  /** An independent stream for a named purpose, so adding draws to one block never shifts another's. */
  fork(label: string): Rng {
    let h = this.step();
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h, this.usage);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
