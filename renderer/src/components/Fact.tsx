import type { ReactNode } from 'react';

/** One term and its value in a `facts-grid` list (a row's details); `wide` spans the whole row. */
export function Fact({ term, children, wide = false }: { term: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'fact-wide' : undefined}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
