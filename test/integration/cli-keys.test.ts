// `icacn keys generate | register` against the real gateway on loopback: a key pair as JWK files (kid =
// RFC 7638 thumbprint, private half mode 0600), its public half registered as the member's through
// the rotation endpoint; a private key offered for registration is refused before anything is sent.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, type Gateway, gatewayEnv, runCli, startGateway, stopGateway } from '../support/process.js'

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let gateway: Gateway
let tmp: string

beforeAll(async () => {
  db = await freshDatabase()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-keys-'))
  env = gatewayEnv(db, await freePort())
  gateway = await startGateway(env)
}, 120_000)
afterAll(async () => {
  if (gateway) await stopGateway(gateway)
  fs.rmSync(tmp, { recursive: true, force: true })
  await db?.cleanup()
})

describe('icacn keys', () => {
  it('generates a P-256 pair with its thumbprint as kid, the private half readable by its owner only; never overwrites', async () => {
    const out = runCli(env, ['keys', 'generate', '--out', tmp, '--name', 'lao-cnc-2026'])
    expect(out.status, out.stderr).toBe(0)
    const made = JSON.parse(out.stdout) as { kid: string; privateKey: string; publicKey: string }
    const pub = JSON.parse(fs.readFileSync(made.publicKey, 'utf8')) as JWK
    const priv = JSON.parse(fs.readFileSync(made.privateKey, 'utf8')) as JWK
    expect(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! }, 'sha256')).toBe(made.kid)
    expect([pub.kid, priv.kid, pub.crv, typeof priv.d, pub.d]).toEqual([made.kid, made.kid, 'P-256', 'string', undefined])
    expect(fs.statSync(made.privateKey).mode & 0o777).toBe(0o600)
    const again = runCli(env, ['keys', 'generate', '--out', tmp, '--name', 'lao-cnc-2026'])
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/EEXIST/)
    expect(fs.readFileSync(made.privateKey, 'utf8')).toBe(JSON.stringify(priv, null, 2) + '\n')
  })

  it("registers the public half as the member's key, signed with its development key", async () => {
    const made = JSON.parse(runCli(env, ['keys', 'generate', '--out', tmp]).stdout) as {
      kid: string
      privateKey: string
      publicKey: string
    }
    const res = runCli(env, ['keys', 'register', '--member', 'LA', '--jwk', made.publicKey])
    expect(res.status, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ kid: made.kid, status: 'active', registeredBy: expect.stringContaining('LA') })
    // A private key is refused before anything reaches the gateway.
    const refused = runCli(env, ['keys', 'register', '--member', 'LA', '--jwk', made.privateKey])
    expect([refused.status, refused.stderr.trim().split('\n').length]).toEqual([1, 1])
    expect(refused.stderr).toMatch(/private key/)
  })

  it('a wrong subcommand or a missing option is a usage error (exit 64)', () => {
    for (const args of [['keys'], ['keys', 'rotate'], ['keys', 'generate']]) expect(runCli(env, args).status).toBe(64)
  })
})
