// The delivery loop one instance runs: move subscriptions along their feeds, claim what is due (up
// to its free send slots), send each claim on its own so a slow endpoint never delays the others,
// then sleep until woken (a new event here or, on PostgreSQL, on another instance) or the next poll.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { claimDue, fanOut } from './delivery.repository.js'
import { type SendDeps, sendDelivery } from './delivery.send.js'

export interface WorkerOptions {
  /** Sends in flight on this instance at most. */
  concurrency: number
  /** Sends in flight per endpoint at most, across all instances. */
  perEndpoint: number
  /** How long a claim is held: a worker that dies leaves its claims to others after this. */
  leaseMs: number
  /** Look for due retries this often even when nothing wakes the loop. */
  pollMs: number
}

export interface DeliveryWorker {
  start(): void
  /** Something may be due now (an event was written): run a cycle soon. */
  wake(): void
  /** Runs cycles until nothing is taken, claimed or in flight (tests; the CLI). */
  drain(): Promise<void>
  /** Stops claiming; waits for the sends in flight (each bounded by its deadline). */
  stop(): Promise<void>
}

export function createDeliveryWorker(
  db: Kysely<DB>,
  deps: () => SendDeps,
  opts: WorkerOptions,
  log: { warn(obj: object, msg: string): void },
): DeliveryWorker {
  const inFlight = new Set<Promise<void>>()
  let stopped = true
  let woken = false
  let sleeping: (() => void) | null = null
  let loop: Promise<void> = Promise.resolve()

  async function cycle(): Promise<{ taken: number; claimed: number }> {
    const d = deps()
    const taken = await fanOut(db, d.now)
    const claims = await claimDue(db, {
      now: d.now,
      leaseUntil: new Date(d.now.getTime() + opts.leaseMs),
      limit: opts.concurrency - inFlight.size,
      perEndpoint: opts.perEndpoint,
    })
    for (const claim of claims) {
      const send: Promise<void> = sendDelivery(db, deps(), claim)
        .catch((err: unknown) => log.warn({ err, delivery: claim.id }, 'webhook delivery failed; retried after its lease'))
        .finally(() => {
          inFlight.delete(send)
          wake()
        })
      inFlight.add(send)
    }
    return { taken, claimed: claims.length }
  }

  function wake(): void {
    woken = true
    sleeping?.()
  }

  async function run(): Promise<void> {
    while (!stopped) {
      woken = false
      try {
        await cycle()
      } catch (err) {
        if (!stopped) log.warn({ err }, 'webhook delivery cycle failed')
      }
      if (stopped || woken) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.pollMs)
        sleeping = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      sleeping = null
    }
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      loop = run()
    },
    wake,
    async drain() {
      for (let i = 0; i < 200; i++) {
        const { taken, claimed } = await cycle()
        await Promise.allSettled([...inFlight])
        if (taken === 0 && claimed === 0 && inFlight.size === 0) return
      }
      throw new Error('webhook deliveries did not drain')
    },
    async stop() {
      stopped = true
      sleeping?.()
      await loop
      await Promise.allSettled([...inFlight])
    },
  }
}
