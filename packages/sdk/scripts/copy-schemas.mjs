// Build step: the SDK ships the gateway's record type schemas (dist/schemas/records), so a partner
// issues records with exactly the frames the gateway accepts, with no access to this repository.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const from = path.resolve(here, '../../../schema/records')
const to = path.resolve(here, '../dist/schemas/records')
fs.mkdirSync(to, { recursive: true })
for (const f of fs.readdirSync(from).filter((n) => n.endsWith('.json'))) fs.copyFileSync(path.join(from, f), path.join(to, f))
