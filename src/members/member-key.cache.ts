// Member public keys imported once: an import costs as much as a signature verification. Only key
// MATERIAL is cached, never a key's state: kid is the RFC 7638 thumbprint of the material, so what
// (member, kid) names cannot change, while retirement and revocation are checked where they are used.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { findKey } from './key.repository.js'
import type { MemberKey } from './jwks.js'

export interface CachedMemberKey {
  key: KeyObject
  alg: MemberKey['alg']
}

export interface MemberKeyCache {
  /** The key's material, from memory or else from the database; undefined if no such key exists. */
  get(db: Kysely<DB> | Transaction<DB>, member: string, kid: string): Promise<CachedMemberKey | undefined>
}

export function createMemberKeyCache(max = 1024): MemberKeyCache {
  const cache = new Map<string, CachedMemberKey>()
  return {
    async get(db, member, kid) {
      const id = `${member}:${kid}`
      const hit = cache.get(id)
      if (hit) return hit
      const row = await findKey(db, member, kid)
      if (!row) return undefined
      const cached = { key: createPublicKey({ key: row.publicJwk as JsonWebKey, format: 'jwk' }), alg: row.alg }
      if (cache.size >= max) cache.delete(cache.keys().next().value as string)
      cache.set(id, cached)
      return cached
    },
  }
}
