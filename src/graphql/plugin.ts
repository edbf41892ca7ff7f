// Mercurius at /graphql inside an authenticated scope: SDL from schema/*.graphql, loaders for
// nested fields, JIT, depth and cost limits, and AppError mapped once to extensions.code.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyError, FastifyInstance } from 'fastify'
import { type ExecutionResult, GraphQLError, type GraphQLFormattedError } from 'graphql'
import mercurius, { type MercuriusContext } from 'mercurius'
import type { Clock } from '../clock.js'
import { AppError, problemType, toGraphQLExtensions, toProblem } from '../errors.js'
import { projectFile } from '../project-files.js'
import { toAppError } from '../rest/error-handler.js'
import { assertQueryCost } from './cost.js'
import { loaders } from './loaders.js'
import { memberResolvers } from './resolvers/members.js'
import { leadResolvers } from './resolvers/leads.js'
import { policyResolvers } from './resolvers/policy.js'
import { recordResolvers } from './resolvers/records.js'
import type { RecordDeps } from '../records/record.service.js'
import { DateTime, JSONScalar } from './scalars.js'

export interface GraphqlOptions {
  graphiql: boolean
  maxDepth: number
  maxCost: number
  bodyLimit: number
  clock: Clock
  recordDeps: () => RecordDeps
}

function readSchema(): string {
  const dir = projectFile('schema')
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n')
}

function formatOne(error: GraphQLError, log: FastifyInstance['log']): { formatted: GraphQLFormattedError; clientError: boolean } {
  const base = { message: error.message, ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) }
  const original = error.originalError
  if (original instanceof AppError) return { formatted: { ...base, message: original.message, extensions: toGraphQLExtensions(original) }, clientError: original.code === 'QUERY_TOO_COMPLEX' }
  const given = error.extensions?.code
  if (typeof given === 'string') return { formatted: { ...base, extensions: error.extensions }, clientError: error.extensions.status === 400 }
  if (!original || original instanceof GraphQLError) {
    // Parse and validation errors (including the depth and cost limits) are the caller's to fix.
    const tooComplex = /query depth/i.test(error.message)
    const code = tooComplex ? 'QUERY_TOO_COMPLEX' : 'VALIDATION_FAILED'
    return { formatted: { ...base, extensions: { code, type: problemType(code), status: 400 } }, clientError: true }
  }
  log.error({ err: original }, 'graphql resolver failed')
  return { formatted: { ...base, message: 'an internal error occurred', extensions: { code: 'INTERNAL', type: problemType('INTERNAL'), status: 500 } }, clientError: false }
}

function errorFormatter(execution: ExecutionResult & { errors: readonly GraphQLError[] }, ctx: MercuriusContext) {
  const log = ctx.reply?.log ?? ctx.app.log
  const flat = execution.errors.flatMap((e) => {
    const nested = (e.originalError as { errors?: unknown })?.errors
    return Array.isArray(nested) ? nested.map((n) => (n instanceof GraphQLError ? n : new GraphQLError(String((n as Error).message)))) : [e]
  })
  const results = flat.map((e) => formatOne(e, log))
  const statusCode = execution.data ? 200 : results.some((r) => r.clientError) ? 400 : 200
  return { statusCode, response: { data: execution.data ?? null, errors: results.map((r) => r.formatted) } }
}

export default async function graphqlPlugin(app: FastifyInstance, opts: GraphqlOptions): Promise<void> {
  // Authentication failures are HTTP-level: answered as problem+json like every other route.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url?.startsWith('/graphiql')) return
    await app.authenticate(request)
  })
  const records = recordResolvers(opts.recordDeps)
  const policy = policyResolvers(opts.recordDeps)
  const leads = leadResolvers(opts.recordDeps)
  await app.register(mercurius, {
    schema: readSchema(),
    resolvers: { DateTime, JSON: JSONScalar, Query: { ...memberResolvers.Query, ...records.Query, ...policy.Query, ...leads.Query }, Mutation: { ...records.Mutation, ...policy.Mutation, ...leads.Mutation }, RecordRead: records.RecordRead } as never,
    loaders: loaders(opts.clock) as never,
    graphiql: opts.graphiql,
    jit: 1,
    queryDepth: opts.maxDepth,
    errorFormatter: errorFormatter as never,
    errorHandler: async (error: FastifyError, request, reply) => {
      // Errors before GraphQL runs (authentication, body parsing, size) are HTTP problems.
      if (error instanceof AppError || error.code?.startsWith('FST_')) {
        const appErr = toAppError(error, opts.bodyLimit)
        if (appErr.code === 'INTERNAL') request.log.error({ err: error }, 'graphql transport error')
        return reply.code(appErr.status).type('application/problem+json').send(toProblem(appErr, request.url.split('?')[0]))
      }
      const { statusCode, response } = errorFormatter({ errors: [error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error })] }, { reply, app } as unknown as MercuriusContext)
      return reply.code(statusCode).send(response)
    },
  })
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    assertQueryCost(schema, document, (variables ?? {}) as Record<string, unknown>, opts.maxCost)
  })
}
