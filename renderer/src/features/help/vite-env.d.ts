/** Vite's build-time import of files as text (docs.ts); the renderer is built by Vite. */
interface ImportMeta {
  glob<T>(pattern: string, options: { query: '?raw'; import: 'default'; eager: true }): Record<string, T>;
}
