// The block registry: every building block a claim file may name. Add a block by writing its
// definition (see types.ts) and listing it here; validation and docs pick it up from this table.
import { dataBlocks } from './data.js';
import { dynamicsBlocks } from './dynamics/index.js';
import { lossBlocks } from './losses.js';
import { metricBlocks } from './metrics/index.js';
import { modelBlocks } from './models.js';
import type { BlockDef, BlockKind } from './types.js';

export const BLOCKS: Record<BlockKind, Map<string, BlockDef>> = {
  data: new Map(),
  model: new Map(),
  loss: new Map(),
  dynamics: new Map(),
  metric: new Map(),
};

for (const b of [...dataBlocks, ...modelBlocks, ...lossBlocks, ...dynamicsBlocks, ...metricBlocks] as BlockDef[]) {
  if (BLOCKS[b.kind].has(b.name)) throw new Error(`block ${b.kind}/${b.name} registered twice`);
  BLOCKS[b.kind].set(b.name, b);
}

export function getBlock(kind: BlockKind, name: string): BlockDef | undefined {
  return BLOCKS[kind].get(name);
}

export function blockNames(kind: BlockKind): string[] {
  return [...BLOCKS[kind].keys()].sort();
}

/** Names a data block adds to the trial scope (defined next to DataStats). */
export { DATA_STAT_NAMES } from '../numeric/data.js';
