// Batching per turn of the event loop (the DataLoader idea, for reads and for writes): work items
// that arrive before the loop next checks for I/O go to the database together, in one statement.
// Alone, an item waits for nothing but its own statement; under load, N items cost one round trip.

export interface TickBatcher<I, O> {
  push(item: I): Promise<O>
}

export interface TickBatcherOptions<I> {
  /** At most this many items a batch (statement size); the rest go in the next. */
  max?: number
  /** Items with the same key never share a batch: a later one waits for the next, as if it came later. */
  distinct?: (item: I) => string
  /** If a batch fails, run each of its items alone so one bad item fails only itself. */
  isolateFailures?: boolean
  /** Told the queue's depth when it changes and each batch's size as it is sent (metrics). */
  observe?: BatchObserver
}

/** What a metrics exporter implements to watch a batcher; tick-batcher knows no metrics library. */
export interface BatchObserver {
  queued(depth: number): void
  sent(size: number): void
}

/** Gives the observer for the batcher a service names (a fixed name in code); what services that batch take. */
export type ObserveBatcher = (name: string) => BatchObserver

interface Pending<I, O> {
  item: I
  resolve(o: O): void
  reject(e: unknown): void
}

/** `run` answers a batch with one result per item, in order. */
export function tickBatcher<I, O>(run: (items: readonly I[]) => Promise<O[]>, opts: TickBatcherOptions<I> = {}): TickBatcher<I, O> {
  const max = opts.max ?? 64
  let queue: Array<Pending<I, O>> = []
  let scheduled = false

  const schedule = () => {
    if (scheduled || queue.length === 0) return
    scheduled = true
    setImmediate(() => void flush())
  }

  const settle = async (batch: Array<Pending<I, O>>) => {
    const results = await run(batch.map((p) => p.item))
    batch.forEach((p, i) => p.resolve(results[i] as O))
  }

  async function flush(): Promise<void> {
    scheduled = false
    const batch: Array<Pending<I, O>> = []
    const rest: Array<Pending<I, O>> = []
    const keys = new Set<string>()
    for (const p of queue) {
      const k = opts.distinct?.(p.item)
      if (batch.length < max && (k === undefined || !keys.has(k))) {
        if (k !== undefined) keys.add(k)
        batch.push(p)
      } else rest.push(p)
    }
    queue = rest
    opts.observe?.queued(queue.length)
    opts.observe?.sent(batch.length)
    schedule()
    try {
      await settle(batch)
    } catch (e) {
      if (!opts.isolateFailures || batch.length === 1) {
        for (const p of batch) p.reject(e)
        return
      }
      await Promise.all(batch.map((p) => settle([p]).catch((err: unknown) => p.reject(err))))
    }
  }

  return {
    push(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        opts.observe?.queued(queue.length)
        schedule()
      })
    },
  }
}

/** Resolves on the next turn of the event loop, after batches scheduled in this one have been sent. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
