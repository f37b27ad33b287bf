import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';

// Every TypeScript block in the README is a file under examples/quickstart, embedded verbatim:
// `tsc --noEmit` compiles those files (and test/package/consumers.test.ts compiles them as a user's
// project would), so no snippet in the README can stop compiling or lean on names it never defines.
const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const snippetDir = join(root, 'examples/quickstart');
const snippets = new Map(readdirSync(snippetDir).map((name) => [name, readFileSync(join(snippetDir, name), 'utf8')]));
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, language, code]) => ({ language, code: code! }));
// The README and the pages under docs/ (fragments included) are the documentation: a snippet or a
// public name documented in either counts.
const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.md'))
  .map((file) => readFileSync(join(root, 'docs', file), 'utf8'));
const documentation = [readme, ...docs].join('\n');
const documentedBlocks = [...documentation.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, language, code]) => ({ language, code: code! }));

describe('README', () => {
  it.each([
    ['node:http', 'node-http'],
    ['Express', 'express'],
    ['Koa', 'koa'],
    ['Next.js', 'next-server+next-route'],
  ])('embeds the %s quick start verbatim from examples/quickstart', (title, file) => {
    const section = readme.slice(readme.indexOf(`## Quick start: ${title}`));
    const sectionBlocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    file.split('+').forEach((name, index) => {
      expect(sectionBlocks[index]).toBe(snippets.get(`${name}.ts`));
      expect(sectionBlocks[index]?.split('\n').length).toBeLessThanOrEqual(16);
    });
  });

  it('has no code block that is not a compiled snippet or a shell command', () => {
    for (const { language, code } of blocks) {
      expect(['ts', 'sh', 'text'], `a \`\`\`${language} block: ${code.split('\n')[0]}`).toContain(language);
      if (language !== 'ts') continue;
      const file = [...snippets].find(([, text]) => text === code)?.[0];
      expect(file, `no file in examples/quickstart is this README block:\n${code}`).toBeDefined();
    }
  });

  it('embeds every file of examples/quickstart, in the README or a page of docs/', () => {
    const embedded = new Set(documentedBlocks.map(({ code }) => code));
    for (const [name, text] of snippets) expect(embedded.has(text), `${name} is not in the README or docs/`).toBe(true);
  });

  it('lists every error code the library defines', () => {
    const source = readFileSync(join(root, 'src/core/connection/errors.ts'), 'utf8');
    const codes = [...source.matchAll(/'(UPSOCKET_[A-Z_]+)'/g)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(5);
    for (const code of new Set(codes)) expect(readme).toContain(`\`${code}\``);
  });

  it('documents every public export of every entry point', () => {
    const files = Object.values(entries).map((file) => join(root, file));
    const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    const checker = program.getTypeChecker();
    const undocumented: string[] = [];
    for (const file of files) {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      const names = checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name);
      expect(names.length, file).toBeGreaterThan(0);
      for (const name of names) {
        // Named in code spans, as `name`, `name(…)`, `name<…>` or `new name(…)`.
        if (!new RegExp(`\`(new )?${name}[\`(<.: ]`).test(documentation)) undocumented.push(`${name} (${file.slice(root.length + 1)})`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
