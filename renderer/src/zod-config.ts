import { z } from 'zod';

// Imported first by main.tsx, before any schema is built: zod's JIT probes `new Function`, which
// the renderer's CSP (no 'unsafe-eval', Trusted Types) forbids. jitless skips the probe entirely.
z.config({ jitless: true });
