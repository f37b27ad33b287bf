// The scenario's programs run as built JavaScript, as a deployed app does: each one bundled once
// per run with esbuild (tsup's), its npm packages left to node_modules. Under tsx a replacement
// server spent ~1 s of a core compiling TypeScript while its predecessor's clients were
// reconnecting, on the same two cores: a cost no production deploy pays.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../bundle.js';

/** Inside the repository, so that the bundles' bare imports resolve from its node_modules. */
const folder = fileURLToPath(new URL('../../node_modules/.cache/upsocket-deploy/', import.meta.url));

/**
 * Bundles each of `programs` (paths relative to bench/, as bench/ipc.ts's `Child` takes them) and
 * returns the bundles' absolute paths, by the same keys.
 */
export async function buildPrograms<Key extends string>(programs: Record<Key, string>, tag: string): Promise<Record<Key, string>> {
  mkdirSync(folder, { recursive: true });
  const built = {} as Record<Key, string>;
  await Promise.all(
    (Object.entries(programs) as [Key, string][]).map(async ([key, program]) => {
      const entry = fileURLToPath(new URL(`../${program}`, import.meta.url));
      const outfile = path.join(folder, `${tag}-${key}.mjs`);
      await bundle(entry, outfile, 'external');
      built[key] = outfile;
    }),
  );
  return built;
}
