// The dynamics blocks, one file each; a new dynamics is one file and one line here.
import { gradientDescentBlock } from './gradient-descent.js';
import { gradientFlowBlock } from './gradient-flow.js';
import { richardsonFlowBlock } from './gradient-flow-richardson.js';
import { normalizedFlowBlock } from './normalized-flow.js';
import { sgdBlock } from './sgd.js';

export { dynamicsProblem } from './problem.js';

export const dynamicsBlocks = [gradientDescentBlock, gradientFlowBlock, richardsonFlowBlock, normalizedFlowBlock, sgdBlock];
