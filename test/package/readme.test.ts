import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';
import { codeBlocks, pages, root } from './docs-pages.js';

// Every TypeScript block of the README and of the docs/ pages is a file under examples/ (a quick
// start of examples/quickstart, the chat recipe, the deployment page's server), embedded verbatim:
// `tsc --noEmit` compiles those files (and test/package/consumers.test.ts compiles the quick starts as a user's
// project would), so no snippet can stop compiling or lean on names it never defines.
const readme = pages.find((page) => page.path === 'README.md')!.text;
const snippetDir = join(root, 'examples/quickstart');
const snippets = new Map(readdirSync(snippetDir).map((name) => [name, readFileSync(join(snippetDir, name), 'utf8')]));
// Every program under examples/ that tsconfig.json compiles (examples/next/app is Next's to build):
// the quick starts, the recipe, the deployment page's server.
const examples = new Map(
  readdirSync(join(root, 'examples'), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[cm]?ts$/.test(file) && !file.startsWith('next/app') && !file.includes('node_modules'))
    .map((file) => [`examples/${file}`, readFileSync(join(root, 'examples', file), 'utf8')]),
);
const blocks = pages.flatMap((page) => codeBlocks(page.text).map((block) => ({ ...block, page: page.path })));
// The recipe near the top of the README: a program and its page, both run in headless Chromium by
// test/browser/chromium-express-chat.test.ts.
const recipe = { title: 'Recipe: Express chat with auth, rooms and a browser that resumes', server: 'examples/express-chat/server.ts', page: 'examples/express-chat/index.html' };
const read = (file: string) => {
  expect(existsSync(join(root, file)), `${file} is missing`).toBe(true);
  return readFileSync(join(root, file), 'utf8');
};
const section = (text: string, title: string) => {
  const start = text.indexOf(`\n## ${title}\n`);
  expect(start, `no section "## ${title}"`).toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
};

describe('README and docs/', () => {
  it.each([
    ['node:http', 'node-http'],
    ['Express', 'express'],
    ['Koa', 'koa'],
    ['Next.js', 'next-server+next-route'],
    ['HTTP/2', 'http2'],
  ])('the README embeds the %s quick start verbatim from examples/quickstart', (title, file) => {
    const sectionBlocks = codeBlocks(section(readme, `Quick start: ${title}`)).filter((block) => block.language === 'ts');
    file.split('+').forEach((name, index) => {
      expect(sectionBlocks[index]?.code).toBe(snippets.get(`${name}.ts`));
      expect(sectionBlocks[index]?.code.split('\n').length).toBeLessThanOrEqual(16);
    });
  });

  it('the README embeds the chat recipe, server and page, verbatim from examples/express-chat', () => {
    const recipeBlocks = codeBlocks(section(readme, recipe.title));
    expect(recipeBlocks.find((block) => block.language === 'ts')?.code).toBe(read(recipe.server));
    expect(recipeBlocks.find((block) => block.language === 'html')?.code).toBe(read(recipe.page));
    // Near the top: before the quick starts.
    expect(readme.indexOf(`## ${recipe.title}`)).toBeLessThan(readme.indexOf('## Quick start: node:http'));
  });

  it('the README stays a path: at most ~400 lines, its reference in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(420);
  });

  it('has no code block that is not a compiled snippet, a page\'s markup or a shell command', () => {
    for (const { language, code, page } of blocks) {
      // docs/design.md's diagrams are plain ``` blocks; every other block says what it is. The nginx
      // blocks of docs/deployment.md run in test/hardening/nginx.test.ts.
      const languages = ['ts', 'sh', 'text', 'html', 'nginx', 'haproxy', ...(page === 'docs/design.md' ? [''] : [])];
      expect(languages, `a \`\`\`${language} block in ${page}: ${code.split('\n')[0]}`).toContain(language);
      if (language !== 'ts') continue;
      const file = [...examples].find(([, text]) => text === code)?.[0];
      expect(file, `no file in examples/ is this block of ${page}:\n${code}`).toBeDefined();
    }
  });

  it('embeds every file of examples/quickstart in the README or a docs/ page', () => {
    const embedded = new Set(blocks.map(({ code }) => code));
    for (const [name, text] of snippets) expect(embedded.has(text), `${name} is in no page`).toBe(true);
  });

  it('lists every error code the library defines in docs/errors.md\'s table', () => {
    const errors = pages.find((page) => page.path === 'docs/errors.md')!.text;
    const source = readFileSync(join(root, 'src/core/connection/errors.ts'), 'utf8');
    const codes = [...source.matchAll(/'(UPSOCKET_[A-Z_]+)'/g)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(5);
    for (const code of new Set(codes)) expect(errors).toContain(`\n| \`${code}\` |`);
  });

  it('documents every public export of every entry point', () => {
    // The user's pages; docs/design.md (internals) does not count.
    const docs = pages.filter((page) => page.path !== 'docs/design.md').map((page) => page.text).join('\n');
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
        if (!new RegExp(`\`(new )?${name}[\`(<.: ]`).test(docs)) undocumented.push(`${name} (${file.slice(root.length + 1)})`);
      }
    }
    expect(undocumented).toEqual([]);
  }, 60_000); // a type-checker program over every entry point: ~15 s on a busy 2-core machine
});
