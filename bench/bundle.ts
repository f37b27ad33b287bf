// One esbuild bundle of a bench program, to run on plain node (no tsx compiling at start): the
// deploy scenario's programs (bench/deploy/build.ts) and the client's instruction count
// (bench/client/receive.ts).
import { build } from 'esbuild';

/**
 * Bundles `entry` (a .ts file) into the ESM file `outfile`. `packages: 'external'` leaves npm
 * packages to node_modules (the bundle must then sit where they resolve); `'bundle'` takes them in,
 * with a `require` for the CommonJS ones, so the file runs from anywhere.
 */
export async function bundle(entry: string, outfile: string, packages: 'external' | 'bundle'): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    ...(packages === 'external'
      ? { packages: 'external', sourcemap: 'inline' }
      : { banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } }),
  });
}
