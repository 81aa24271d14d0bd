// The block catalogue as a Markdown table, generated from the registry (docs/claim-format.md embeds it; a test keeps it current).
import type { z } from 'zod';
import { BLOCKS } from './index.js';

function describeParam(name: string, schema: z.ZodType): string {
  const def = (schema as unknown as { def: { type: string; defaultValue?: unknown } }).def;
  if (def.type === 'default') {
    const v = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    return `\`${name}\` = ${JSON.stringify(v)}`;
  }
  return def.type === 'optional' ? `\`${name}\` (optional)` : `\`${name}\``;
}

export function blockTable(): string {
  const rows = ['| kind | block | parameters (default) | what it is |', '|---|---|---|---|'];
  for (const [kind, blocks] of Object.entries(BLOCKS)) {
    for (const [name, b] of blocks) {
      const params = Object.entries(b.params.shape as Record<string, z.ZodType>).map(([k, v]) => describeParam(k, v));
      rows.push(`| ${kind} | \`${name}\` | ${params.join(', ') || '—'} | ${b.summary.replace(/\|/g, '\\|')} |`);
    }
  }
  return rows.join('\n');
}
