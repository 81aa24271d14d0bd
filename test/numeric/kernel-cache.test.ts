import { describe, expect, it } from 'vitest';
import { cachedKernel, IdleInstances } from '../../src/numeric/kernel-cache.js';

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

  it('keeps handed-back instances within bounds: perShape per shape, the most recently used shapes', () => {
    const idle = new IdleInstances<number>(2, 3);
    for (let k = 0; k < 5; k++) idle.give('a', k);
    expect(idle.size).toBe(2);
    expect([idle.take('a'), idle.take('a'), idle.take('a')]).toEqual([1, 0, undefined]);
    for (const key of ['a', 'b', 'c', 'd']) idle.give(key, 7);
    // 'a' was the least recently used shape
    expect(idle.take('a')).toBeUndefined();
    expect(idle.size).toBe(3);
    // many shapes (a claim file can ask for arbitrarily many): the pool stays bounded
    for (let k = 0; k < 1000; k++) idle.give(`shape ${k}`, k);
    expect(idle.size).toBe(3);
  });
});
