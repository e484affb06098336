/**
 * `GET /agent-info`, SPEC §6: the authenticated agent's identity claims. A Bearer-protected protocol
 * endpoint, so its errors are RFC 6750 / RFC 6749 JSON rather than problem+json.
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { oauthErrorResponses, openObject } from '../route-schemas.js'

const str = { type: 'string' } as const

/**
 * Registers `GET /agent-info`.
 *
 * @example
 * await scope.register(agentInfoRoute)
 */
export const agentInfoRoute: FastifyPluginAsync = async (app) => {
  app.get(
    '/agent-info',
    {
      config: { oauth: true },
      schema: {
        tags: ['OAuth 2.0'],
        summary: 'Identity claims of the authenticated agent',
        response: {
          200: openObject(
            {
              sub: str,
              agent_id: str,
              organization_id: str,
              client_id: str,
              scope: str,
              name: str,
              agent_type: str,
              version: str,
              did: str,
              status: str,
            },
            ['sub', 'agent_id', 'organization_id', 'client_id', 'scope'],
          ),
          ...oauthErrorResponses,
        },
      },
    },
    async (req, reply) => {
      void reply.header('cache-control', 'no-store')
      return app.idp.agentInfo(requireContext(req))
    },
  )
}
