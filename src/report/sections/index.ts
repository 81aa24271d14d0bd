// The claim sections, in the order both renderings show them (after the verdict).
import ablation from './ablation.js';
import boundary from './boundary.js';
import evidence from './evidence.js';
import histogram from './histogram.js';
import precision from './precision.js';
import search from './search.js';
import source from './source.js';
import stability from './stability.js';
import symbolic from './symbolic.js';
import trajectory from './trajectory.js';
import type { BoundSection } from './section.js';

export const CLAIM_SECTIONS: BoundSection[] = [source, symbolic, search, precision, evidence, ablation, stability, boundary, trajectory, histogram];
