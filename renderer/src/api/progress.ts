/** A fresh id for following one operation's progress (`bundles.importProgress`, …). */
export function progressId(): string {
  return `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
