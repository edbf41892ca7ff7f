// Query resolvers for the caller and members: thin calls into the member service.
import type { MercuriusContext } from 'mercurius'
import { principalOf } from '../../auth/plugin.js'
import { findMember } from '../../members/member.repository.js'
import { getMember, listMembers } from '../../members/member.service.js'
import { memberView } from '../../members/member.view.js'

export const memberResolvers = {
  Query: {
    async me(_: unknown, _args: unknown, ctx: MercuriusContext) {
      const p = principalOf(ctx.reply.request)
      const member = await getMember(ctx.app.db, p.member)
      return { member: memberView(member), actor: p.actor, roles: p.roles, purpose: p.purpose, expiresAt: p.expiresAt.toISOString() }
    },
    async members(_: unknown, _args: unknown, ctx: MercuriusContext) {
      return (await listMembers(ctx.app.db)).map(memberView)
    },
    async member(_: unknown, args: { code: string }, ctx: MercuriusContext) {
      const m = await findMember(ctx.app.db, args.code)
      return m ? memberView(m) : null
    },
  },
}
