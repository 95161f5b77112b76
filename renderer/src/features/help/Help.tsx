/**
 * Help: the project's docs rendered inside the app, offline (issue 15 item 6). Markdown is turned
 * into React elements by markdown-to-jsx with raw HTML parsing off, so nothing in a doc becomes
 * markup of its own; links to another doc open it here, anchors scroll, and any other link is
 * shown as text with its address (the app opens nothing outside itself).
 */
import { useEffect, useMemo, type ReactNode } from 'react';
import Markdown from 'markdown-to-jsx/react';
import { PageHeader } from '../../components/PageHeader';
import { useRouteParam } from '../../navigation';
import { HELP_DOCS, docOfLink } from './docs';

const DEFAULT_DOC = 'ui';

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/\s+/g, '-');
}

function scrollToAnchor(anchor: string): void {
  if (!anchor) return;
  document.getElementById(anchor)?.scrollIntoView({ block: 'start' });
}

/** A link in a doc: another doc opens here; an anchor scrolls; anything else stays text. */
function DocLink({ href, children }: { href?: string; children?: ReactNode }) {
  const target = href ?? '';
  const doc = docOfLink(target);
  if (doc) return <a href={`#/help/${doc.id}${doc.anchor ? `/${doc.anchor}` : ''}`}>{children}</a>;
  if (target.startsWith('#')) {
    return (
      <button type="button" className="link-button" onClick={() => scrollToAnchor(target.slice(1))}>
        {children}
      </button>
    );
  }
  return (
    <span className="inert-link" title={`${target} (not opened: the app opens nothing outside itself)`}>
      {children}
    </span>
  );
}

/** Inline code that names a doc (`docs/runner.md`) is a link to it: the docs name each other that way. */
function DocCode({ children, className }: { children?: ReactNode; className?: string }) {
  const doc = typeof children === 'string' ? docOfLink(children) : null;
  const code = <code className={className}>{children}</code>;
  return doc ? <a href={`#/help/${doc.id}${doc.anchor ? `/${doc.anchor}` : ''}`}>{code}</a> : code;
}

const OPTIONS = {
  disableParsingRawHTML: true,
  slugify: (text: string) => slug(text),
  overrides: { a: { component: DocLink }, code: { component: DocCode } },
};

export function HelpScreen() {
  const param = useRouteParam();
  const [id, anchor] = param.split('/');
  const doc = HELP_DOCS.find((d) => d.id === (id || DEFAULT_DOC)) ?? HELP_DOCS.find((d) => d.id === DEFAULT_DOC) ?? HELP_DOCS[0];
  const body = useMemo(() => (doc ? <Markdown options={OPTIONS}>{doc.text}</Markdown> : null), [doc]);
  useEffect(() => scrollToAnchor(anchor ?? ''), [doc, anchor]);

  return (
    <>
      <PageHeader title="Help" description="How Airgap Runner works, from the project’s own documentation. Shown here offline." />
      <div className="help-layout">
        <nav aria-label="Help topics" className="card help-topics">
          <ul>
            {HELP_DOCS.map((d) => (
              <li key={d.id}>
                <a href={`#/help/${d.id}`} aria-current={d.id === doc?.id ? 'page' : undefined}>
                  {d.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <article className="card help-doc" aria-label={doc?.title ?? 'Help'}>
          {body}
        </article>
      </div>
    </>
  );
}
