// Bundles the library into dist/index.js: one ESM file, WASM inlined, no Node built-ins (the
// platform is 'neutral', so an import of node:* fails the build), plus .d.ts files in dist/types.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: 'dist/index.js',
  metafile: true,
  legalComments: 'none',
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
console.error(`build-dist: dist/index.js ${(bytes / 1024).toFixed(1)} KiB minified, types in dist/types`);
