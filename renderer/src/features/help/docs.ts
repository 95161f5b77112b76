/**
 * The project's docs (docs/*.md), bundled into the renderer at build time: the Help screen shows
 * them offline, inside the app. Our own files, read by Vite when the renderer is built; nothing is
 * fetched at run time.
 */
const FILES = import.meta.glob<string>('../../../../docs/*.md', { query: '?raw', import: 'default', eager: true });

export interface HelpDoc {
  /** The file name without `.md`: `runner` for docs/runner.md; the screen's address is `#/help/runner`. */
  id: string;
  title: string;
  text: string;
}

function titleOf(text: string, id: string): string {
  return (/^#\s+(.+)$/m.exec(text)?.[1] ?? id).replace(/`/g, '').trim();
}

export const HELP_DOCS: readonly HelpDoc[] = Object.entries(FILES)
  .map(([path, text]) => {
    const id = /([^/]+)\.md$/.exec(path)![1]!;
    return { id, title: titleOf(text, id), text };
  })
  .sort((a, b) => a.title.localeCompare(b.title));

/** The doc a link names (`runner.md`, `docs/runner.md#queue`, `./runner.md`), or null for anything else. */
export function docOfLink(href: string): { id: string; anchor: string } | null {
  const m = /^(?:\.{0,2}\/)*(?:docs\/)?([a-z0-9-]+)\.md(?:#(.*))?$/i.exec(href);
  if (!m || !HELP_DOCS.some((d) => d.id === m[1])) return null;
  return { id: m[1]!, anchor: m[2] ?? '' };
}
