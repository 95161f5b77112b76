/** In-process event bus behind typed subscriptions. Listeners never throw into the publisher. */
type Listener<T> = (event: T) => void;

export class Bus<Topics extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Topics, Set<Listener<unknown>>>();

  on<K extends keyof Topics>(topic: K, listener: Listener<Topics[K]>): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener as Listener<unknown>);
    return () => set.delete(listener as Listener<unknown>);
  }

  emit<K extends keyof Topics>(topic: K, event: Topics[K]): void {
    for (const l of this.listeners.get(topic) ?? []) {
      try {
        l(event);
      } catch {
        // A failing subscriber must not break the operation that published.
      }
    }
  }
}
