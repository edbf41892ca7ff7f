// `icacn keys generate | register`: make a member signing key as JWK files (kid = RFC 7638
// thumbprint, private half mode 0600), and register its public half through the member-admin
// rotation endpoint, signed with the member's development key. The SDK does the key work.
import { generateMemberKey, signKeyRegistration, writeMemberKey } from '@icacn/sdk'
import type { JWK } from 'jose'
import type { Config } from '../config.js'
import { parse, required, UsageError } from './args.js'
import { accessToken, CliError, devMemberKey, gatewayBase, gatewayJson } from './gateway-client.js'
import { type CommandSpec, parseOptions, URL_OPTION } from './help.js'
import { readJsonFile } from './json-input.js'

const USAGE = 'usage: icacn keys generate --out DIR [--name NAME] | icacn keys register --member CODE --jwk PUBLIC.jwk.json [--url URL]'

// Its options, with what --help says of each; each subcommand parses its own share of them.
export const KEYS: CommandSpec = {
  name: 'keys',
  summary: "make a member signing key as JWK files, or register its public half with the member's admin",
  usage: ['icacn keys generate --out DIR [--name NAME]', 'icacn keys register --member CODE --jwk FILE [--url URL]'],
  options: {
    out: { type: 'string', value: 'DIR', meaning: 'generate: the directory for the key files (the private one is written mode 0600)' },
    name: { type: 'string', value: 'NAME', meaning: "generate: the files' base name (default member-<start of the kid>)" },
    member: { type: 'string', value: 'CODE', meaning: 'register: the member whose key it becomes: KR, TH, LA, VN, KH or PH' },
    jwk: { type: 'string', value: 'FILE', meaning: 'register: the public JWK file that generate wrote' },
    url: URL_OPTION,
  },
  examples: [
    'npm run -s icacn -- keys generate --out ./keys --name th-2026',
    'npm run -s icacn -- keys register --member TH --jwk ./keys/th-2026.public.jwk.json',
  ],
}

async function generate(argv: string[]): Promise<void> {
  const v = parse(argv, parseOptions(KEYS, ['out', 'name']))
  const out = required(v, 'out')
  const key = await generateMemberKey()
  const name = typeof v.name === 'string' ? v.name : `member-${key.kid.slice(0, 12)}`
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError('--name: 1 to 64 letters, digits, dots, dashes or underscores')
  let files: { privateFile: string; publicFile: string }
  try {
    files = writeMemberKey(out, name, key)
  } catch (e) {
    throw new CliError(`cannot write the key files in ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  process.stdout.write(`${JSON.stringify({ kid: key.kid, privateKey: files.privateFile, publicKey: files.publicFile }, null, 2)}\n`)
}

async function register(argv: string[], config: Config): Promise<void> {
  const v = parse(argv, parseOptions(KEYS, ['member', 'jwk', 'url']))
  const member = required(v, 'member').toUpperCase()
  const jwk = readJsonFile(required(v, 'jwk'), 'the public key') as JWK | null
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new CliError(`${String(v.jwk)} does not hold a JWK object`)
  if (typeof jwk.d === 'string') throw new CliError(`${String(v.jwk)} holds a private key: register the public half only`)
  const base = gatewayBase(config, v.url as string | undefined)
  const { issuer } = await gatewayJson<{ issuer: string }>(base, '/.well-known/oauth-authorization-server')
  const dev = await devMemberKey(config, member)
  const request = await signKeyRegistration({ member, kid: dev.kid, key: dev.key, audience: issuer, jwk })
  const token = await accessToken(config, base, member, ['admin'])
  const key = await gatewayJson<unknown>(base, `/v1/members/${encodeURIComponent(member)}/keys`, { token, body: { request } })
  process.stdout.write(`${JSON.stringify(key, null, 2)}\n`)
}

export async function keysCommand(argv: string[], config: Config): Promise<void> {
  const [sub, ...rest] = argv
  if (sub === 'generate') return generate(rest)
  if (sub === 'register') return register(rest, config)
  throw new UsageError(USAGE)
}
