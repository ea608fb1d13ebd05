/**
 * `npm start` runs compiled JavaScript: tsx compiles every module at start-up, which costs
 * most of a second before the server can listen. esbuild (already installed with tsx)
 * transpiles src/ file by file into dist/ in well under a second, keeping the module layout
 * so that relative imports and import.meta.url keep working; static files are copied beside.
 * Types are checked by `npm test` (tsc), not here.
 */
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = 'src';
const OUT = 'dist';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const all = files(SRC);
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
  outdir: OUT,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
for (const f of all.filter((f) => !f.endsWith('.ts'))) cpSync(f, join(OUT, f.slice(SRC.length + 1)));
