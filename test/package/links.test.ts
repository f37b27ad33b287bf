import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, pages, prose, root } from './docs-pages.js';

// Every relative link and #anchor of README.md and docs/*.md resolves: the file exists and, for a
// Markdown file, has a heading with that anchor (as GitHub makes them).
describe('links in README.md and docs/', () => {
  it('reads the slugs as GitHub does', () => {
    const slugs = anchors('# Quick start: node:http\n## `attach(server, options?) → UpsocketServer`\n## Client: `connect(url, options?)`\n## A\n## A\n```\n# not a heading\n```\n');
    expect([...slugs]).toEqual(['quick-start-nodehttp', 'attachserver-options--upsocketserver', 'client-connecturl-options', 'a', 'a-1']);
  });

  it.each(pages.map((page) => [page.path, page] as const))('%s has no broken relative link', (_path, page) => {
    const broken: string[] = [];
    const links = [...prose(page.text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((match) => match[1]!);
    for (const link of links) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto:
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? join(root, page.path) : join(root, dirname(page.path), decodeURIComponent(target));
      if (!existsSync(file)) broken.push(`${link}: no file ${relative(root, file)}`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${relative(root, file)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds the links it checks', () => {
    const readme = pages.find((page) => page.path === 'README.md')!;
    expect(prose(readme.text).match(/\]\(docs\/[\w-]+\.md\)/g)?.length).toBeGreaterThan(8);
  });
});
