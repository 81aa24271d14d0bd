// Import rules for src/ (`npm run lint:imports`; test/tooling/import-rules.test.ts checks them and
// checks that they still catch a planted upward import).
//
// Layers, lowest first. A module may import its own layer or a lower one, never a higher one:
//   src/core → src/numeric → src/blocks → src/claims → src/symbolic → src/search → src/runner.ts → src/report → src/cli.ts
// and there is no import cycle anywhere in src/. Every module of src/ must belong to a layer, so a new
// folder is placed on purpose rather than escaping the rules.
//
// Type-only imports (`import type`, `import { type X }`) count, for both rules: a lower layer that
// names a higher layer's types still depends on its definitions (it changes when they change, and
// cannot be read or moved without them), and a type-only cycle is still a cycle of knowledge. This
// is what `tsPreCompilationDeps: true` below does.
//
// test/, bench/ and scripts/ are not cruised: they may import anything in src/.
const LAYERS = [
  { name: 'core', path: '^src/core/' },
  { name: 'numeric', path: '^src/numeric/' },
  { name: 'blocks', path: '^src/blocks/' },
  { name: 'claims', path: '^src/claims/' },
  { name: 'symbolic', path: '^src/symbolic/' },
  { name: 'search', path: '^src/search/' },
  { name: 'runner', path: '^src/runner\\.ts$' },
  { name: 'report', path: '^src/report/' },
  { name: 'cli', path: '^src/cli\\.ts$' },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}-imports-upward`,
  comment: `src/${layer.name} may import only ${LAYERS.slice(0, i + 1)
    .map((l) => l.name)
    .join(', ')} (the layers are, lowest first: ${LAYERS.map((l) => l.name).join(' → ')})`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'no import cycle in src/, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    // a module of src/ outside every layer: caught whether it imports, is imported or stands alone
    {
      name: 'module-outside-the-layers',
      comment: `every module of src/ belongs to a layer (${LAYERS.map((l) => l.name).join(', ')}): place a new folder in .dependency-cruiser.cjs`,
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    {
      name: 'import-of-a-module-outside-the-layers',
      comment: 'every module of src/ belongs to a layer: place a new folder in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: LAYERS.map((l) => l.path) },
    },
    {
      name: 'orphan-outside-the-layers',
      comment: 'every module of src/ belongs to a layer: place a new folder in .dependency-cruiser.cjs',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that cannot be resolved would escape every rule above',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // AssemblyScript kernels are compiled by asc, not tsc, and import nothing from src/.
    exclude: { path: ['\\.as\\.ts$', '^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
