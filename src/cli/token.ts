// `npm run -s token -- --member TH --role analyst [--purpose investigation] [--actor name] [--url http://…]`
// Development mode: signs an assertion with the member's dev key and exchanges it over HTTP at the
// running gateway; prints only the access token. It never opens the database (PGlite allows one process).
import type { Config } from '../config.js'
import { parseCommand, required } from './args.js'
import { accessToken, gatewayBase } from './gateway-client.js'
import { type CommandSpec, URL_OPTION } from './help.js'

export const TOKEN: CommandSpec = {
  name: 'token',
  summary: "print an access token for a member, signed with the member's development key",
  usage: ['icacn token --member CODE [--role ROLE]... [--purpose PURPOSE] [--actor NAME] [--url URL]'],
  options: {
    member: { type: 'string', value: 'CODE', meaning: 'the member the token speaks for: KR, TH, LA, VN, KH or PH (required)' },
    role: { type: 'string', value: 'ROLE', multiple: true, meaning: 'analyst, coordinator or admin (default analyst)' },
    purpose: { type: 'string', value: 'PURPOSE', meaning: 'the declared purpose: investigation, analysis or prosecution' },
    actor: { type: 'string', value: 'NAME', meaning: 'the person acting, recorded in the audit log (default dev-cli@<member>)' },
    url: URL_OPTION,
  },
  examples: ['TOKEN=$(npm run -s icacn -- token --member TH --role analyst --purpose investigation)'],
  notes: ['Development mode only; it exchanges a client assertion at the running gateway and never opens the database.'],
}

export async function tokenCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, TOKEN)
  const member = required(v, 'member').toUpperCase()
  const roles = (v.role as string[] | undefined) ?? ['analyst']
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, roles, {
    ...(v.purpose ? { purpose: v.purpose as string } : {}),
    ...(v.actor ? { actor: v.actor as string } : {}),
  })
  process.stdout.write(`${token}\n`)
}
