import type { ReactNode } from 'react';

/** A link to a page of the docs, opened in the app's Help screen (offline), never a bare file name. */
export function HelpLink({ doc, anchor, children }: { doc: string; anchor?: string; children: ReactNode }) {
  return (
    <a className="help-link" href={`#/help/${doc}${anchor ? `/${anchor}` : ''}`}>
      {children}
    </a>
  );
}
