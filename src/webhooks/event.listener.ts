// On PostgreSQL, wakes this instance's delivery worker when any instance writes an event: a dedicated
// pg.Client outside the pool LISTENs on icacn_events (the payload is a member code, never content),
// reconnects with back-off, and wakes the worker after every (re)connect to catch up from the outbox.
import pg from 'pg'

export interface EventListener {
  close(): Promise<void>
}

const MIN_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 30_000

export function listenForEvents(
  connectionString: string,
  onEvent: () => void,
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): EventListener {
  let closed = false
  let client: pg.Client | null = null
  let backoff = MIN_BACKOFF_MS
  let retry: NodeJS.Timeout | null = null

  const schedule = () => {
    if (closed || retry) return
    retry = setTimeout(() => {
      retry = null
      void connect()
    }, backoff)
    retry.unref()
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString, application_name: 'icacn-exchange-listener' })
    client = c
    // A lost connection is reported here (never thrown): drop it and connect again.
    c.on('error', (err) => {
      log.warn({ err: { message: err.message } }, 'event listener connection lost; reconnecting')
      void c.end().catch(() => undefined)
      if (client === c) client = null
      schedule()
    })
    c.on('notification', () => onEvent())
    try {
      await c.connect()
      await c.query('listen icacn_events')
      if (closed) return void (await c.end())
      backoff = MIN_BACKOFF_MS
      // Whatever was written while this instance was not listening is in the outbox: look now.
      onEvent()
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'event listener could not connect; retrying')
      void c.end().catch(() => undefined)
      if (client === c) client = null
      schedule()
    }
  }

  void connect()
  return {
    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      const c = client
      client = null
      await c?.end().catch(() => undefined)
    },
  }
}
