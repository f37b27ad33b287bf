import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The user-facing pages: README.md and every docs/*.md (docs/_fragments/ are drafts, not pages).
export const root = join(import.meta.dirname, '../..');

export interface Page {
  /** Relative to the repository's root, e.g. `docs/api.md`. */
  path: string;
  text: string;
}

export const pages: Page[] = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)].map(
  (path) => ({ path, text: readFileSync(join(root, path), 'utf8') }),
);

/** The fenced code blocks of a page, with their language. */
export function codeBlocks(text: string): { language: string; code: string }[] {
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, language, code]) => ({ language: language!, code: code! }));
}

/** A page's text outside fenced code blocks and inline code spans, where links and headings are. */
export function prose(text: string): string {
  return text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '``');
}

/** The anchors GitHub gives a page's headings: lowercase, punctuation dropped, spaces to hyphens, -1, -2… for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}
