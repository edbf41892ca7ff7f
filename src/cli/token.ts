// `npm run -s token -- --member TH --role analyst [--purpose investigation] [--actor name] [--url http://…]`
// Development mode: signs an assertion with the member's dev key and exchanges it over HTTP at the
// running gateway; prints only the access token. It never opens the database (PGlite allows one process).
import type { Config } from '../config.js'
import { parse, required } from './args.js'
import { accessToken, gatewayBase } from './gateway-client.js'

export async function tokenCommand(argv: string[], config: Config): Promise<void> {
  const v = parse(argv, {
    member: { type: 'string' },
    role: { type: 'string', multiple: true },
    purpose: { type: 'string' },
    actor: { type: 'string' },
    url: { type: 'string' },
  })
  const member = required(v, 'member').toUpperCase()
  const roles = (v.role as string[] | undefined) ?? ['analyst']
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, roles, {
    ...(v.purpose ? { purpose: v.purpose as string } : {}),
    ...(v.actor ? { actor: v.actor as string } : {}),
  })
  process.stdout.write(`${token}\n`)
}
