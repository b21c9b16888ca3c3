// The browser's word on the network: `offline` and `online` events on the global object. Where nothing
// fires them (Node bots) there is nothing to follow, and watching costs nothing.

export interface NetworkListener {
  offline(): void;
  online(): void;
}

/** Calls `listener` on the global object's offline/online events; returns the way to stop. */
export function watchNetwork(listener: NetworkListener): () => void {
  const target = globalThis as Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>;
  const { addEventListener: add, removeEventListener: remove } = target;
  if (typeof add !== 'function' || typeof remove !== 'function') return () => {};
  const offline = () => listener.offline();
  const online = () => listener.online();
  add.call(globalThis, 'offline', offline);
  add.call(globalThis, 'online', online);
  return () => {
    remove.call(globalThis, 'offline', offline);
    remove.call(globalThis, 'online', online);
  };
}
