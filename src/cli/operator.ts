// Gateway operator acts on the coalition: suspend/reinstate a member, register or revoke a key.
// They write the database directly and are audited; with the embedded database the gateway must
// be stopped first (the DATA_DIR lock refuses a second process), with PostgreSQL it may keep running.
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrator.js'
import { operatorRegisterKey, operatorRevokeKey, setMemberStatus } from '../members/member.service.js'
import { parseCommand, required, UsageError } from './args.js'
import type { CommandSpec } from './help.js'
import { readJsonFile } from './json-input.js'

const ACTS = ['suspend', 'reinstate', 'register-key', 'revoke-key']

export const OPERATOR: CommandSpec = {
  name: 'operator',
  summary: 'coalition acts on the database: suspend or reinstate a member, register or revoke its key',
  usage: [
    'icacn operator <suspend|reinstate> --operator NAME --member CODE --reason TEXT',
    'icacn operator register-key --operator NAME --member CODE --jwk FILE',
    'icacn operator revoke-key --operator NAME --member CODE --kid KID --reason TEXT',
  ],
  options: {
    operator: { type: 'string', value: 'NAME', meaning: 'the gateway operator acting, recorded in the audit log (required)' },
    member: { type: 'string', value: 'CODE', meaning: 'the member acted on: KR, TH, LA, VN, KH or PH (required)' },
    reason: { type: 'string', value: 'TEXT', meaning: 'why (suspend, reinstate, revoke-key), recorded in the audit log' },
    jwk: {
      type: 'string',
      value: 'FILE',
      meaning: 'register-key: the public JWK to register (EC P-256 or Ed25519; kid = its RFC 7638 thumbprint)',
    },
    kid: { type: 'string', value: 'KID', meaning: 'revoke-key: the kid of the key to revoke' },
  },
  examples: ['npm run -s icacn -- operator suspend --operator "ops-duty-1" --member LA --reason "key compromise reported by LCDC"'],
  notes: ['Writes the database at DATA_DIR or DATABASE_URL directly. On the embedded database stop the gateway first.'],
}

const readJwk = (file: string): unknown => readJsonFile(file, 'the JWK in')

export async function operatorCommand(argv: string[], config: Config): Promise<void> {
  const [act, ...rest] = argv
  if (!act || !ACTS.includes(act))
    throw new UsageError(`${act ? `unknown act "${act}"` : 'no act given'}: icacn operator <${ACTS.join('|')}> …`)
  const v = parseCommand(rest, OPERATOR)
  const operator = required(v, 'operator')
  const member = required(v, 'member').toUpperCase()
  // Everything the act needs is read before the database is opened: a slip costs no migration run.
  const reason = act === 'register-key' ? '' : required(v, 'reason')
  const kid = act === 'revoke-key' ? required(v, 'kid') : ''
  const jwk = act === 'register-key' ? readJwk(required(v, 'jwk')) : undefined
  const database = await openDatabase(config.database, config.dataDir)
  try {
    await migrateToLatest(database.db)
    const now = new Date()
    switch (act) {
      case 'suspend':
      case 'reinstate': {
        const m = await setMemberStatus(database.db, operator, member, act === 'suspend' ? 'suspended' : 'active', reason, now)
        console.log(`member ${m.code} is now ${m.status}`)
        break
      }
      case 'register-key': {
        const key = await operatorRegisterKey(database.db, operator, member, jwk, now)
        console.log(`registered key ${key.kid} (${key.alg}) for ${member}`)
        break
      }
      case 'revoke-key': {
        const key = await operatorRevokeKey(database.db, operator, member, kid, reason, now)
        console.log(`revoked key ${key.kid} of ${member}`)
        break
      }
    }
  } finally {
    await database.close()
  }
}
