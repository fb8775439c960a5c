// Builds dist/bundle/ from src/: the CLI as one script (main.cjs) and the scan worker
// (worker.js, an ES module with the chunks it loads on demand).
//
// Why a bundle: Node loads each module file on its own (resolve, read, compile): unbundled,
// a check loaded 83 ES modules and yaml's 72 CommonJS files, and a 100k-row check took
// 0.54 s against 0.465 s bundled (README "Design notes"). Why one script for the CLI:
// bin/dqc compiles it with V8's code cache (bytecode kept from an earlier run), which
// Node 20 offers for scripts but not for ES modules. Packages that load lazily and are
// large stay in node_modules; the small ones every run needs, and the Parquet reader with
// its codecs (published as ES modules only, which a script cannot require on Node 20), are
// bundled. The build ends by writing the code cache (see the end).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Packages bundled in; every other package is loaded from node_modules at run time. */
const BUNDLED = new Set(['yaml', 'commander', 'chalk', 'valibot']);
const SCRIPT_BUNDLED = new Set([...BUNDLED, 'hyparquet', 'hyparquet-compressors', 'hysnappy', 'zstddec', 'fzstd']);

const externals = (bundled) => ({
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return bundled.has(name) ? undefined : { external: true };
    });
  },
});

const common = {
  absWorkingDir: root,
  // Two levels below the package root, as src/cli/ is: paths like ../../package.json hold.
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

// All of dist/: nothing else is built there any more, and a stale file (or code cache) would be used.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // import() of a package becomes require(): V8 drops a script's import() callback when it
  // is compiled from a code cache (Node 20), and the packages left out all have CommonJS builds.
  supported: { 'dynamic-import': false },
  plugins: [externals(SCRIPT_BUNDLED)],
  // The sources are ES modules: strict code, and import.meta as a module would see it.
  define: { 'import.meta.url': '__dqcUrl', 'import.meta.resolve': '__dqcResolve' },
  banner: {
    js: "'use strict'; const __dqcUrl = require('node:url').pathToFileURL(__filename).href; const __dqcResolve = (s) => require('node:url').pathToFileURL(require.resolve(s)).href;",
  },
});
await build({
  ...common,
  entryPoints: { worker: 'src/parallel/worker.ts' },
  splitting: true,
  format: 'esm',
  chunkNames: '[name]-[hash]',
  plugins: [externals(BUNDLED)],
  // yaml and commander are CommonJS: their require() calls of Node's modules need one.
  banner: { js: "import { createRequire as __dqcCreateRequire } from 'node:module'; const require = __dqcCreateRequire(import.meta.url);" },
});

// The code cache (see bin/dqc) holds what the run that wrote it compiled: a small check with
// all four checks writes it now, so that the first real run does not leave a thinner one.
const warm = mkdtempSync(path.join(os.tmpdir(), 'dqc-build-'));
try {
  const rows = Array.from({ length: 2000 }, (_, i) => `${i},${i % 7 === 0 ? '' : (i * 1.37).toFixed(2)},${i % 90},2026-01-01T${String(i % 24).padStart(2, '0')}:00:00Z,${i % 3 ? 'a' : 'b'}`);
  writeFileSync(path.join(warm, 'data.csv'), `id,amount,age,created_at,category\n${rows.join('\n')}\n`);
  writeFileSync(
    path.join(warm, 'quality.yaml'),
    `datasets:\n  - name: warm\n    source: data.csv\n    reference: data.csv\n    checks:\n      completeness: {amount: 0.5, category: 0}\n` +
      `      uniqueness: {key_columns: [id]}\n      drift: {columns: [amount, age]}\n      freshness: {timestamp_column: created_at, max_age_hours: 1}\n`,
  );
  const run = spawnSync(process.execPath, [path.join(root, 'bin', 'dqc'), 'check', '--config', path.join(warm, 'quality.yaml'), '--now', '2026-01-01T23:30:00Z'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  // Only an optimization: a run without a cache writes one. But say so, as it should not fail.
  if (run.status !== 0) process.stderr.write(`bundle: the warm-up check for the code cache failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
} finally {
  rmSync(warm, { recursive: true, force: true });
}
