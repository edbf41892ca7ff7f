// Mercurius at /graphql inside an authenticated scope: SDL from schema/*.graphql, loaders for
// nested fields, JIT, depth and cost limits, input guards, introspection off in production unless
// configured, and every error (ours and mercurius's) mapped once to extensions.code.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { type ExecutionResult, GraphQLError, type GraphQLFormattedError, NoSchemaIntrospectionCustomRule } from 'graphql'
import mercurius, { type MercuriusContext } from 'mercurius'
import type { Clock } from '../clock.js'
import { AppError, errors, problemType, toGraphQLExtensions, toProblem } from '../errors.js'
import { projectFile } from '../project-files.js'
import { toAppError } from '../rest/error-handler.js'
import { assertGraphQLText, assertStorableArguments } from './input-guard.js'
import { assertQueryLimits } from './limits.js'
import { loaders } from './loaders.js'
import { memberResolvers } from './resolvers/members.js'
import { leadResolvers } from './resolvers/leads.js'
import { policyResolvers } from './resolvers/policy.js'
import { recordResolvers } from './resolvers/records.js'
import { webhookResolvers } from './resolvers/webhooks.js'
import { connectionToken, type SubscriptionContext, subscriptionResolvers } from './resolvers/subscriptions.js'
import type { AppServices } from '../app.js'
import { DateTime, JSONScalar } from './scalars.js'

export interface GraphqlOptions {
  maxDepth: number
  maxCost: number
  /** Introspection (__schema, __type) allowed; plain introspection is then exempt from the limits. */
  introspection: boolean
  bodyLimit: number
  clock: Clock
  services: () => AppServices
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
  const base = {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
  }
  const original = error.originalError
  if (original instanceof AppError)
    return {
      formatted: { ...base, message: original.message, extensions: toGraphQLExtensions(original) },
      clientError: original.code === 'QUERY_TOO_COMPLEX',
    }
  const given = error.extensions?.code
  if (typeof given === 'string')
    return { formatted: { ...base, extensions: error.extensions }, clientError: error.extensions.status === 400 }
  if (!original || original instanceof GraphQLError) {
    // Parse and validation errors are the caller's to fix.
    return {
      formatted: { ...base, extensions: { code: 'VALIDATION_FAILED', type: problemType('VALIDATION_FAILED'), status: 400 } },
      clientError: true,
    }
  }
  log.error({ err: original }, 'graphql resolver failed')
  return {
    formatted: {
      ...base,
      message: 'an internal error occurred',
      extensions: { code: 'INTERNAL', type: problemType('INTERNAL'), status: 500 },
    },
    clientError: false,
  }
}

function errorFormatter(execution: ExecutionResult & { errors: readonly GraphQLError[] }, ctx: MercuriusContext) {
  const log = ctx.reply?.log ?? ctx.app.log
  const flat = execution.errors.flatMap((e) => {
    // Mercurius's validation error carries the GraphQL errors in `errors`; an AppError's `errors` are its field errors.
    const nested = e.originalError instanceof AppError ? undefined : (e.originalError as { errors?: unknown })?.errors
    return Array.isArray(nested) ? nested.map((n) => (n instanceof GraphQLError ? n : new GraphQLError(String((n as Error).message)))) : [e]
  })
  const results = flat.map((e) => formatOne(e, log))
  const statusCode = execution.data ? 200 : results.some((r) => r.clientError) ? 400 : 200
  return { statusCode, response: { data: execution.data ?? null, errors: results.map((r) => r.formatted) } }
}

/**
 * Mercurius's own refusals of a request (no query, a persisted-query hash, variables or extensions
 * that are not JSON) carry an MER_ERR_ code and a 4xx status: the caller's to fix, never INTERNAL.
 */
function mercuriusRefusal(error: FastifyError, request: FastifyRequest): GraphQLError | null {
  if (!error.code?.startsWith('MER_ERR_') || (error.statusCode ?? 500) >= 500 || Array.isArray((error as { errors?: unknown }).errors))
    return null
  const params = (request.query ?? {}) as Record<string, unknown>
  const notJson = (['variables', 'extensions'] as const).filter((k) => typeof params[k] === 'string' && !parses(params[k] as string))
  const err = error.code.startsWith('MER_ERR_GQL_PERSISTED_QUERY')
    ? errors.validation('the request has no query: send the operation text as `query` (persisted queries are not supported)', [
        { pointer: '/query', detail: 'required' },
      ])
    : notJson.length
      ? errors.validation(
          'the variables and extensions parameters must be JSON',
          notJson.map((k) => ({ pointer: `/${k}`, detail: 'not valid JSON' })),
        )
      : errors.validation(error.message)
  return new GraphQLError(err.message, { extensions: toGraphQLExtensions(err) })
}

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

export default async function graphqlPlugin(app: FastifyInstance, opts: GraphqlOptions): Promise<void> {
  // Authentication failures are HTTP-level: answered as problem+json like every other route.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url?.startsWith('/graphiql')) return
    // A WebSocket upgrade carries its token in connection_init (browsers cannot set the header):
    // subscriptions authenticate it themselves, and nothing else runs over the socket.
    // Node marks a request it handed over as a protocol upgrade; an Upgrade header alone (on a plain
    // GET that would run a query) is not enough to skip authentication.
    if ((request.raw as { upgrade?: boolean }).upgrade === true) return
    await app.authenticate(request)
  })
  const records = recordResolvers(opts.services)
  const policy = policyResolvers(opts.services)
  const leads = leadResolvers(opts.services)
  const webhooks = webhookResolvers(opts.services)
  const subscriptions = subscriptionResolvers(app, opts.services)
  await app.register(mercurius, {
    schema: readSchema(),
    resolvers: {
      DateTime,
      JSON: JSONScalar,
      Query: { ...memberResolvers.Query, ...records.Query, ...policy.Query, ...leads.Query, ...webhooks.Query },
      Mutation: { ...records.Mutation, ...policy.Mutation, ...leads.Mutation, ...webhooks.Mutation },
      Subscription: subscriptions.Subscription,
      RecordRead: records.RecordRead,
    } as never,
    subscription: {
      // Refused at once without a token-shaped payload; each subscription authenticates the token.
      onConnect: ({ payload }: { payload?: SubscriptionContext['_connectionInit'] }) => connectionToken(payload ?? null) !== null,
      context: (socket: unknown, request: FastifyRequest) => ({ socket, request }),
      keepAlive: 15_000,
    },
    loaders: loaders(opts.clock) as never,
    // Mercurius's GraphiQL loads from a CDN; ours is served by src/rest/routes/docs.ts.
    graphiql: false,
    jit: 1,
    // Production hides the schema unless GRAPHQL_INTROSPECTION=true; __typename stays allowed.
    ...(opts.introspection ? {} : { validationRules: [NoSchemaIntrospectionCustomRule] }),
    errorFormatter: errorFormatter as never,
    errorHandler: async (error: FastifyError, request, reply) => {
      // Errors before GraphQL runs (authentication, body parsing, size) are HTTP problems.
      if (error instanceof AppError || error.code?.startsWith('FST_')) {
        const appErr = toAppError(error, opts.bodyLimit, request.headers['content-type'])
        if (appErr.code === 'INTERNAL') request.log.error({ err: error }, 'graphql transport error')
        return reply
          .code(appErr.status)
          .type('application/problem+json')
          .send(toProblem(appErr, request.url.split('?')[0]))
      }
      const gqlError =
        error instanceof GraphQLError
          ? error
          : (mercuriusRefusal(error, request) ?? new GraphQLError(error.message, { originalError: error }))
      const { statusCode, response } = errorFormatter({ errors: [gqlError] }, { reply, app } as unknown as MercuriusContext)
      return reply.code(statusCode).send(response)
    },
  })
  app.graphql.addHook('preParsing', async (_schema, source) => assertGraphQLText(source))
  app.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    const values = (variables ?? {}) as Record<string, unknown>
    assertQueryLimits(schema, document, values, { maxDepth: opts.maxDepth, maxCost: opts.maxCost, introspection: opts.introspection })
    assertStorableArguments(document, values)
  })
  // Subscriptions are held to the same text, depth and cost limits (mercurius has separate hooks for them).
  app.graphql.addHook('preSubscriptionParsing', async (_schema, source) => assertGraphQLText(source))
  app.graphql.addHook('preSubscriptionExecution', async (schema, document) => {
    assertQueryLimits(schema, document, {}, { maxDepth: opts.maxDepth, maxCost: opts.maxCost, introspection: opts.introspection })
    assertStorableArguments(document, {})
  })
}
