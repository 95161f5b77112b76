import type { Core } from '../core';
import type { SubEvent, SubInput, SubName } from '../contract';
import { bundleSubscriptionHandlers } from './bundles';
import { runSubscriptionHandlers } from './run-subscriptions';

type SubHandler<N extends SubName> = (core: Core, input: SubInput<N>, emit: (event: SubEvent<N>) => void) => () => void;

export const subscriptionHandlers: { [N in SubName]: SubHandler<N> } = {
  'audit.events': (core, _input, emit) => core.bus.on('audit', (event) => emit(event as SubEvent<'audit.events'>)),
  ...bundleSubscriptionHandlers,
  ...runSubscriptionHandlers,
  'audit.exportProgress': (core, _input, emit) => core.bus.on('exportProgress', (event) => emit(event)),
};
