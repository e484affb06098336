/**
 * Public marketplace routes, SPEC §7: read-only search over agents their organization published
 * (`isPublic`), active, of active organizations. No token; the view holds nothing private. Limited
 * per client address (`publicPerIp`).
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { idParams, problemResponses } from '../route-schemas.js'

const tags = ['Marketplace']
const config = { public: true, rateLimit: 'public' as const }

/**
 * Registers `GET /marketplace/agents` and `GET /marketplace/agents/:agentId`.
 *
 * @example
 * await scope.register(marketplaceRoutes, { prefix: '/api/v1' })
 */
export const marketplaceRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: schemas.MarketplaceQuery }>(
    '/marketplace/agents',
    {
      config,
      schema: {
        tags,
        summary: 'Search public agents (q, capability, publisher = organization slug)',
        querystring: schemas.MarketplaceQuery,
        response: { 200: schemas.PageOf(schemas.MarketplaceAgentView), ...problemResponses },
      },
    },
    async (req) => app.idp.marketplace.search(req.query),
  )

  app.get<{ Params: { agentId: string } }>(
    '/marketplace/agents/:agentId',
    {
      config,
      schema: {
        tags,
        summary: 'A public agent (404 unless public and active)',
        params: idParams('agentId'),
        response: { 200: schemas.MarketplaceAgentView, ...problemResponses },
      },
    },
    async (req) => app.idp.marketplace.get(req.params.agentId),
  )
}
