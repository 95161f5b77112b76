import type { Core } from '../core';
import type { SubEvent, SubInput, SubName } from '../contract';
import { bundleSubscriptionHandlers } from './bundles';
import { runSubscriptionHandlers } from './run-subscriptions';
import { attentionSubscriptionHandlers } from './attention';
import type { Session } from '../../identity';

/** A subscription's handler; `session` is the subscriber's (null for a public subscription without one). */
type SubHandler<N extends SubName> = (
  core: Core,
  input: SubInput<N>,
  emit: (event: SubEvent<N>) => void,
  session: Session | null,
) => () => void;

export const subscriptionHandlers: { [N in SubName]: SubHandler<N> } = {
  'audit.events': (core, _input, emit) => core.bus.on('audit', (event) => emit(event as SubEvent<'audit.events'>)),
  ...bundleSubscriptionHandlers,
  ...runSubscriptionHandlers,
  ...attentionSubscriptionHandlers,
  'audit.exportProgress': (core, _input, emit) => core.bus.on('exportProgress', (event) => emit(event)),
};
