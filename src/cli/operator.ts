// Gateway operator acts on the coalition: suspend/reinstate a member, register or revoke a key.
// They write the database directly and are audited; with the embedded database the gateway must
// be stopped first (the DATA_DIR lock refuses a second process), with PostgreSQL it may keep running.
import fs from 'node:fs'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrateToLatest } from '../db/migrator.js'
import { operatorRegisterKey, operatorRevokeKey, setMemberStatus } from '../members/member.service.js'
import { parse, required, UsageError } from './args.js'

const USAGE = `usage: icacn operator <suspend|reinstate|register-key|revoke-key> --operator NAME --member CODE
  suspend|reinstate  --reason TEXT
  register-key       --jwk FILE (a public JWK, EC P-256 or Ed25519)
  revoke-key         --kid KID --reason TEXT`

export async function operatorCommand(argv: string[], config: Config): Promise<void> {
  const [act, ...rest] = argv
  const v = parse(rest, { operator: { type: 'string' }, member: { type: 'string' }, reason: { type: 'string' }, jwk: { type: 'string' }, kid: { type: 'string' } })
  if (!act || !['suspend', 'reinstate', 'register-key', 'revoke-key'].includes(act)) throw new UsageError(USAGE)
  const operator = required(v, 'operator')
  const member = required(v, 'member').toUpperCase()
  const database = await openDatabase(config.database, config.dataDir)
  try {
    await migrateToLatest(database.db)
    const now = new Date()
    switch (act) {
      case 'suspend':
      case 'reinstate': {
        const m = await setMemberStatus(database.db, operator, member, act === 'suspend' ? 'suspended' : 'active', required(v, 'reason'), now)
        console.log(`member ${m.code} is now ${m.status}`)
        break
      }
      case 'register-key': {
        const jwk = JSON.parse(fs.readFileSync(required(v, 'jwk'), 'utf8')) as unknown
        const key = await operatorRegisterKey(database.db, operator, member, jwk, now)
        console.log(`registered key ${key.kid} (${key.alg}) for ${member}`)
        break
      }
      case 'revoke-key': {
        const key = await operatorRevokeKey(database.db, operator, member, required(v, 'kid'), required(v, 'reason'), now)
        console.log(`revoked key ${key.kid} of ${member}`)
        break
      }
    }
  } finally {
    await database.close()
  }
}
