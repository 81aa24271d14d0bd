// Generated kernels (JavaScript functions, WebAssembly modules) cached by shape: a claim file can ask for
// arbitrarily many shapes, so each cache keeps the KERNELS_KEPT most recently used.

/** Shapes whose generated kernel each cache keeps. */
export const KERNELS_KEPT = 256;

/** cache's value for key (made by make() on a miss), the least recently used entry dropped past `kept`. */
export function cachedKernel<V>(cache: Map<string, V>, key: string, make: () => V, kept = KERNELS_KEPT): V {
  if (cache.has(key)) {
    const v = cache.get(key) as V;
    cache.delete(key);
    cache.set(key, v);
    return v;
  }
  const v = make();
  if (cache.size >= kept) cache.delete(cache.keys().next().value!);
  cache.set(key, v);
  return v;
}

/**
 * Instances of generated WebAssembly kernels that runs have handed back, by shape: a run takes one (or makes one) and
 * gives it back, so memories are not made per run. At most `perShape` kept per shape, for the `kept` most recently used shapes.
 */
export class IdleInstances<I> {
  private readonly byShape = new Map<string, I[]>();

  constructor(
    private readonly perShape = 4,
    private readonly kept = KERNELS_KEPT,
  ) {}

  /** an idle instance of the shape, or undefined */
  take(key: string): I | undefined {
    return this.byShape.get(key)?.pop();
  }

  /** hands an instance back (dropped when its shape already keeps perShape) */
  give(key: string, inst: I): void {
    const list = cachedKernel(this.byShape, key, () => [] as I[], this.kept);
    if (list.length < this.perShape) list.push(inst);
  }

  /** how many instances are kept, for tests */
  get size(): number {
    let s = 0;
    for (const l of this.byShape.values()) s += l.length;
    return s;
  }
}
