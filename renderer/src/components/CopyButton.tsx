import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { shortHash } from '../format';

/**
 * Copies one value (a digest, a fingerprint) to the clipboard through main (the window has no
 * clipboard permission of its own). A real button, so Tab and Enter/Space reach it; it says "Copied"
 * for a moment, and a polite status tells a screen reader the same.
 */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const api = useApi();
  const [said, setSaid] = useState<'' | 'copied' | 'refused'>('');
  useEffect(() => {
    if (!said) return;
    const t = setTimeout(() => setSaid(''), 2000);
    return () => clearTimeout(t);
  }, [said]);
  return (
    <>
      <button
        type="button"
        className="btn btn-small btn-copy"
        aria-label={`Copy ${what}`}
        title={`Copy ${what}: ${value}`}
        onClick={() => void api.copyText(value).then((ok) => setSaid(ok ? 'copied' : 'refused'))}
      >
        {said === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" role="status">
        {said === 'copied' ? `Copied the ${what}.` : said === 'refused' ? 'The clipboard refused it.' : ''}
      </span>
    </>
  );
}

/** A long hash shown short (the whole one as its tooltip) with a Copy button beside it. */
export function CopyableHash({ value, what, length = 19 }: { value: string; what: string; length?: number }) {
  return (
    <span className="copyable">
      <span className="mono" title={value}>
        {shortHash(value, length)}
      </span>
      <CopyButton value={value} what={what} />
    </span>
  );
}
