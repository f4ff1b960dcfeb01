// Builds the browser console into dist/console: one ES module bundle (Preact pages, Chart.js, and
// the ledger verifier from crypto/), its styles (Pico CSS and ours), and index.html.
// Run by `npm run build`; `node scripts/build-console.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'console');
const shims = join(root, 'console', 'src', 'shims');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: join(root, 'console', 'src', 'main.tsx'), styles: join(root, 'console', 'styles.css') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // crypto/ledger verifies with node:crypto; in the browser the same calls go to audited JS (shims/).
  alias: { 'node:crypto': join(shims, 'node-crypto.ts'), buffer: createRequire(import.meta.url).resolve('buffer/') },
  inject: [join(shims, 'buffer-global.ts')],
  define: { 'process.env.NODE_ENV': '"production"' },
  // TypeScript sources import each other as `.js`; esbuild resolves those to the `.ts` files itself.
  logLevel: 'warning',
};

mkdirSync(out, { recursive: true });
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'index.html'), readFileSync(join(root, 'console', 'index.html'), 'utf8').replaceAll('%VERSION%', version));
copyFileSync(join(root, 'console', 'favicon.svg'), join(out, 'favicon.svg'));
if (process.argv.includes('--watch')) {
  await (await context(options)).watch();
  console.log(`watching console/ -> ${out}`);
} else {
  await build(options);
}
