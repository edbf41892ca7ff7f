// Sealing with the gateway secret (event cursors): opens only what this gateway sealed for the same
// purpose, under any of its keys (rotation), and never throws on garbage.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { gatewaySecret, loadGatewaySecret, newSecretJwks } from '../../src/auth/gateway-secret.js'
import { loadConfig } from '../../src/config.js'
import { openCursor, sealCursor } from '../../src/webhooks/event-cursor.js'

const k1 = randomBytes(32)
const k2 = randomBytes(32)

describe('gatewaySecret', () => {
  const s = gatewaySecret([k1])
  it('round-trips, with a new string every time', () => {
    const a = s.seal('event-cursor', '["TH","812","40"]')
    expect(s.open('event-cursor', a)).toBe('["TH","812","40"]')
    expect(s.seal('event-cursor', '["TH","812","40"]')).not.toBe(a)
  })
  it('opens under an older key after rotation, and not under a stranger', () => {
    const old = s.seal('event-cursor', 'x')
    expect(gatewaySecret([k2, k1]).open('event-cursor', old)).toBe('x')
    expect(gatewaySecret([k2]).open('event-cursor', old)).toBeNull()
  })
  it.each([
    ['empty', ''],
    ['too short', 'AAAA'],
    ['not base64url', '!'.repeat(60)],
    ['random bytes', randomBytes(48).toString('base64url')],
    [
      'one bit flipped',
      (() => {
        const b = Buffer.from(s.seal('event-cursor', 'x'), 'base64url')
        b[20]! ^= 1
        return b.toString('base64url')
      })(),
    ],
    ['truncated', s.seal('event-cursor', 'xyz').slice(0, -2)],
  ])('refuses %s', (_, sealed) => {
    expect(s.open('event-cursor', sealed)).toBeNull()
  })
  it('gives each key a stable one-way fingerprint that is not the key', () => {
    expect(gatewaySecret([k1]).fingerprints).toEqual(s.fingerprints)
    expect(gatewaySecret([k2]).fingerprints[0]).not.toBe(s.fingerprints[0])
    expect(s.fingerprints[0]).not.toContain(k1.toString('base64url').slice(0, 8))
  })
})

describe('event cursors', () => {
  const s = gatewaySecret([k1])
  it('round-trip the position for the same member only', () => {
    const c = sealCursor(s, 'TH', { txid: '812', seq: '40' })
    expect(openCursor(s, 'TH', c)).toEqual({ txid: '812', seq: '40' })
    expect(() => openCursor(s, 'VN', c)).toThrow(/not a cursor/)
    expect(openCursor(s, 'TH', sealCursor(s, 'TH', null))).toBeNull()
    expect(openCursor(s, 'TH', undefined)).toBeNull()
  })
  it.each([
    ['a non-JSON plaintext', 'txid=812'],
    ['a number for txid', '["TH",812,"40"]'],
    ['extra items', '["TH","812","40","1"]'],
    ['a negative position', '["TH","-1","40"]'],
    ['a position past 2^64', '["TH","18446744073709551616","1"]'],
  ])('refuse %s even when sealed by this gateway', (_, plain) => {
    expect(() => openCursor(s, 'TH', s.seal('event-cursor', plain))).toThrow(/not a cursor/)
  })
})

describe('loadGatewaySecret', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-secret-'))
  const write = (name: string, jwks: unknown, mode: number) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, JSON.stringify(jwks), { mode })
    fs.chmodSync(file, mode)
    return file
  }
  const load = (env: Record<string, string>) => loadGatewaySecret(loadConfig({ DATA_DIR: dir, ...env }, dir))

  it('generates a development key once (owner-only) and reuses it', () => {
    const first = load({})
    expect(first.generated).toBe(true)
    const file = path.join(dir, 'dev-keys', 'gateway-secret.jwks.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const again = load({})
    expect(again.generated).toBe(false)
    expect(again.secret.fingerprints).toEqual(first.secret.fingerprints)
  })
  it.each([
    ['readable by others', () => write('open.json', newSecretJwks(), 0o644), /chmod 600/],
    ['a 128-bit key', () => write('short.json', { keys: [{ kty: 'oct', k: randomBytes(16).toString('base64url') }] }, 0o600), /256 bits/],
    ['an EC key', () => write('ec.json', { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] }, 0o600), /256 bits/],
    ['no keys', () => write('none.json', { keys: [] }, 0o600), /at least one key/],
  ])('refuses a file %s', (_, make, message) => {
    expect(() => load({ GATEWAY_SECRET_KEYS: make() })).toThrow(message)
  })
})
