// mathjs's values from its own single-file build (lib/browser/math.js, the same version and code): a process loads it in
// ~0.3 s of CPU with a first parse, against ~1 s for its ES modules (hundreds of files to resolve and link), paid by
// the CLI and by every worker thread. Types still come from 'mathjs'; test/core/mathjs.test.ts compares the two builds.
import { createRequire } from 'node:module';
import type * as MathJs from 'mathjs';

const mathjs = createRequire(import.meta.url)('mathjs/lib/browser/math.js') as typeof MathJs;

export const { all, parse } = mathjs;

/**
 * A mathjs instance of every function with this configuration, as the ES modules' create(all, config). The single-file
 * build exports its default instance's create, already bound to all factories: its first argument is the configuration.
 */
export function create(factories: typeof all, config: MathJs.ConfigOptions): MathJs.MathJsInstance {
  if (factories !== all) throw new Error('create: only the single-file build of all mathjs functions is available');
  return (mathjs.create as unknown as (config: MathJs.ConfigOptions) => MathJs.MathJsInstance)(config);
}
