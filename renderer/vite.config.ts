// Builds the React UI into renderer/dist with relative URLs, so it loads under app:// in the
// desktop shell and from the test harness's loopback server alike.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
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
