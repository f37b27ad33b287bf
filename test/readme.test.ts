import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's quick starts are files under examples/quickstart, which `tsc --noEmit` compiles:
// this keeps the README's code compiling against the current API.
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it.each([
    ['node:http', 'node-http'],
    ['Express', 'express'],
    ['Koa', 'koa'],
    ['Next.js', 'next-server+next-route'],
  ])('embeds the %s quick start verbatim from examples/quickstart', (title, file) => {
    const section = readme.slice(readme.indexOf(`## Quick start: ${title}`));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    const files = file.split('+');
    files.forEach((name, index) => {
      expect(blocks[index]).toBe(readFileSync(join(root, 'examples/quickstart', `${name}.ts`), 'utf8'));
      expect(blocks[index]?.split('\n').length).toBeLessThanOrEqual(16);
    });
  });

  it('lists every error code the library defines', () => {
    const source = readFileSync(join(root, 'src/core/errors.ts'), 'utf8');
    const codes = [...source.matchAll(/'(UPSOCKET_[A-Z_]+)'/g)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(5);
    for (const code of new Set(codes)) expect(readme).toContain(`\`${code}\``);
  });
});
