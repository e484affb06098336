/**
 * Public DID routes, SPEC §7: the agent's did:web document where did:web resolvers look
 * (`/agents/{agentId}/did.json`, at the root, not under the REST prefix) and under the REST prefix,
 * the W3C DID Resolution result, and the instance DID document at `/.well-known/did.json`. No token:
 * DIDs are public by design, limited per client address (`publicPerIp`). Adding or removing a key
 * shows at once (short cache lifetime).
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { idParams, problemResponses } from '../route-schemas.js'

/** Options of {@link didRoutes}. */
export interface DidRoutesOptions {
  /** REST prefix of `/agents/{id}/did` and `/agents/{id}/did/resolve`. */
  restPrefix: string
}

const tags = ['DIDs']
const config = { public: true, rateLimit: 'public' as const }
const DID_JSON = 'application/did+ld+json; charset=utf-8'
// Keys added or removed must show up promptly in every resolver.
const CACHE = 'public, max-age=0, must-revalidate'
const params = idParams('agentId')

/**
 * Registers `GET /agents/:agentId/did.json`, `GET <restPrefix>/agents/:agentId/did`,
 * `GET <restPrefix>/agents/:agentId/did/resolve` and `GET /.well-known/did.json`.
 *
 * @example
 * await scope.register(didRoutes, { restPrefix: '/api/v1' })
 */
export const didRoutes: FastifyPluginAsync<DidRoutesOptions> = async (app, opts) => {
  for (const url of ['/agents/:agentId/did.json', `${opts.restPrefix}/agents/:agentId/did`]) {
    app.get<{ Params: { agentId: string } }>(
      url,
      {
        config,
        schema: {
          tags,
          summary: 'The agent’s did:web document (410 once decommissioned)',
          params,
          response: { 200: schemas.DidDocument, ...problemResponses },
        },
      },
      async (req, reply) => {
        const doc = await app.idp.dids.agentDocument(req.params.agentId)
        return reply.type(DID_JSON).header('cache-control', CACHE).send(doc)
      },
    )
  }

  app.get<{ Params: { agentId: string } }>(
    `${opts.restPrefix}/agents/:agentId/did/resolve`,
    {
      config,
      schema: {
        tags,
        summary: 'W3C DID Resolution result of the agent’s DID (410 with `deactivated: true` once decommissioned)',
        params,
        response: { 200: schemas.DidResolutionResult, 410: schemas.DidResolutionResult, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { status, result } = await app.idp.dids.resolve(req.params.agentId)
      return reply
        .code(status)
        .type('application/ld+json; profile="https://w3id.org/did-resolution"; charset=utf-8')
        .header('cache-control', CACHE)
        .send(result)
    },
  )

  app.get(
    '/.well-known/did.json',
    { config, schema: { tags, summary: 'The instance DID document (IdP signing keys)', response: { 200: schemas.DidDocument } } },
    async (_req, reply) => reply.type(DID_JSON).header('cache-control', 'public, max-age=60').send(await app.idp.dids.instanceDocument()),
  )
}
