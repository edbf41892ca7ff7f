// Instances sharing one database: each start records its audience and gateway key ids and warns,
// naming both values, when they differ from the last instance's. Restarts on one database stand in
// for peers (PGlite allows one process per DATA_DIR; PostgreSQL behaves the same way).
import fs from 'node:fs'
import path from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, gatewayEnv, startGateway, stopGateway } from '../support/process.js'

const A = 'https://exchange-a.icacn.test'
const B = 'https://exchange-b.icacn.test'

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let tokenKeys: string
let newKid: string

beforeAll(async () => {
  db = await freshDatabase()
  env = gatewayEnv(db, await freePort())
  // A token key of its own, as an instance given another GATEWAY_TOKEN_KEYS file would have.
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  newKid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256')
  tokenKeys = path.join(db.dataDir, 'other-token-keys.json')
  fs.writeFileSync(tokenKeys, JSON.stringify({ keys: [{ ...jwk, kid: newKid }] }), { mode: 0o600 })
})
afterAll(async () => db?.cleanup())

/** Starts and stops an instance with `over`; the warnings it logged about its peers. */
async function peerWarnings(over: NodeJS.ProcessEnv): Promise<string[]> {
  const gateway = await startGateway({ ...env, ...over })
  expect(await stopGateway(gateway)).toBe(0)
  return gateway
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.msg.includes('on the instance that last started on this database'))
    .map((l) => {
      expect(l.level).toBe(40)
      return l.msg
    })
}

describe('instances on one database', () => {
  it('the first instance has no peer to differ from', async () => {
    expect(await peerWarnings({ GATEWAY_AUDIENCE: A })).toEqual([])
  })

  it('another audience and token key say so at start, one line each naming both values', async () => {
    const warnings = await peerWarnings({ GATEWAY_AUDIENCE: B, GATEWAY_TOKEN_KEYS: tokenKeys })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      new RegExp(
        `^GATEWAY_AUDIENCE is "${B}" here but "${A}" on the instance that last started on this database \\(20\\d\\d-.*\\): .*a client assertion or token made for one is refused by the other`,
      ),
    )
    expect(warnings[1]).toMatch(
      new RegExp(`^GATEWAY_TOKEN_KEYS \\(key ids\\) is "${newKid}" here but "[\\w-]{43}" on the instance that last started`),
    )
  })

  it('an instance agreeing with the last one started is quiet (a planned change warns once per instance)', async () => {
    expect(await peerWarnings({ GATEWAY_AUDIENCE: B, GATEWAY_TOKEN_KEYS: tokenKeys })).toEqual([])
  })
})
