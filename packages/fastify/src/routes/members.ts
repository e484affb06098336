/**
 * Organization membership routes, SPEC §3: agents are members of an organization with role
 * `member` or `admin`.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

const tags = ['Organizations']

/**
 * Registers `POST|GET /organizations/:organizationId/members` and
 * `DELETE /organizations/:organizationId/members/:agentId`.
 *
 * @example
 * await scope.register(memberRoutes, { prefix: '/api/v1' })
 */
export const memberRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Params: { organizationId: string }; Body: schemas.AddMemberBody }>(
    '/organizations/:organizationId/members',
    {
      schema: {
        tags,
        summary: 'Add an agent to an organization',
        params: idParams('organizationId'),
        body: schemas.AddMemberBody,
        response: { 201: schemas.MemberView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const member = await app.idp.organizations.addMember(requireContext(req), req.params.organizationId, req.body)
      return reply.code(201).send(member)
    },
  )

  app.get<{ Params: { organizationId: string } }>(
    '/organizations/:organizationId/members',
    {
      schema: {
        tags,
        summary: 'List the members of an organization',
        params: idParams('organizationId'),
        response: {
          200: schemas.ItemsOf(schemas.MemberView),
          ...problemResponses,
        },
      },
    },
    async (req) => app.idp.organizations.listMembers(requireContext(req), req.params.organizationId),
  )

  app.delete<{ Params: { organizationId: string; agentId: string } }>(
    '/organizations/:organizationId/members/:agentId',
    {
      schema: {
        tags,
        summary: 'Remove an agent from an organization',
        params: idParams('organizationId', 'agentId'),
        response: { ...noContent, ...problemResponses },
      },
    },
    async (req, reply) => {
      await app.idp.organizations.removeMember(requireContext(req), req.params.organizationId, req.params.agentId)
      return reply.code(204).send()
    },
  )
}
