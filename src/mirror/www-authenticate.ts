/**
 * Parses a `WWW-Authenticate` header: `Bearer realm="https://auth/token",service="reg",scope="a b"`
 * or `Basic realm="x"`. Quoted strings may hold commas and escaped quotes.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < header.length && /[\s,]/.test(header[i] as string)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && /[^\s,=]/.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < header.length) {
    skipSpace();
    const word = token();
    if (!word) break;
    let j = i;
    while (j < header.length && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      i = j + 1;
      while (header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

/** Parses a `Link: <url>; rel="next"` header and returns the next URL (relative or absolute). */
export function parseNextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
