/**
 * Audit routes, SPEC §9: the organization's hash-chained event log and its verification. Core
 * enforces `audit:read` and scopes both to the caller's organization.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { idParams, problemResponses } from '../route-schemas.js'
import { Readable } from 'node:stream'

const tags = ['Audit']

/** `?from=&to=&full=` of `GET /audit/verify`: inclusive sequence numbers; a range is always verified in full. */
const VerifyQuery = {
  type: 'object',
  properties: {
    from: { type: 'integer', minimum: 1, description: 'First sequence number to check (inclusive).' },
    to: { type: 'integer', minimum: 1, description: 'Last sequence number to check (inclusive).' },
    full: {
      type: 'boolean',
      description: 'Recompute every event instead of starting from the newest signed checkpoint (the default without a range).',
    },
  },
  additionalProperties: false,
} as const
type VerifyQuery = { from?: number; to?: number; full?: boolean }

/** Options of {@link auditRoutes}. */
export interface AuditRoutesOptions {
  /** Told the result of every verification (metrics). */
  onVerified?: (verified: boolean) => void
}

/**
 * Registers `GET /audit` and `GET /audit/verify`.
 *
 * @example
 * await scope.register(auditRoutes, { prefix: '/api/v1' })
 */
export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, opts) => {
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
        description:
          'Incremental by default: from the newest signed checkpoint (its sealed event recomputed) to the head. `full=true` or a `from`/`to` range recomputes every event. 30 calls a minute per organization; concurrent calls share one computation; 429 with `Retry-After` when the server already runs and queues as many verifications as it allows.',
        querystring: VerifyQuery,
        response: { 200: schemas.AuditVerifyView, ...problemResponses },
      },
    },
    async (req) => {
      const result = await app.idp.audit.verify(requireContext(req), { from: req.query.from, to: req.query.to, full: req.query.full })
      opts.onVerified?.(result.verified)
      return result
    },
  )

  app.post(
    '/audit/checkpoints',
    {
      schema: {
        tags,
        summary: 'Sign a checkpoint of the current audit head',
        response: { 201: schemas.AuditCheckpointView, ...problemResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await app.idp.audit.createCheckpoint(requireContext(req))),
  )

  app.get(
    '/audit/checkpoints/latest',
    {
      schema: {
        tags,
        summary: 'The newest signed checkpoint of the audit log',
        response: { 200: schemas.AuditCheckpointView, ...problemResponses },
      },
    },
    async (req) => app.idp.audit.latestCheckpoint(requireContext(req)),
  )

  app.get<{ Params: { size: number } }>(
    '/audit/checkpoints/:size',
    {
      schema: {
        tags,
        summary: 'The newest checkpoint of exactly this size (e.g. a retention anchor)',
        params: { type: 'object', properties: { size: { type: 'integer', minimum: 0 } }, required: ['size'], additionalProperties: false },
        response: { 200: schemas.AuditCheckpointView, ...problemResponses },
      },
    },
    async (req) => app.idp.audit.checkpointOfSize(requireContext(req), req.params.size),
  )

  app.get<{ Params: { eventId: string }; Querystring: { size?: number } }>(
    '/audit/events/:eventId/proof',
    {
      schema: {
        tags,
        summary: 'What a checkpoint holder needs to verify one event offline',
        params: idParams('eventId'),
        querystring: {
          type: 'object',
          properties: { size: { type: 'integer', minimum: 1, description: 'Size of the checkpoint you hold.' } },
          additionalProperties: false,
        },
        response: { 200: schemas.AuditProofView, ...problemResponses },
      },
    },
    async (req) => app.idp.audit.proof(requireContext(req), req.params.eventId, req.query.size),
  )

  app.get<{ Querystring: VerifyQuery }>(
    '/audit/export',
    {
      schema: {
        tags,
        summary: 'Export audit events as NDJSON (one event per line, seq order)',
        querystring: VerifyQuery,
        response: { 200: { description: 'application/x-ndjson stream of audit events', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }, ...problemResponses },
      },
    },
    async (req, reply) => {
      const ctx = requireContext(req)
      const events = app.idp.audit.export(ctx, { from: req.query.from, to: req.query.to })
      // Pull the first batch before committing to 200, so that authorization errors render normally.
      const iterator = events[Symbol.asyncIterator]()
      const first = await iterator.next()
      async function* lines() {
        if (first.done === true) return
        yield `${JSON.stringify(first.value)}\n`
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield `${JSON.stringify(next.value)}\n`
      }
      return reply.type('application/x-ndjson').send(Readable.from(lines()))
    },
  )
}
