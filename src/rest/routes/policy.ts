// A member's own release policy (read, validate, dry-run, propose, activate), its consent requests
// and its event feed. Thin: the services decide and audit.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import { accessRequestView, decideAccess, getRequest, listRequests, type AccessDecisionInput } from '../../policy/access-request.service.js'
import { dryRun, type DryRunInput } from '../../policy/explain.service.js'
import { loadCedarSchema } from '../../policy/cedar.js'
import type { PolicyVersion } from '../../policy/policy.repository.js'
import {
  activatePolicy,
  checkPolicy,
  getActivePolicy,
  getPolicyVersion,
  listPolicyVersions,
  proposePolicy,
} from '../../policy/policy.service.js'
import type { AppServices } from '../../app.js'
import { readEvents } from '../../webhooks/event.service.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type S = components['schemas']

export interface PolicyRouteOptions {
  contract: Contract
  deps: () => AppServices
}

const versionView = (v: PolicyVersion): S['PolicyVersion'] => ({
  version: v.version,
  text: v.text,
  author: v.author,
  createdAt: v.createdAt.toISOString(),
  active: v.active,
  activatedAt: v.activatedAt?.toISOString() ?? null,
})

export default async function policyRoutes(app: FastifyInstance, opts: PolicyRouteOptions): Promise<void> {
  const { contract, deps } = opts
  const cedarSchema = loadCedarSchema()
  app.route({
    ...contract.route('getActivePolicy'),
    handler: async (request) => ({ policy: versionView(await getActivePolicy(app.db, principalOf(request).member)), schema: cedarSchema }),
  })
  app.route({
    ...contract.route('listPolicyVersions'),
    handler: async (request) => ({ versions: (await listPolicyVersions(app.db, principalOf(request).member)).map(versionView) }),
  })
  app.route<{ Params: { version: number } }>({
    ...contract.route('getPolicyVersion'),
    handler: async (request) => versionView(await getPolicyVersion(app.db, principalOf(request).member, request.params.version)),
  })
  app.route<{ Body: { text: string } }>({
    ...contract.route('createPolicyVersion'),
    handler: async (request, reply) =>
      reply.code(201).send(versionView(await proposePolicy(app.db, deps(), principalOf(request), request.body.text))),
  })
  app.route<{ Params: { version: number } }>({
    ...contract.route('activatePolicyVersion'),
    handler: async (request) => versionView(await activatePolicy(app.db, deps().now, principalOf(request), request.params.version)),
  })
  app.route<{ Body: { text: string } }>({
    ...contract.route('validatePolicy'),
    handler: async (request) => {
      const problems = checkPolicy(principalOf(request).member, request.body.text, deps().memberCodes)
      return { valid: problems.length === 0, problems }
    },
  })
  app.route<{ Body: DryRunInput }>({
    ...contract.route('dryRunPolicy'),
    handler: async (request) => dryRun(app.db, deps(), principalOf(request), request.body),
  })

  app.route<{ Querystring: { as: 'requester' | 'originator'; status?: string } }>({
    ...contract.route('listAccessRequests'),
    handler: async (request) => ({
      items: (await listRequests(app.db, deps().now, principalOf(request), request.query.as, request.query.status)).map(accessRequestView),
    }),
  })
  app.route<{ Params: { requestId: string } }>({
    ...contract.route('getAccessRequest'),
    handler: async (request) => accessRequestView(await getRequest(app.db, deps().now, principalOf(request), request.params.requestId)),
  })
  app.route<{ Params: { requestId: string }; Body: AccessDecisionInput }>({
    ...contract.route('decideAccessRequest'),
    handler: async (request) =>
      accessRequestView(await decideAccess(app.db, deps().now, principalOf(request), request.params.requestId, request.body)),
  })
  app.route<{ Querystring: { after?: string; limit?: number } }>({
    ...contract.route('listEvents'),
    handler: async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await readEvents(app.db, deps(), principalOf(request), request.query)),
  })
}
