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
