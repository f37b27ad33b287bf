import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const root = join(import.meta.dirname, '..', '..');

interface ExportTarget {
  import: { types: string; default: string };
  require: { types: string; default: string };
}

/** Each subpath of the exports map with its ESM and CJS declaration files. */
export function declarationFiles(): Record<string, { esm: string; cjs: string }> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | ExportTarget> };
  const files: Record<string, { esm: string; cjs: string }> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    files[subpath] = { esm: join(root, target.import.types), cjs: join(root, target.require.types) };
  }
  return files;
}

/**
 * The names each published declaration file exports (values and types), read with TypeScript's
 * checker from the built `dist/`: what a user can import, whatever the source layout behind it.
 * One program for all the files: each one alone would re-read @types/node.
 */
export function exportedNames(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} is missing: run npm run build first`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    names.set(file, moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name).sort());
  }
  return names;
}
