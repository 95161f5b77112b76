import type { Handler } from './types';
import { VERSION } from '../core';
import { engineStatus } from '../../engine';

export const systemHandlers: {
  'system.status': Handler<'system.status'>;
  'system.init': Handler<'system.init'>;
  'engine.status': Handler<'engine.status'>;
} = {
  'system.status': {
    run: (ctx) => ({ initialised: ctx.core.identity.isInitialised(), version: VERSION, home: ctx.core.home }),
  },
  'system.init': {
    // init records its own events (genesis, then system.init) inside the new chain.
    run: async (ctx, input) => {
      const result = await ctx.core.identity.init(input.adminName, input.password);
      ctx.markRecorded();
      return result;
    },
    target: (input) => `user:${input.adminName}`,
  },
  'engine.status': {
    run: async (ctx) => await engineStatus(() => ctx.core.engine(), ctx.core.clock),
  },
};
