/** Remote engine nodes: enrolment, re-pinning and removal by admins (each an audit event), reads for everyone signed in. */
import { ApiError } from '../../kernel';
import { parseNodeAddress, pinFingerprint, pinFrom, probeNodeIdentity } from '../../engine';
import { RunRecords } from '../../runner';
import { NodeRecords, pruneNode, checkNode, checkNodeName, openCredentials, sealCredentials, type NodeEntry } from '../../nodes';
import { needVaultKey } from '../../vault';
import { needSession, needSigner, type Handler } from './types';

type Names = 'nodes.probe' | 'nodes.add' | 'nodes.list' | 'nodes.show' | 'nodes.pin' | 'nodes.prune' | 'nodes.remove';

/** The entry as the contract shows it, with the runs on it now: never the sealed credentials (they are not in NodeEntry). */
function shown(entry: NodeEntry, running: ReadonlyMap<string, number>): Omit<NodeEntry, 'pin'> & { running: number } {
  const { pin: _pin, ...rest } = entry;
  return { ...rest, running: running.get(entry.name) ?? 0 };
}

export const nodeHandlers: { [N in Names]: Handler<N> } = {
  'nodes.probe': {
    run: async (_ctx, input) => {
      const address = parseNodeAddress(input.address);
      const identity = await probeNodeIdentity(address);
      return {
        transport: address.transport,
        address: address.url,
        pin: identity.pin.kind === 'ssh-host-key' ? identity.pin.key : identity.pin.sha256,
        fingerprint: identity.fingerprint,
        description: identity.description,
      };
    },
  },

  'nodes.add': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      checkNodeName(input.name);
      const records = new NodeRecords(ctx.db);
      if (records.get(input.name)) throw new ApiError('CONFLICT', `A node named "${input.name}" is already enrolled.`);
      const address = parseNodeAddress(input.address);
      const pin = pinFrom(address.transport, input.pin);
      if (address.transport === 'tls' && (!input.cert || !input.ca))
        throw new ApiError('INVALID_INPUT', 'A tcp:// node needs the client certificate (--cert) and the CA (--ca) besides the key.');
      const credentials = {
        privateKey: input.privateKey,
        ...(input.cert ? { cert: input.cert } : {}),
        ...(input.ca ? { ca: input.ca } : {}),
      };
      const facts = await checkNode(address, pin, credentials);
      const now = ctx.core.clock.now().toISOString();
      const sealed = sealCredentials(needVaultKey(session.keyring.vault), input.name, credentials);
      const signer = needSigner(ctx);
      ctx.change(
        () =>
          records.insert(
            {
              name: input.name,
              transport: address.transport,
              address: address.url,
              pin,
              fingerprint: pinFingerprint(pin),
              credentialSealed: sealed,
              labels: input.labels,
              maxConcurrency: input.maxConcurrency ?? 2,
              facts,
              by: ctx.actor,
              now,
            },
            signer,
          ),
        {
          details: {
            address: address.url,
            transport: address.transport,
            fingerprint: pinFingerprint(pin),
            engine: `${facts.engine} ${facts.version}`,
          },
        },
      );
      return shown(records.mustGet(input.name), new RunRecords(ctx.db).runningByNode());
    },
    target: (input) => `node:${input.name}`,
    details: (input) => ({ address: input.address, labels: input.labels }),
  },

  'nodes.list': {
    run: (ctx) => {
      const running = new RunRecords(ctx.db).runningByNode();
      return { nodes: new NodeRecords(ctx.db).list().map((n) => shown(n, running)) };
    },
  },

  'nodes.show': {
    run: (ctx, input) => shown(new NodeRecords(ctx.db).mustGet(input.name), new RunRecords(ctx.db).runningByNode()),
  },

  'nodes.pin': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const records = new NodeRecords(ctx.db);
      const entry = records.mustGet(input.name);
      const address = parseNodeAddress(entry.address);
      const pin = pinFrom(address.transport, input.pin);
      const facts = await checkNode(address, pin, openCredentials(ctx.db, session.keyring.vault, input.name));
      const now = ctx.core.clock.now().toISOString();
      const signer = needSigner(ctx);
      ctx.change(() => records.repin(input.name, { pin, fingerprint: pinFingerprint(pin), facts, by: ctx.actor, now }, signer), {
        details: { from: entry.fingerprint, to: pinFingerprint(pin), wasRefused: entry.state === 'refused' },
      });
      return shown(records.mustGet(input.name), new RunRecords(ctx.db).runningByNode());
    },
    target: (input) => `node:${input.name}`,
  },

  'nodes.prune': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const runs = new RunRecords(ctx.db);
      const inUse = new Set(runs.unfinishedOn(input.name).map((id) => runs.get(id)?.imageId ?? ''));
      const out = await pruneNode(ctx.db, session.keyring.vault, input.name, inUse);
      const records = new NodeRecords(ctx.db);
      ctx.change(
        () => {
          for (const image of out.removed) records.imageRemoved(input.name, image);
          records.seen(input.name, ctx.core.clock.now().toISOString());
        },
        { details: { removed: out.removed, kept: out.kept } },
      );
      return { name: input.name, ...out };
    },
    target: (input) => `node:${input.name}`,
  },

  'nodes.remove': {
    run: (ctx, input) => {
      const records = new NodeRecords(ctx.db);
      const signer = needSigner(ctx);
      ctx.change(() => records.remove(input.name, signer));
      return { name: input.name };
    },
    target: (input) => `node:${input.name}`,
  },
};
