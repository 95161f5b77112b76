/** Test chains built with chain.ts's sealEvent, as the store builds them. */
import { GENESIS_ACTION, genesisPrevHash, sealEvent, type AuditEvent, type AuditOutcome } from '../../../src/audit/chain';

export const WORKSTATION = 'ws-test-0001';

export interface ChainOptions {
  workstationId?: string;
  /** seq of the first event; 1 (default) starts with the genesis event. */
  startSeq?: number;
  /** prevHash of the first event; default: the genesis hash when startSeq is 1. */
  prevHash?: string;
  details?: (seq: number) => unknown;
  /** Changes the variant of every event (e.g. to build a diverging history). */
  variant?: string;
}

const ACTIONS = ['run.start', 'run.finish', 'secret.use', 'user.add', 'auth.signIn', 'settings.set'];
const OUTCOMES: AuditOutcome[] = ['success', 'success', 'denied', 'failure'];

export function makeChain(count: number, options: ChainOptions = {}): AuditEvent[] {
  const workstationId = options.workstationId ?? WORKSTATION;
  const startSeq = options.startSeq ?? 1;
  let prev = options.prevHash ?? (startSeq === 1 ? genesisPrevHash(workstationId) : undefined);
  if (prev === undefined) throw new Error('makeChain: a prevHash is needed when startSeq > 1');
  const events: AuditEvent[] = [];
  for (let seq = startSeq; seq < startSeq + count; seq++) {
    const mono = Date.UTC(2025, 4, 1) + seq * 1000;
    const genesis = seq === 1;
    const details = genesis
      ? { workstationId, format: 'airgap-runner/audit/v1' }
      : (options.details?.(seq) ?? {
          n: seq,
          variant: options.variant ?? 'a',
          note: seq % 7 === 0 ? 'naïve "quoted" \\ line\nbreak' : 'plain',
          list: [seq, null, true],
        });
    const event = sealEvent(
      prev,
      {
        seq,
        time: new Date(mono).toISOString(),
        mono,
        actor: genesis ? 'system' : seq % 3 === 0 ? 'system' : 'user:alice',
        action: genesis ? GENESIS_ACTION : ACTIONS[seq % ACTIONS.length]!,
        target: seq % 4 === 0 ? null : `target-${seq}`,
        outcome: genesis ? 'success' : OUTCOMES[seq % OUTCOMES.length]!,
      },
      details,
    );
    events.push(event);
    prev = event.hash;
  }
  return events;
}

/** Re-seals events from index `from` on (after editing them), keeping the chain internally valid. */
export function reseal(events: AuditEvent[], from: number): AuditEvent[] {
  const out = events.slice(0, from);
  let prev = from === 0 ? events[0]!.prevHash : out[from - 1]!.hash;
  for (const event of events.slice(from)) {
    const sealed = sealEvent(prev, event, event.details);
    out.push(sealed);
    prev = sealed.hash;
  }
  return out;
}
