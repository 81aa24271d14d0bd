// A worker terminated while it loads its modules aborts the whole process (V8's "Module::IsGraphAsync must be used
// on an instantiated module", Node 20): a run that ends, or a claim file that is refused, right after the pool was
// made must not stop a worker that is still loading (the hostile tester's crash, exit 134, before report.json).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { PISCINA_READY, workerFile, workersLoaded } from '../../src/search/pool.js';

describe('the pool and workers that are still loading', () => {
  it("knows piscina's ready message", () => {
    const piscinaDir = join(createRequire(import.meta.url).resolve('piscina'), '..');
    expect(createRequire(import.meta.url)(join(piscinaDir, 'common.js')).READY).toBe(PISCINA_READY);
  });

  it('waits until every worker has loaded before it stops any: none is terminated before its ready message', async () => {
    for (const threads of [1, 2, 3]) {
      const pool = new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads });
      const loaded = workersLoaded(pool);
      const ready = new Set<number>(),
        stoppedWhileLoading: number[] = [];
      for (const w of pool.threads) {
        const id = w.threadId;
        w.on('message', (m: Record<string, unknown>) => m?.[PISCINA_READY] && ready.add(id));
        const terminate = w.terminate.bind(w);
        w.terminate = () => {
          if (!ready.has(id)) stoppedWhileLoading.push(id);
          return terminate();
        };
      }
      expect(pool.threads.length).toBe(threads);
      // closed at once, as a run refused right after the pool was made
      await loaded.all();
      await pool.destroy();
      expect(stoppedWhileLoading).toEqual([]);
      expect(ready.size).toBe(threads);
    }
  });
});
