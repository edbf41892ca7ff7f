// Members, their JWKS, and key rotation by the member's own admin. Thin: parse, call the service, shape.
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../../auth/plugin.js'
import type { Clock } from '../../clock.js'
import { publicJwks } from '../../members/jwks.js'
import { getMember, listMembers, memberKeys, registerKeyBySignedRequest, retireKey, revokeKey } from '../../members/member.service.js'
import { memberKeyView, memberView } from '../../members/member.view.js'
import type { components } from '@icacn/sdk/contract'
import type { Contract } from '../contract.js'

type S = components['schemas']
type CodeParams = { code: string }
type KeyParams = { code: string; kid: string }

export default async function memberRoutes(
  app: FastifyInstance,
  opts: { contract: Contract; issuer: string; clock: Clock },
): Promise<void> {
  const { contract, clock } = opts
  app.route<{ Reply: { members: S['Member'][] } }>({
    ...contract.route('listMembers'),
    handler: async () => ({ members: (await listMembers(app.db)).map(memberView) }),
  })
  app.route<{ Params: CodeParams; Reply: S['Member'] }>({
    ...contract.route('getMember'),
    handler: async (request) => memberView(await getMember(app.db, request.params.code)),
  })
  app.route<{ Params: CodeParams; Reply: S['Jwks'] }>({
    ...contract.route('getMemberJwks'),
    handler: async (request) => publicJwks(await memberKeys(app.db, request.params.code)) as S['Jwks'],
  })
  app.route<{ Params: CodeParams; Reply: { keys: S['MemberKey'][] } }>({
    ...contract.route('listMemberKeys'),
    handler: async (request) => {
      const now = clock()
      return { keys: (await memberKeys(app.db, request.params.code)).map((k) => memberKeyView(k, now) as S['MemberKey']) }
    },
  })
  app.route<{ Params: CodeParams; Body: { request: string }; Reply: S['MemberKey'] }>({
    ...contract.route('registerMemberKey'),
    handler: async (request, reply) => {
      const now = clock()
      const key = await registerKeyBySignedRequest(
        app.db,
        principalOf(request),
        request.params.code,
        request.body.request,
        opts.issuer,
        now,
      )
      return reply.code(201).send(memberKeyView(key, now) as S['MemberKey'])
    },
  })
  app.route<{ Params: KeyParams; Reply: S['MemberKey'] }>({
    ...contract.route('retireMemberKey'),
    handler: async (request) => {
      const now = clock()
      return memberKeyView(
        await retireKey(app.db, principalOf(request), request.params.code, request.params.kid, now),
        now,
      ) as S['MemberKey']
    },
  })
  app.route<{ Params: KeyParams; Body: { reason: string }; Reply: S['MemberKey'] }>({
    ...contract.route('revokeMemberKey'),
    handler: async (request) => {
      const now = clock()
      const key = await revokeKey(app.db, principalOf(request), request.params.code, request.params.kid, request.body.reason, now)
      return memberKeyView(key, now) as S['MemberKey']
    },
  })
}
