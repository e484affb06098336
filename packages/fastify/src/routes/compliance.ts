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
    async (req, reply) => {
      // Reused by the IdP for 30 s; private: it describes one organization.
      void reply.header('cache-control', 'private, max-age=30')
      return app.idp.compliance.report(requireContext(req))
    },
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
        summary: 'Controls this identity provider implements, each with its live status, evidence and SOC 2 mappings (public)',
        response: {
          200: schemas.ItemsOf(schemas.LiveComplianceControlView),
          ...problemResponses,
        },
      },
    },
    async (_req, reply) => {
      // Statuses come from the periodic check run (platform-wide figures only): shared caches may keep them a minute.
      void reply.header('cache-control', 'public, max-age=60')
      return app.idp.compliance.controls()
    },
  )
}
