/**
 * Audit routes, SPEC §9: the organization's hash-chained event log and its verification. Core
 * enforces `audit:read` and scopes both to the caller's organization.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { problemResponses } from '../route-schemas.js'

const tags = ['Audit']

/** `?from=&to=` of `GET /audit/verify`: inclusive sequence numbers. */
const VerifyQuery = {
  type: 'object',
  properties: {
    from: { type: 'integer', minimum: 1, description: 'First sequence number to check (inclusive).' },
    to: { type: 'integer', minimum: 1, description: 'Last sequence number to check (inclusive).' },
  },
  additionalProperties: false,
} as const
type VerifyQuery = { from?: number; to?: number }

/**
 * Registers `GET /audit` and `GET /audit/verify`.
 *
 * @example
 * await scope.register(auditRoutes, { prefix: '/api/v1' })
 */
export const auditRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: schemas.ListAuditQuery }>(
    '/audit',
    {
      schema: {
        tags,
        summary: 'List audit events of the caller’s organization',
        querystring: schemas.ListAuditQuery,
        response: { 200: schemas.PageOf(schemas.AuditEventView), ...problemResponses },
      },
    },
    async (req) => app.idp.audit.list(requireContext(req), req.query),
  )

  app.get<{ Querystring: VerifyQuery }>(
    '/audit/verify',
    {
      schema: {
        tags,
        summary: 'Verify the integrity of the audit hash chain',
        querystring: VerifyQuery,
        response: { 200: schemas.AuditVerifyView, ...problemResponses },
      },
    },
    async (req) => app.idp.audit.verify(requireContext(req), { from: req.query.from, to: req.query.to }),
  )
}
