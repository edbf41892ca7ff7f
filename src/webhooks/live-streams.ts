// The event streams open on this instance (each SSE stream, each GraphQL subscription): at most
// `perMember` each member at once, and every one ended first at shutdown, so fastify's close never
// waits on a connection that would stay open until its token expires.
import { errors } from '../errors.js'

export interface LiveStream {
  /** Gives the slot back; safe to call more than once. */
  release(): void
}

export interface LiveStreams {
  /**
   * Takes a slot for `member`, or throws STREAM_LIMIT (429) when it holds `perMember` already, or
   * NOT_READY (503) once closeAll has begun. `end` is called to end the connection at shutdown.
   */
  open(member: string, end: () => void): LiveStream
  count(member: string): number
  /** Ends every open connection; resolves once each has released its slot, or after `graceMs`. */
  closeAll(graceMs?: number): Promise<void>
}

export function createLiveStreams(perMember: number): LiveStreams {
  const open = new Map<string, Set<{ end: () => void; released: () => void }>>()
  const done = new Set<Promise<void>>()
  let closing = false
  return {
    open(member, end) {
      if (closing) throw errors.notReady('the gateway is shutting down; reconnect to another instance or later')
      const mine = open.get(member) ?? new Set()
      if (mine.size >= perMember) throw errors.streamLimit(perMember)
      let released!: () => void
      const finished = new Promise<void>((r) => (released = r))
      const entry = { end, released }
      mine.add(entry)
      open.set(member, mine)
      done.add(finished)
      return {
        release() {
          if (!mine.delete(entry)) return
          if (mine.size === 0 && open.get(member) === mine) open.delete(member)
          done.delete(finished)
          released()
        },
      }
    },
    count: (member) => open.get(member)?.size ?? 0,
    async closeAll(graceMs = 2000) {
      closing = true
      const waiting = [...done]
      for (const entry of [...open.values()].flatMap((s) => [...s])) entry.end()
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(waiting), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))])
      clearTimeout(timer)
    },
  }
}
