// Reading one signed record by its address (originator, id), through the one release path. A record
// the reader may not see is answered exactly like a record that does not exist.
import type { Principal } from '../auth/principal.js'
import type { RecordRead } from '../disclosure/present.js'
import { release, type ReleaseDeps } from '../disclosure/release.js'
import { errors } from '../errors.js'
import type { RecordLoader } from './record.loader.js'
import type { RecordRef } from './record.repository.js'

export interface ReadDeps extends ReleaseDeps {
  records: RecordLoader
}

/** A nonce a reader sends to check freshness: carried verbatim in the KB-JWT, so bounded and plain. */
const NONCE = /^[A-Za-z0-9_-]{16,128}$/

export function parseNonce(nonce: string | null | undefined): string | undefined {
  if (nonce === undefined || nonce === null) return undefined
  if (!NONCE.test(nonce))
    throw errors.validation('nonce must be 16 to 128 characters of A–Z, a–z, 0–9, - and _', [
      { pointer: '/nonce', detail: '16 to 128 base64url characters' },
    ])
  return nonce
}

/**
 * One record as `p` may see it. A field released only for a declared purpose the token lacks refuses
 * the read (403 purpose-required), so a reader is never silently given less than it could have.
 */
export async function readRecord(deps: ReadDeps, p: Principal, ref: RecordRef, opts: { nonce?: string | null } = {}): Promise<RecordRead> {
  const nonce = parseNonce(opts.nonce)
  const rec = await deps.records.byRef(ref)
  const [read] = rec ? await release(deps, p, [rec], { channel: 'read', purposeMissing: 'refuse', nonce }) : [null]
  if (!read) throw errors.recordNotFound()
  return read
}
