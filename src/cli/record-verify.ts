// `icacn verify | trust`: check a presentation the gateway released, offline against a saved trust
// file (members' JWKS + the gateway's JWKS), and fetch that trust file once from a running gateway.
import fs from 'node:fs'
import { decodeJwt, type JWK } from 'jose'
import type { Config } from '../config.js'
import { fromSdk, isAppError, problemType } from '../errors.js'
import { type Trust, type VerifiedRecord, verifyPresentation } from '@icacn/sdk'
import { parseCommand, required, UsageError } from './args.js'
import { accessToken, CliError, gatewayBase, gatewayJson, problemError } from './gateway-client.js'
import { type CommandSpec, URL_OPTION, usageLine } from './help.js'
import { readInput, sdJwtFrom } from './record.js'
import { readJsonFile } from './json-input.js'

export const VERIFY: CommandSpec = {
  name: 'verify',
  summary: "check a released record: the originator's signature, every disclosure, the gateway's key binding",
  usage: ['icacn verify --aud CODE (--file FILE | --stdin) [--trust FILE] [--nonce NONCE] [--max-age SECONDS] [--url URL]'],
  options: {
    aud: { type: 'string', value: 'CODE', meaning: 'the member it must have been released to (required)' },
    file: { type: 'string', value: 'FILE', meaning: 'what get printed (JSON with "sdJwt"), or a bare SD-JWT' },
    stdin: { type: 'boolean', meaning: 'read it from standard input instead of --file' },
    trust: { type: 'string', value: 'FILE', meaning: 'the trust file written by trust: verify offline, with no gateway' },
    nonce: { type: 'string', value: 'NONCE', meaning: 'require the key-binding JWT to carry this nonce (the one sent with get --nonce)' },
    'max-age': { type: 'string', value: 'SECONDS', meaning: 'require the release to be at most this old (freshness is never assumed)' },
    url: { ...URL_OPTION, meaning: 'without --trust, the gateway to fetch the trust material from (default: http://HOST:PORT)' },
  },
  examples: ['npm run -s icacn -- verify --aud TH --trust trust.json --file th.json'],
}

export const TRUST: CommandSpec = {
  name: 'trust',
  summary: "save the members' and the gateway's public keys, so verify can work offline",
  usage: ['icacn trust --member CODE [--out FILE] [--url URL]'],
  options: {
    member: {
      type: 'string',
      value: 'CODE',
      meaning: 'the member asking (member key sets are not public): KR, TH, LA, VN, KH or PH (required)',
    },
    out: { type: 'string', value: 'FILE', meaning: 'write the trust file to FILE instead of stdout' },
    url: URL_OPTION,
  },
  examples: ['npm run -s icacn -- trust --member TH --out trust.json'],
}

type Jwks = { keys: JWK[] }

const isJwks = (x: unknown): x is Jwks => typeof x === 'object' && x !== null && Array.isArray((x as { keys?: unknown }).keys)

/** The trust material as the gateway serves it; needs a member token because member JWKS are not public. */
export async function fetchTrust(config: Config, base: string, member: string): Promise<Trust> {
  const token = await accessToken(config, base, member, ['analyst'])
  const { members } = await gatewayJson<{ members: { code: string }[] }>(base, '/v1/members', { token })
  const entries = await Promise.all(
    members.map(async (m) => [m.code, await gatewayJson<Jwks>(base, `/v1/members/${encodeURIComponent(m.code)}/jwks`, { token })] as const),
  )
  const gateway = await gatewayJson<Jwks>(base, '/.well-known/jwks.json')
  return { members: Object.fromEntries(entries), gateway }
}

export function loadTrust(file: string): Trust {
  const t = readJsonFile(file, 'trust file')
  const members = (t as { members?: unknown } | null)?.members
  const ok =
    typeof members === 'object' && members !== null && Object.values(members).every(isJwks) && isJwks((t as { gateway?: unknown }).gateway)
  if (!ok) throw new CliError(`${file} is not a trust file: { "members": { CODE: { "keys": [...] } }, "gateway": { "keys": [...] } }`)
  return t as Trust
}

/** Who the KB-JWT claims it was released to, read without verification and only to explain a refusal. */
function claimedAudience(sdJwt: string): string | undefined {
  try {
    const aud = decodeJwt(sdJwt.slice(sdJwt.lastIndexOf('~') + 1)).aud
    return Array.isArray(aud) ? aud.join(',') : aud
  } catch {
    return undefined
  }
}

export async function verifyCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, VERIFY)
  if (!v.aud) throw new UsageError(usageLine(VERIFY))
  const aud = required(v, 'aud').toUpperCase()
  // Freshness is asked for, never assumed: a presentation in a case file must verify next month.
  const maxAge = v['max-age'] === undefined ? undefined : Number(v['max-age'])
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge <= 0))
    throw new UsageError('--max-age must be a whole number of seconds')
  const nonce = typeof v.nonce === 'string' ? v.nonce : undefined
  if (nonce === '') throw new UsageError('--nonce must not be empty')
  const sdJwt = sdJwtFrom(await readInput(v, usageLine(VERIFY)))
  const trust =
    typeof v.trust === 'string' ? loadTrust(v.trust) : await fetchTrust(config, gatewayBase(config, v.url as string | undefined), aud)
  let verified: VerifiedRecord
  try {
    verified = await verifyPresentation(sdJwt, trust, { aud, maxAgeSeconds: maxAge, nonce })
  } catch (thrown) {
    const e = fromSdk(thrown)
    if (!isAppError(e)) throw new CliError(`presentation not verified for audience ${aud}: ${(thrown as Error).message}`)
    const claimed = claimedAudience(sdJwt)
    const detail = e.code === 'WRONG_AUDIENCE' ? `the gateway released it to ${claimed ?? 'another member'}, not ${aud}` : e.message
    throw problemError(`presentation not verified for audience ${aud}: ${problemType(e.code)}: ${detail}`, e.errors)
  }
  const { originator, disclosedPaths, body, fieldMarkings, envelope, keyBinding } = verified
  process.stdout.write(
    `${JSON.stringify({ verified: true, originator, disclosedPaths, body, fieldMarkings, envelope, keyBinding }, null, 2)}\n`,
  )
}

export async function trustCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, TRUST)
  if (!v.member) throw new UsageError(usageLine(TRUST))
  const trust = await fetchTrust(config, gatewayBase(config, v.url as string | undefined), required(v, 'member').toUpperCase())
  const text = `${JSON.stringify(trust, null, 2)}\n`
  if (typeof v.out === 'string') fs.writeFileSync(v.out, text)
  else process.stdout.write(text)
}
