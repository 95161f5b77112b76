// Builds the React UI into renderer/dist with relative URLs, so it loads under app:// in the
// desktop shell and from the test harness's loopback server alike.
import { defineConfig, type Plugin } from 'vite';

const NODE_BUILTINS =
  /^(node:.*|fs|path|os|crypto|child_process|net|http|https|stream|url|util|zlib|events|tls|dns|readline|worker_threads|buffer|module)(\/.*)?$/;

/**
 * Fails the build when anything the renderer pulls in (its own code, or the contract it imports
 * for form validation) reaches for a Node module. Vite would otherwise stub it and build anyway.
 */
function noNodeInRenderer(): Plugin {
  return {
    name: 'airgap-no-node-in-renderer',
    enforce: 'pre',
    resolveId(id, importer) {
      if (NODE_BUILTINS.test(id))
        this.error(`${importer ?? 'the renderer'} imports "${id}": the renderer has no Node (ARCHITECTURE.md, Layers).`);
      return null;
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [noNodeInRenderer()],
  // No @vitejs/plugin-react: esbuild's automatic JSX runtime is all the build needs.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    // Nothing inline: every script and style is a file the CSP allows as 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod ships comments Rollup cannot place; harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1', strictPort: true },
});
