// The resource limits live in src/core/limits.ts, below the blocks that enforce them again when a
// trial builds its data, model and dynamics; this module keeps the claims layer's import path.
export { LIMITS, checkCliTrials, describeLimits, fmtCount, overLimit, type Limit, type LimitName, SizeLimitError, checkSize, trialMemoryMb } from '../core/limits.js';
