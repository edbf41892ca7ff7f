// One in-process signal that events may be there: rung after a write request on this instance and, on
// PostgreSQL, when any instance's LISTEN notification arrives (delivery.plugin.ts). The delivery worker
// and every open event stream listen. It carries nothing: listeners still read their own feed.

export interface EventBell {
  ring(): void
  /** Calls `listener` on every ring until the returned function is called. */
  listen(listener: () => void): () => void
}

export function createEventBell(log?: { warn(obj: object, msg: string): void }): EventBell {
  const listeners = new Set<() => void>()
  return {
    ring() {
      // A listener that throws must not keep the bell from the others (the worker among them).
      for (const listener of [...listeners]) {
        try {
          listener()
        } catch (err) {
          log?.warn({ err }, 'an event bell listener failed')
        }
      }
    },
    listen(listener) {
      // Wrapped, so the same function listening twice is two listeners and each unsubscribes once.
      const own = () => listener()
      listeners.add(own)
      return () => void listeners.delete(own)
    },
  }
}
