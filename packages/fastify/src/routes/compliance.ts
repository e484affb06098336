/**
 * Compliance routes, SPEC §11: the organization's report (audit:read), its agents' cards
 * (agents:read), and the public catalogue of controls (limited per client address, cacheable for 60 s).
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { problemResponses } from '../route-schemas.js'

const tags = ['Compliance']

/**
 * Registers `GET /compliance/report`, `GET /compliance/agent-cards` and `GET /compliance/controls`.
 *
 * @example
 * await scope.register(complianceRoutes, { prefix: '/api/v1' })
 */
export const complianceRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/compliance/report',
    {
      schema: {
        tags,
        summary: 'Compliance report of the caller’s organization: DIDs, keys, cards, audit chain → agntcyConformance',
        response: { 200: schemas.ComplianceReportView, ...problemResponses },
      },
    },
    async (req) => app.idp.compliance.report(requireContext(req)),
  )

  app.get<{ Querystring: schemas.ComplianceAgentCardsQuery }>(
    '/compliance/agent-cards',
    {
      schema: {
        tags,
        summary: 'AGNTCY cards of the caller’s organization’s agents',
        querystring: schemas.ComplianceAgentCardsQuery,
        response: { 200: schemas.PageOf(schemas.AgentCardView), ...problemResponses },
      },
    },
    async (req) => app.idp.compliance.agentCards(requireContext(req), req.query),
  )

  app.get(
    '/compliance/controls',
    {
      config: { public: true, rateLimit: 'public' },
      schema: {
        tags,
        summary: 'Controls this identity provider implements (public)',
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: schemas.ComplianceControlView } },
            required: ['items'],
            additionalProperties: false,
          },
          ...problemResponses,
        },
      },
    },
    async (_req, reply) => {
      // The catalogue is static for a given version: shared caches may keep it a minute.
      void reply.header('cache-control', 'public, max-age=60')
      return app.idp.compliance.controls()
    },
  )
}
