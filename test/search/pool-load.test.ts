// A worker terminated while it loads its modules aborts the whole process (V8's "Module::IsGraphAsync must be used
// on an instantiated module", Node 20): a run that ends, or a claim file that is refused, right after the pool was
// made must not stop a worker that is still loading (the hostile tester's crash, exit 134, before report.json).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import type { SearchSpec } from '../../src/claims/schema.js';
import { createPool, PISCINA_READY, workerFile, workersLoaded } from '../../src/search/pool.js';

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

  it('gives no task to a worker still loading: a trial past its limit has its worker replaced, and no worker is stopped mid-load', async () => {
    // every worker's ready message and every termination, seen from the main thread
    const ready = new WeakSet<Worker>(),
      stoppedWhileLoading: number[] = [];
    const emit = Worker.prototype.emit,
      terminate = Worker.prototype.terminate;
    Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
      if (event === 'message' && (args[0] as Record<string, unknown>)?.[PISCINA_READY]) ready.add(this);
      return emit.call(this, event, ...args);
    };
    Worker.prototype.terminate = function (this: Worker) {
      if (!ready.has(this)) stoppedWhileLoading.push(this.threadId);
      return terminate.call(this);
    };
    try {
      const pool = createPool(2, { memoryMb: 2000 });
      // every third trial fills the heap past its 300 ms limit (its worker is stopped and replaced); the others fail at
      // once (no claim), so a worker comes free while a replacement loads — and piscina's own balancer would give the
      // next trial to the loading one, whose limit could then stop it mid-load
      const outcomes = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 3 === 0 ? pool.trial({} as SearchSpec, {}, 300, undefined, { exhaustHeap: true }) : pool.trial({} as SearchSpec, {}, 400),
        ),
      );
      await pool.close();
      expect(outcomes.filter((o) => o.result.status === 'timeout').length).toBeGreaterThan(0);
      expect(stoppedWhileLoading).toEqual([]);
    } finally {
      Worker.prototype.emit = emit;
      Worker.prototype.terminate = terminate;
    }
  });
});
