/**
 * The layer rules of src/ (ARCHITECTURE.md): each folder is a layer, listed
 * here from the bottom up, and a module may import only its own layer and
 * the layers below it. Below them all are the leaves, which every layer may
 * import and which import nothing else in src/, not even each other. The pure
 * layers do no I/O. `npm run lint` runs this.
 */
const LEAVES = ['errors', 'json', 'text'];
const LAYERS = ['fieldtypes', 'definition', 'files', 'project', 'check', 'store', 'sync', 'edit', 'worker', 'serve', 'cli'];
const PURE_LAYERS = [...LEAVES, 'fieldtypes', 'definition'];
const IO_MODULES = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'dgram', 'worker_threads', 'os', 'readline', 'tls'];

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ sits below ${LAYERS.slice(index + 1).join(', ')} and must not import them`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(index + 1).join('|')})/` },
}));

const leafRules = LEAVES.map((leaf) => ({
  name: `leaf-${leaf}`,
  comment: `src/${leaf}/ is a leaf: every layer may import it, and it imports nothing else in src/`,
  severity: 'error',
  from: { path: `^src/${leaf}/` },
  to: { path: '^src/', pathNot: `^src/${leaf}/` },
}));

export default {
  forbidden: [
    ...leafRules,
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'an import cycle makes two modules one; split out what both need',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'pure-layers-no-io',
      comment: `${PURE_LAYERS.join(', ')} are pure: files, network and processes belong to the I/O layers`,
      severity: 'error',
      from: { path: `^src/(${PURE_LAYERS.join('|')})/` },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${IO_MODULES.join('|')})$` },
    },
    {
      name: 'plan-is-pure',
      comment: 'the plan half of sync is pure: it compares values; stores are opened and read elsewhere',
      severity: 'error',
      from: { path: '^src/sync/plan' },
      to: { path: `^(src/files/|src/store/(sqlite|mongodb|open)|(node:)?(${IO_MODULES.join('|')})$)` },
    },
    {
      name: 'public-api-is-top',
      comment: 'src/index.ts and src/api/ re-export the layers for the package; nothing inside the layers imports them',
      severity: 'error',
      from: { path: '^src/.+/', pathNot: '^src/api/' },
      to: { path: '^src/(index\\.ts$|api/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
