/**
 * `/operators` (under the REST prefix): invitations, operators and their passkeys. Callers are
 * agents with a bearer token or operators with a console session; the role's authority bounds
 * every change. Platform administrators (`admin:orgs`) address another organization with
 * `organizationId` (body of an invitation, query of the lists) and any operator by id.
 *
 * @module
 */
import { ItemsOf, idParams, noContent, problemResponses, requireContext } from '@sentryagent/fastify'
import type { Static } from '@sinclair/typebox'
import type {} from '@fastify/swagger'
import type { FastifyPluginAsync } from 'fastify'
import type { OperatorService } from '../operators.js'
import { CreatedInvitation, InvitationView, NewInvitation, OperatorPatch, OperatorView, OrganizationQuery, PasskeyView } from '../schemas.js'

const tags = ['Operators']

export function operatorRoutes(service: () => OperatorService): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Static<typeof NewInvitation> }>(
      '/operators/invitations',
      {
        config: { scopes: ['operators:write'] },
        schema: {
          tags,
          summary: 'Invite an operator: a one-time link (24 h) to register a passkey',
          body: NewInvitation,
          response: { 201: CreatedInvitation, ...problemResponses },
        },
      },
      async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await service().invite(requireContext(req), req.body)),
    )
    app.get<{ Querystring: Static<typeof OrganizationQuery> }>(
      '/operators/invitations',
      {
        config: { scopes: ['operators:read'] },
        schema: { tags, summary: 'Pending invitations of the caller’s organization (platform administrators may name one)', querystring: OrganizationQuery, response: { 200: ItemsOf(InvitationView), ...problemResponses } },
      },
      async (req) => ({ items: await service().listInvitations(requireContext(req), req.query) }),
    )
    app.delete<{ Params: { invitationId: string } }>(
      '/operators/invitations/:invitationId',
      {
        config: { scopes: ['operators:write'] },
        schema: { tags, summary: 'Revoke a pending invitation', params: idParams('invitationId'), response: { ...noContent, ...problemResponses } },
      },
      async (req, reply) => {
        await service().revokeInvitation(requireContext(req), req.params.invitationId)
        return reply.code(204).send()
      },
    )
    app.get<{ Querystring: Static<typeof OrganizationQuery> }>(
      '/operators',
      {
        config: { scopes: ['operators:read'] },
        schema: { tags, summary: 'Operators of the caller’s organization (platform administrators may name one)', querystring: OrganizationQuery, response: { 200: ItemsOf(OperatorView), ...problemResponses } },
      },
      async (req) => ({ items: await service().list(requireContext(req), req.query) }),
    )
    app.get<{ Params: { operatorId: string } }>(
      '/operators/:operatorId',
      { config: { scopes: ['operators:read'] }, schema: { tags, summary: 'One operator', params: idParams('operatorId'), response: { 200: OperatorView, ...problemResponses } } },
      async (req) => service().get(requireContext(req), req.params.operatorId),
    )
    app.patch<{ Params: { operatorId: string }; Body: Static<typeof OperatorPatch> }>(
      '/operators/:operatorId',
      {
        schema: {
          tags,
          summary: 'Rename an operator (anyone, themselves), change its role or disable it (within the caller’s authority)',
          params: idParams('operatorId'),
          body: OperatorPatch,
          response: { 200: OperatorView, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = requireContext(req)
        const renameSelf = req.body.role === undefined && req.body.status === undefined && ctx.auth.agentId === `operator:${req.params.operatorId}`
        if (!renameSelf) req.server.idp.requireScope(ctx, 'operators:write')
        return service().update(ctx, req.params.operatorId, req.body)
      },
    )
    app.delete<{ Params: { operatorId: string } }>(
      '/operators/:operatorId',
      {
        schema: { tags, summary: 'Remove an operator (its passkeys and sessions end)', params: idParams('operatorId'), response: { ...noContent, ...problemResponses } },
      },
      async (req, reply) => {
        const ctx = requireContext(req)
        if (ctx.auth.agentId !== `operator:${req.params.operatorId}`) req.server.idp.requireScope(ctx, 'operators:write')
        await service().remove(ctx, req.params.operatorId)
        return reply.code(204).send()
      },
    )
    app.get<{ Params: { operatorId: string } }>(
      '/operators/:operatorId/passkeys',
      { schema: { tags, summary: 'Passkeys of an operator', params: idParams('operatorId'), response: { 200: ItemsOf(PasskeyView), ...problemResponses } } },
      async (req) => ({ items: await service().passkeys(requireContext(req), req.params.operatorId) }),
    )
    app.delete<{ Params: { operatorId: string; passkeyId: string } }>(
      '/operators/:operatorId/passkeys/:passkeyId',
      { schema: { tags, summary: 'Remove a passkey (not the last one)', params: idParams('operatorId', 'passkeyId'), response: { ...noContent, ...problemResponses } } },
      async (req, reply) => {
        await service().removePasskey(requireContext(req), req.params.operatorId, req.params.passkeyId)
        return reply.code(204).send()
      },
    )
  }
}
