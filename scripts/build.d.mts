/** Types of build.mjs, for the benches that import it (bench/lib/launch.ts). */
export function transpile(options: { dirs: string[]; outDir: string; outbase: string }): Promise<void>;
