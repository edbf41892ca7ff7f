// Makes the database available to routes as app.db; closes it with the app when the app owns it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { DB } from './schema.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>
    database: Database
  }
}

async function dbPlugin(app: FastifyInstance, opts: { database: Database; owns: boolean }): Promise<void> {
  app.decorate('db', opts.database.db)
  app.decorate('database', opts.database)
  if (opts.owns) app.addHook('onClose', async () => opts.database.close())
}

export default fp(dbPlugin, { name: 'icacn-db' })
