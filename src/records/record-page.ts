// Paging and time filters shared by record lists and lead searches: the page size, keyset cursors
// (opaque to callers, strictly checked on the way back in) and `since`. A value PostgreSQL could not
// take (a malformed id, a year it has no such date for) is refused here as the caller's mistake.
import { errors } from '../errors.js'

export const MAX_PAGE = 100

/** Keyset position: strictly older than (receivedAt, originator, id). */
export interface PagePosition {
  receivedAt: Date
  originator: string
  id: string
}

const ISO_MS = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw errors.validation(`first must be between 1 and ${MAX_PAGE}`, [{ pointer: '/first', detail: `1 to ${MAX_PAGE}` }])
  return first
}

export const encodeCursor = (r: PagePosition): string =>
  Buffer.from(JSON.stringify([r.receivedAt.toISOString(), r.originator, r.id])).toString('base64url')

export function decodeCursor(cursor: string | null | undefined): PagePosition | undefined {
  if (cursor === null || cursor === undefined) return undefined
  const bad = () => errors.validation('after is not a cursor returned by this gateway', [{ pointer: '/after', detail: 'invalid cursor' }])
  let parsed: unknown
  try {
    parsed =
      cursor.length <= 200 && /^[A-Za-z0-9_-]*$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined
  } catch {
    throw bad()
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw bad()
  const [at, originator, id] = parsed as unknown[]
  if (typeof at !== 'string' || typeof originator !== 'string' || typeof id !== 'string') throw bad()
  const year = ISO_MS.exec(at)?.[1]
  const receivedAt = new Date(at)
  if (
    !year ||
    year === '0000' ||
    Number.isNaN(receivedAt.getTime()) ||
    receivedAt.toISOString() !== at ||
    !/^[A-Z]{2}$/.test(originator) ||
    !UUID.test(id)
  )
    throw bad()
  return { receivedAt, originator, id }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 time as a filter bound. Refused with a reason: leap seconds (no JavaScript or
 * PostgreSQL time can hold second 60; give :59), years outside 0001–9999, impossible dates.
 */
export function parseTime(raw: string, pointer: string): Date {
  const m = RFC3339.exec(raw)
  const refuse = (detail: string) => errors.validation(`${pointer.slice(1)}: ${detail}`, [{ pointer, detail }])
  if (!m) throw refuse('an RFC 3339 date-time such as 2026-11-27T09:00:00Z')
  if (m[6] === '60') throw refuse('leap seconds (second 60) are not accepted; use second 59')
  if (m[1] === '0000') throw refuse('the year must be between 0001 and 9999')
  const d = new Date(raw.replace(' ', 'T'))
  // Date rolls an impossible day over (Feb 30 → Mar 2); the calendar date must survive the round trip.
  const day = new Date(0)
  day.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (Number.isNaN(d.getTime()) || day.getUTCDate() !== Number(m[3]) || day.getUTCMonth() !== Number(m[2]) - 1)
    throw refuse('not a real date and time')
  return d
}

/** A `since` bound as services receive it (REST parsed it with parseTime; GraphQL's DateTime scalar likewise). */
export function checkSince(since: Date | undefined): Date | undefined {
  if (since === undefined) return undefined
  const y = since.getUTCFullYear()
  if (Number.isNaN(since.getTime()) || y < 1 || y > 9999)
    throw errors.validation('since: the year must be between 0001 and 9999', [{ pointer: '/since', detail: 'years 0001 to 9999' }])
  return since
}
