/**
 * The core reached in the same process: the utility process itself, and the browser test harness.
 * Goes through `call`/`subscribe` of src/api, the one handler table. No electron import.
 */
import { call, subscribe } from '../src/api/dispatcher';
import { toErrorShape } from '../src/kernel';
import type { Core } from '../src/api/core';
import type { OpName, SubName } from '../src/api/contract';
import type { CoreLink } from './session-bridge';

export function directLink(core: Core): CoreLink {
  return {
    call: async (sessionId, name, input) => await call(core, sessionId, name as OpName, input),
    subscribe: async (sessionId, name, input, onEvent) => {
      try {
        return { ok: true, value: subscribe(core, sessionId, name as SubName, input, onEvent) };
      } catch (error) {
        return { ok: false, error: toErrorShape(error) };
      }
    },
  };
}
