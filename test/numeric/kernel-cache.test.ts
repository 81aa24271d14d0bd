import { describe, expect, it } from 'vitest';
import { cachedKernel } from '../../src/numeric/kernel-cache.js';

describe('generated-kernel cache', () => {
  it('makes a kernel once per key, keeps the most recently used within its bound, and makes an evicted one again', () => {
    const cache = new Map<string, number>();
    let made = 0;
    const get = (k: string) => cachedKernel(cache, k, () => ++made, 3);
    expect([get('a'), get('b'), get('c'), get('a')]).toEqual([1, 2, 3, 1]);
    get('d'); // evicts b, the least recently used
    expect([...cache.keys()]).toEqual(['c', 'a', 'd']);
    expect(get('b')).toBe(5);
    expect(cache.size).toBe(3);
  });

  it('caches undefined (a shape no kernel applies to) like any other value', () => {
    const cache = new Map<string, number | undefined>();
    let made = 0;
    const get = () =>
      cachedKernel(cache, 'x', () => {
        made++;
        return undefined;
      });
    expect([get(), get()]).toEqual([undefined, undefined]);
    expect(made).toBe(1);
  });
});
