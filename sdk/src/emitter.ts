// A small typed event emitter: every event carries one context object and `on` returns its own
// unsubscribe function, so there is no `off` to get wrong.

export type Listener<T> = (context: T) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `listener` for every `name` event until the returned function is called. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    // Wrapping makes the same function registered twice count twice, like addEventListener with distinct handlers.
    const entry: Listener<Events[K]> = (ctx) => listener(ctx);
    set.add(entry as Listener<never>);
    return () => {
      set.delete(entry as Listener<never>);
    };
  }

  /** Like `on`, but only for the next event. */
  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (ctx) => {
      off();
      listener(ctx);
    });
    return off;
  }

  emit<K extends keyof Events>(name: K, context: Events[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(context);
      } catch (err) {
        // A throwing app handler must not abort delivery to the others or corrupt the client's state;
        // rethrowing later still surfaces it like any uncaught error.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Number of listeners for `name`. */
  count(name: keyof Events): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}
