// Builds dist/bundle/ from src/: the CLI (main.js) and the scan worker (worker.js), with
// code loaded on demand in chunks of their own. Why a bundle: Node loads each module
// file on its own (resolve, read, compile): unbundled, a check loaded 83 ES modules and
// yaml's 72 CommonJS files, and a 100k-row check took 0.54 s against 0.465 s bundled
// (README "Design notes"). Packages that load lazily and are large stay in node_modules;
// the small ones every run needs are bundled.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Packages bundled in; every other package is imported from node_modules at run time. */
const BUNDLED = new Set(['yaml', 'commander', 'chalk', 'valibot']);

const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

// All of dist/: nothing else is built there any more, and a stale file would be published.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', worker: 'src/parallel/worker.ts' },
  // Two levels below the package root, as src/cli/ is: paths like ../../package.json hold.
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  chunkNames: '[name]-[hash]',
  plugins: [externals],
  // yaml and commander are CommonJS: their require() calls of Node's modules need one.
  banner: { js: "import { createRequire as __dqcCreateRequire } from 'node:module'; const require = __dqcCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
