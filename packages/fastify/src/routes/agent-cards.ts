/**
 * Agent card route, SPEC §7: `GET /agents/{id}/card` (agents:read, the caller's organization) —
 * the AGNTCY-style card, `?format=a2a` for the A2A AgentCard, `?signed=true` for a compact JWS
 * (`application/jwt`, `typ: agent-card+jwt`) signed by the IdP and verifiable with its JWKS.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { idParams, openObject, problemResponses } from '../route-schemas.js'

/**
 * Registers `GET /agents/:agentId/card`.
 *
 * @example
 * await scope.register(agentCardRoutes, { prefix: '/api/v1' })
 */
export const agentCardRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { agentId: string }; Querystring: schemas.AgentCardQuery }>(
    '/agents/:agentId/card',
    {
      schema: {
        tags: ['Agent cards'],
        summary: 'The agent card (AGNTCY, or A2A with format=a2a); signed=true returns a JWS (application/jwt)',
        params: idParams('agentId'),
        querystring: schemas.AgentCardQuery,
        // Either card shape (see the AgentCard and A2AAgentCard components); documented, not filtered.
        response: { 200: openObject({ name: { type: 'string' }, version: { type: 'string' } }, ['name', 'version']), ...problemResponses },
      },
    },
    async (req, reply) => {
      const result = await app.idp.agentCards.get(requireContext(req), req.params.agentId, req.query)
      if (result.jws !== undefined) return reply.type('application/jwt').send(result.jws)
      return result.card
    },
  )
}
