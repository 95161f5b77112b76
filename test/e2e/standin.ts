/**
 * A stand-in `window.api` generated from the contract, for measuring the renderer alone (bench/ui)
 * without a core behind it. Every operation answers: by default the contract's own sample output
 * (test/helpers/contract-samples.ts), so an operation added to the contract cannot leave a screen
 * waiting for an answer that never comes; a caller replaces the answers it cares about, fixed ones
 * checked here against the output schema, computed ones run in the page on the call's input.
 * The page side is typed as DesktopApi, so a new bridge method fails to compile until it is here.
 */
import { contract, type OpInput, type OpName, type OpOutput, type SubName } from '../../src/api/contract';
import { PERMISSIONS } from '../../src/api/permissions';
import type { DesktopApi } from '../../main/desktop-api';
import { sampleAnswers, sampleEvents, type OpAnswers, type SubEvents } from '../helpers/contract-samples';

/** Answers computed in the page: self-contained functions (their source is sent), given the input and `data`. */
export type ComputedAnswers<D> = { [N in OpName]?: (input: OpInput<N>, data: D) => OpOutput<N> };

export interface StandinOptions<D> {
  /** Fixed answers in place of the generated ones; each is parsed by its operation's output schema first. */
  answers?: Partial<OpAnswers>;
  /** Answers made in the page from the call's input (e.g. log pages of any size without shipping them). */
  computed?: ComputedAnswers<D>;
  /** What computed answers get as their second argument (JSON). */
  data?: D;
  /** Events each new subscriber gets once (the rest stay quiet, as a core with nothing to say). */
  events?: Partial<SubEvents>;
}

/** What the page side gets, as JSON (computed answers are spliced in as source). */
interface PageConfig {
  answers: Record<string, unknown>;
  events: Record<string, unknown>;
  data: unknown;
}

/** A signed-in operator on an initialised workstation with every permission, engine reachable. */
export function signedInAnswers(name = 'bench'): Partial<OpAnswers> {
  const now = new Date().toISOString();
  return {
    'system.status': { initialised: true, version: 'stand-in', home: '/stand-in' },
    'auth.whoami': {
      user: { name, roles: ['admin', 'operator'], mustChangePassword: false, createdAt: now },
      permissions: [...PERMISSIONS],
      workstationId: 'stand-in'.padEnd(64, '0'),
    },
    'settings.get': { settings: { 'session.idleMinutes': 600 } },
    'engine.status': {
      reachable: true,
      kind: 'docker',
      version: 'stand-in',
      apiVersion: '1.45',
      rootless: false,
      socket: '/var/run/docker.sock',
      message: '',
      checkedAt: now,
    },
  };
}

/** The page side: binds `window.api` to the answers. Runs in the page, so it uses nothing from this module. */
function installStandin(config: PageConfig, computed: Record<string, (input: unknown, data: unknown) => unknown>): void {
  const calls: string[] = [];
  const answer = (name: string, input: unknown): unknown => {
    const make = computed[name];
    if (make) return make(input, config.data);
    return structuredClone(config.answers[name]);
  };
  const api: DesktopApi = {
    call: (name, input) => {
      calls.push(name);
      if (!(name in config.answers)) {
        return Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: `${name} is not in the contract` } });
      }
      try {
        return Promise.resolve({ ok: true, value: answer(name, input) as never });
      } catch (error) {
        return Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: String(error) } });
      }
    },
    subscribe: (name, _input, onEvent) => {
      let open = true;
      const event = config.events[name];
      if (event !== undefined) queueMicrotask(() => open && onEvent(structuredClone(event) as never));
      return () => {
        open = false;
      };
    },
    chooseFile: () => Promise.resolve(null),
    chooseSaveFile: () => Promise.resolve(null),
    copyText: () => Promise.resolve(true),
    idpSignIn: () => Promise.resolve({ ok: false, error: { code: 'UNAUTHENTICATED', message: 'The stand-in has no identity provider.' } }),
    serviceState: () => Promise.resolve(null),
    unsealService: () => Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: 'no service' } }),
  };
  Object.defineProperty(window, 'api', { value: Object.freeze(api) });
  // What the page asked for, for tests that check nothing went unanswered.
  Object.defineProperty(window, '__standinCalls', { value: calls });
}

/** The init script for `context.addInitScript`: `window.api` answering every operation of the contract. */
export function standinScript<D>(options: StandinOptions<D> = {}): string {
  const answers: Record<string, unknown> = { ...sampleAnswers() };
  for (const [name, value] of Object.entries(options.answers ?? {})) {
    const parsed = contract[name as OpName].output.safeParse(value);
    if (!parsed.success) throw new Error(`standin: the answer given for ${name} does not fit its output schema: ${parsed.error.message}`);
    answers[name] = parsed.data;
  }
  const events: Partial<Record<SubName, unknown>> = { 'attention.counts': sampleEvents()['attention.counts'], ...options.events };
  const config: PageConfig = { answers, events, data: options.data ?? null };
  const computed = Object.entries(options.computed ?? {})
    .map(([name, fn]) => `${JSON.stringify(name)}: (${String(fn)})`)
    .join(',\n');
  // tsx compiles these functions with esbuild's keepNames, whose helper the page does not have.
  return `(() => {
  const __name = (f) => f;
  window.__name = __name;
  (${String(installStandin)})(${JSON.stringify(config)}, {${computed}});
})();`;
}
