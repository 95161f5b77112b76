/** Semantic version precedence (semver.org §11), enough to pick a bundle's newest version. */

function splitVersion(version: string): { core: number[]; pre: string[] } {
  const withoutBuild = version.split('+')[0] ?? '';
  const dash = withoutBuild.indexOf('-');
  const core = (dash >= 0 ? withoutBuild.slice(0, dash) : withoutBuild).split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pre = dash >= 0 ? withoutBuild.slice(dash + 1).split('.') : [];
  return { core, pre };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when a < b, positive when a > b, 0 when equal in precedence (build metadata ignored). */
export function compareVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const d = compareIdentifiers(p, q);
    if (d !== 0) return d;
  }
  return 0;
}
