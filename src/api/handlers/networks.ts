/** Networks tasks may ask for: defined by an admin, each definition an audit event. */
import { ApiError } from '../../kernel';
import { Networks, checkNetworkName, runnerSettings, LABELS, type NetworkEntry } from '../../runner';
import { needSigner, type Handler } from './types';

export const networkHandlers: { 'networks.add': Handler<'networks.add'>; 'networks.list': Handler<'networks.list'> } = {
  'networks.add': {
    run: async (ctx, input) => {
      const core = ctx.core;
      checkNetworkName(input.name);
      const now = core.clock.now().toISOString();
      const networks = new Networks(core.db);
      if (networks.get(input.name)) throw new ApiError('CONFLICT', `A network named "${input.name}" is already defined.`);
      let entry: NetworkEntry;
      let note: Record<string, unknown>;
      if (input.host) {
        if (input.create)
          throw new ApiError('INVALID_INPUT', 'A host-network override is not created on the engine: give --host or --create, not both.');
        if (!runnerSettings(core.db).hostNetworkAllowed) {
          throw new ApiError(
            'POLICY_DENIED',
            'Host networking is switched off. An admin must first set runner.hostNetworkAllowed to true (itself an audited change).',
          );
        }
        entry = { name: input.name, kind: 'host', engineId: null, createdAt: now, createdBy: ctx.actor };
        note = { kind: 'host', override: true };
      } else {
        const engine = core.engine();
        let found = (await engine.listNetworks()).find((n) => n.name === input.name);
        const created = !found;
        if (!found) {
          if (!input.create) {
            throw new ApiError(
              'NOT_FOUND',
              `The engine has no network named "${input.name}". Create it there first, or add --create for a new internal network (no route out).`,
            );
          }
          found = await engine.createNetwork({ name: input.name, internal: true, labels: { [LABELS.workstation]: core.workstationId } });
        }
        entry = { name: input.name, kind: 'named', engineId: found.id, createdAt: now, createdBy: ctx.actor };
        note = { kind: 'named', created, driver: found.driver, internal: found.internal };
      }
      const signer = needSigner(ctx);
      ctx.change(() => networks.add(entry, signer), { details: note });
      return entry;
    },
    target: (input) => `network:${input.name}`,
    details: (input) => ({ host: input.host === true, create: input.create === true }),
  },

  'networks.list': {
    run: (ctx) => ({ networks: new Networks(ctx.db).list() }),
  },
};
