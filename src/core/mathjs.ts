// mathjs's values from its own single-file build (lib/browser/math.js, the same version and code): a process loads it in
// ~0.3 s of CPU with a first parse, against ~1 s for its ES modules (hundreds of files to resolve and link), paid by
// the CLI and by every worker thread. Types still come from 'mathjs'.
import { createRequire } from 'node:module';
import type * as MathJs from 'mathjs';

const mathjs = createRequire(import.meta.url)('mathjs/lib/browser/math.js') as typeof MathJs;

export const { all, create, parse } = mathjs;
