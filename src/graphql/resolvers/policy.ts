// Policy, explanation, consent and event queries and mutations: thin calls into the services the
// REST routes under /v1/policy and /v1/access-requests use.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import { parsePurpose, parseRoles, requireRole } from '../../auth/principal.js'
import { AppError } from '../../errors.js'
import { accessRequestView, decideAccess, listRequests, requestAccess } from '../../policy/access-request.service.js'
import type { AccessStatus } from '../../policy/access-request.repository.js'
import { dryRun, type DryRunInput, explainRecord } from '../../policy/explain.service.js'
import type { PolicyVersion } from '../../policy/policy.repository.js'
import { activatePolicy, checkPolicy, getActivePolicy, listPolicyVersions, proposePolicy } from '../../policy/policy.service.js'
import type { RecordDeps } from '../../records/record.service.js'
import { listEvents, parseSeq } from '../../webhooks/event.repository.js'

const versionView = (v: PolicyVersion) => ({ ...v })
const STATUSES = ['pending', 'approved', 'denied', 'lapsed']

export function policyResolvers(deps: () => RecordDeps) {
  const who = (ctx: MercuriusContext) => principalOf(ctx.reply.request)
  const actor = (ctx: MercuriusContext) => ({ kind: 'member' as const, member: who(ctx).member, actor: who(ctx).actor })
  return {
    Query: {
      policy: async (_: unknown, __: unknown, ctx: MercuriusContext) => versionView(await getActivePolicy(ctx.app.db, who(ctx).member)),
      policyVersions: async (_: unknown, __: unknown, ctx: MercuriusContext) => (await listPolicyVersions(ctx.app.db, who(ctx).member)).map(versionView),
      validatePolicy(_: unknown, args: { text: string }, ctx: MercuriusContext) {
        const problems = checkPolicy(who(ctx).member, args.text, deps().memberCodes)
        return { valid: problems.length === 0, problems }
      },
      policyDryRun: (_: unknown, args: { input: DryRunInput }, ctx: MercuriusContext) => dryRun(ctx.app.db, deps(), who(ctx), args.input),
      async recordDisclosure(_: unknown, args: { id: string; recipient?: string | null; roles?: string[] | null; purpose?: string | null }, ctx: MercuriusContext) {
        const onBehalf = args.recipient || args.roles || args.purpose ? { member: args.recipient ?? who(ctx).member, roles: parseRoles(args.roles ?? ['analyst']), purpose: parsePurpose(args.purpose) } : null
        try {
          return await explainRecord(ctx.app.db, deps(), who(ctx), args.id, onBehalf)
        } catch (e) {
          if (e instanceof AppError && e.code === 'RECORD_NOT_FOUND') return null // as record(id)
          throw e
        }
      },
      async accessRequests(_: unknown, args: { as: 'REQUESTER' | 'ORIGINATOR'; status?: string | null }, ctx: MercuriusContext) {
        if (args.status && !STATUSES.includes(args.status)) throw new AppError('VALIDATION_FAILED', `status must be one of ${STATUSES.join(', ')}`)
        const side = args.as === 'REQUESTER' ? 'requester' : 'originator'
        return (await listRequests(ctx.app.db, deps().now, who(ctx), side, (args.status ?? undefined) as AccessStatus | undefined)).map(accessRequestView)
      },
      async events(_: unknown, args: { after?: string | null; limit: number }, ctx: MercuriusContext) {
        if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > 500) throw new AppError('VALIDATION_FAILED', 'limit must be 1 to 500')
        return listEvents(ctx.app.db, who(ctx).member, parseSeq(args.after), args.limit)
      },
    },
    Mutation: {
      async createPolicyVersion(_: unknown, args: { text: string }, ctx: MercuriusContext) {
        requireRole(who(ctx), 'admin')
        return versionView(await proposePolicy(ctx.app.db, who(ctx).member, args.text, actor(ctx), deps().memberCodes, deps().now))
      },
      async activatePolicyVersion(_: unknown, args: { version: number }, ctx: MercuriusContext) {
        requireRole(who(ctx), 'admin')
        return versionView(await activatePolicy(ctx.app.db, who(ctx).member, args.version, actor(ctx), deps().now))
      },
      async requestAccess(_: unknown, args: { recordId: string; fields?: string[] | null; justification: string; purpose: string }, ctx: MercuriusContext) {
        const input = { justification: args.justification, purpose: args.purpose, ...(args.fields ? { fields: args.fields } : {}) }
        return accessRequestView(await requestAccess(ctx.app.db, deps(), who(ctx), args.recordId, input))
      },
      async decideAccessRequest(_: unknown, args: { id: string; decision: 'APPROVE' | 'DENY'; fields?: string[] | null; expiresAt?: Date | null; reason?: string | null }, ctx: MercuriusContext) {
        const input = { decision: args.decision === 'APPROVE' ? ('approve' as const) : ('deny' as const), ...(args.fields ? { fields: args.fields } : {}), ...(args.expiresAt ? { expiresAt: args.expiresAt.toISOString() } : {}), ...(args.reason ? { reason: args.reason } : {}) }
        return accessRequestView(await decideAccess(ctx.app.db, deps().now, who(ctx), args.id, input))
      },
    },
  }
}
