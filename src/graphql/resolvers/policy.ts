// Policy, explanation, consent and event queries and mutations: thin calls into the services the
// REST routes under /v1/policy and /v1/access-requests use.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import type { AppServices } from '../../app.js'
import { accessRequestView, decideAccess, listRequests, requestAccess } from '../../policy/access-request.service.js'
import { dryRun, type DryRunInput, explainRecord } from '../../policy/explain.service.js'
import type { PolicyVersion } from '../../policy/policy.repository.js'
import { activatePolicy, checkPolicy, getActivePolicy, listPolicyVersions, proposePolicy } from '../../policy/policy.service.js'
import { readEvents } from '../../webhooks/event.service.js'
import { nullIfNotFound } from './records.js'

const versionView = (v: PolicyVersion) => ({ ...v })

export function policyResolvers(deps: () => AppServices) {
  const who = (ctx: MercuriusContext) => principalOf(ctx.reply.request)
  return {
    Query: {
      policy: async (_: unknown, __: unknown, ctx: MercuriusContext) => versionView(await getActivePolicy(ctx.app.db, who(ctx).member)),
      policyVersions: async (_: unknown, __: unknown, ctx: MercuriusContext) =>
        (await listPolicyVersions(ctx.app.db, who(ctx).member)).map(versionView),
      validatePolicy(_: unknown, args: { text: string }, ctx: MercuriusContext) {
        const problems = checkPolicy(who(ctx).member, args.text, deps().memberCodes)
        return { valid: problems.length === 0, problems }
      },
      policyDryRun: (_: unknown, args: { input: DryRunInput }, ctx: MercuriusContext) => dryRun(ctx.app.db, deps(), who(ctx), args.input),
      recordDisclosure: (
        _: unknown,
        args: { originator: string; id: string; recipient?: string | null; roles?: string[] | null; purpose?: string | null },
        ctx: MercuriusContext,
      ) => nullIfNotFound(explainRecord(deps(), who(ctx), { originator: args.originator, id: args.id }, args)),
      async accessRequests(_: unknown, args: { as: 'REQUESTER' | 'ORIGINATOR'; status?: string | null }, ctx: MercuriusContext) {
        const side = args.as === 'REQUESTER' ? 'requester' : 'originator'
        return (await listRequests(ctx.app.db, deps().now, who(ctx), side, args.status)).map(accessRequestView)
      },
      events: (_: unknown, args: { after?: string | null; limit: number }, ctx: MercuriusContext) =>
        readEvents(ctx.app.db, deps(), who(ctx), args),
    },
    Mutation: {
      createPolicyVersion: async (_: unknown, args: { text: string }, ctx: MercuriusContext) =>
        versionView(await proposePolicy(ctx.app.db, deps(), who(ctx), args.text)),
      activatePolicyVersion: async (_: unknown, args: { version: number }, ctx: MercuriusContext) =>
        versionView(await activatePolicy(ctx.app.db, deps().now, who(ctx), args.version)),
      async requestAccess(
        _: unknown,
        args: { originator: string; recordId: string; fields?: string[] | null; justification: string; purpose: string },
        ctx: MercuriusContext,
      ) {
        const input = { justification: args.justification, purpose: args.purpose, ...(args.fields ? { fields: args.fields } : {}) }
        return accessRequestView(
          await requestAccess(ctx.app.db, deps(), who(ctx), { originator: args.originator, id: args.recordId }, input),
        )
      },
      async decideAccessRequest(
        _: unknown,
        args: { id: string; decision: 'APPROVE' | 'DENY'; fields?: string[] | null; expiresAt?: Date | null; reason?: string | null },
        ctx: MercuriusContext,
      ) {
        const input = {
          decision: args.decision === 'APPROVE' ? ('approve' as const) : ('deny' as const),
          ...(args.fields ? { fields: args.fields } : {}),
          ...(args.expiresAt ? { expiresAt: args.expiresAt.toISOString() } : {}),
          ...(args.reason ? { reason: args.reason } : {}),
        }
        return accessRequestView(await decideAccess(ctx.app.db, deps().now, who(ctx), args.id, input))
      },
    },
  }
}
