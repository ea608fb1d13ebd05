/**
 * `npm start` runs compiled JavaScript: tsx compiles every module at start-up, which costs
 * most of a second before the server can listen. esbuild (already installed with tsx)
 * transpiles src/ file by file into dist/ in well under a second, keeping the module layout
 * so that relative imports and import.meta.url keep working; static files are copied beside.
 * Types are checked by `npm test` (tsc), not here.
 *
 * The benches run their servers from the same transpiled output (see bench/lib/launch.ts), so
 * that they measure what `npm start` runs.
 */
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/**
 * Transpiles every TypeScript file under `dirs` into `outDir`, each at its path relative to
 * `outbase`, and copies the other files (pages, styles) beside them.
 */
export async function transpile({ dirs, outDir, outbase }) {
  const all = dirs.flatMap(files);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: outDir,
    outbase,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  for (const f of all.filter((f) => !f.endsWith('.ts'))) cpSync(f, join(outDir, relative(outbase, f)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await transpile({ dirs: ['src'], outDir: 'dist', outbase: 'src' });
