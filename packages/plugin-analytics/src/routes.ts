/**
 * The Fastify half: `GET /analytics/tokens`, `/analytics/agents/activity`, `/analytics/agents/usage`
 * and `/analytics/summary` under the binding's prefix, scope `analytics:read`, the caller's
 * organization only. Inherits the binding's validation (out-of-range values → 400), auth, rate
 * limits and error handler.
 *
 * @module
 */
import type {} from '@fastify/swagger' // `tags` and `summary` of route schemas
import { problemResponses, requireContext } from '@sentryagent/fastify'
import type { FastifyPluginAsync } from 'fastify'
import { ActivityView, DaysQuery, SummaryView, TokenSeriesView, UsageQuery, UsageView } from './schemas.js'
import type { AnalyticsService } from './service.js'

const tags = ['Analytics']
const config = { scopes: ['analytics:read'] }

/** The routes over `service()` (resolved per request: the IdP initialises the extension first). */
export function analyticsRoutes(service: () => AnalyticsService): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: DaysQuery }>(
      '/analytics/tokens',
      {
        config,
        schema: {
          tags,
          summary: 'Tokens issued and exchanged, and failed authentications, per UTC day (zero-filled)',
          querystring: DaysQuery,
          response: { 200: TokenSeriesView, ...problemResponses },
        },
      },
      async (req) => service().tokens(requireContext(req), req.query),
    )
    app.get<{ Querystring: DaysQuery }>(
      '/analytics/agents/activity',
      {
        config,
        schema: {
          tags,
          summary: 'Agent activity by UTC day of week × hour (heatmap)',
          querystring: DaysQuery,
          response: { 200: ActivityView, ...problemResponses },
        },
      },
      async (req) => service().activity(requireContext(req), req.query),
    )
    app.get<{ Querystring: UsageQuery }>(
      '/analytics/agents/usage',
      {
        config,
        schema: {
          tags,
          summary: 'Per agent: tokens, API calls, failed authentications and last activity over a range (≤ 90 days)',
          querystring: UsageQuery,
          response: { 200: UsageView, ...problemResponses },
        },
      },
      async (req) => service().usage(requireContext(req), req.query),
    )
    app.get(
      '/analytics/summary',
      {
        config,
        schema: { tags, summary: 'Dashboard totals: last 24 hours, last 30 days, active agents', response: { 200: SummaryView, ...problemResponses } },
      },
      async (req) => service().summary(requireContext(req)),
    )
  }
}
