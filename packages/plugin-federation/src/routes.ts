/**
 * The Fastify half: trust policies (`/oidc/trust-policies`, agents:read / agents:write), partners
 * (`/federation/partners`, admin:orgs), `POST /federation/verify` (tokens:read) and the public
 * `POST /oidc/token` wrapper (OAuth errors), all under the binding's prefix.
 *
 * @module
 */
import { JWT_BEARER_GRANT } from './constants.js'
import { noContent, problemResponses, oauthErrorResponses, idParams, requireContext, TokenResponseSchema } from '@sentryagent/fastify'
import { IdpError, type ExtensionApi } from '@sentryagent/core'
import type {} from '@fastify/swagger'
import type { FastifyPluginAsync } from 'fastify'
import { decodeJwt } from 'jose'
import { GITHUB_ISSUER, GITLAB_ISSUER } from './conditions.js'
import type { Partner, TrustPolicy } from './model.js'
import type { FederationService, PartnerInput, PartnerPatch, PolicyInput, PolicyPatch } from './service.js'
import { TokenRefused, verifyForeignToken, type VerifyOptions } from './verify.js'

const Str = (max: number, min = 1) => ({ type: 'string', minLength: min, maxLength: max }) as const
const Url = { type: 'string', minLength: 8, maxLength: 2048, format: 'uri' } as const
const DateTime = { type: 'string', format: 'date-time' } as const
const Scope = { type: 'string', minLength: 3, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*:[a-z0-9_*.-]+$' } as const
const Id = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const

const Condition = {
  type: 'object',
  properties: {
    claim: { anyOf: [Str(128), { type: 'array', items: Str(128), minItems: 1, maxItems: 8 }] },
    equals: Str(512, 0),
    glob: Str(512),
  },
  required: ['claim'],
  additionalProperties: false,
} as const
const Conditions = { type: 'array', items: Condition, minItems: 1, maxItems: 16 } as const
const Mode = { type: 'string', enum: ['agent', 'bootstrap'] } as const

const PolicyView = {
  type: 'object',
  properties: {
    policyId: { type: 'string' },
    organizationId: { type: 'string' },
    name: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: ['string', 'null'] },
    conditions: Conditions,
    agentId: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    mode: Mode,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  required: ['policyId', 'organizationId', 'name', 'issuer', 'audience', 'conditions', 'agentId', 'scopes', 'mode', 'createdAt', 'updatedAt'],
} as const
const PartnerView = {
  type: 'object',
  properties: {
    partnerId: { type: 'string' },
    organizationId: { type: 'string' },
    name: { type: 'string' },
    issuer: { type: 'string' },
    jwksUri: { type: 'string' },
    allowedOrganizations: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['active', 'suspended'] },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  required: ['partnerId', 'organizationId', 'name', 'issuer', 'jwksUri', 'allowedOrganizations', 'status', 'expiresAt', 'createdAt', 'updatedAt'],
} as const
const pageOf = (item: object) =>
  ({ type: 'object', properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'] }) as const
const ListQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor: { type: 'string', minLength: 1, maxLength: 512 } },
  additionalProperties: false,
} as const

const policyView = (p: TrustPolicy) => ({ ...p, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() })
const partnerView = (p: Partner) => ({
  ...p,
  expiresAt: p.expiresAt === null ? null : p.expiresAt.toISOString(),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
})

/** Issuers `provider` pins in `POST /oidc/token` (`oidc`, `kubernetes`, `spiffe`, `partner` accept any trusted issuer). */
const PROVIDER_ISSUERS: Readonly<Record<string, string>> = { github: GITHUB_ISSUER, gitlab: GITLAB_ISSUER }

export interface RouteDeps {
  service: FederationService
  api: () => ExtensionApi
  verifyOptions: () => VerifyOptions
}

export function federationRoutes(deps: RouteDeps): FastifyPluginAsync {
  const { service } = deps
  return async (app) => {
    const policyTags = ['Federation']
    app.post<{ Body: PolicyInput }>(
      '/oidc/trust-policies',
      {
        config: { scopes: ['agents:write'] },
        schema: {
          tags: policyTags,
          summary: 'Create a trust policy (workload identity federation)',
          body: {
            type: 'object',
            properties: {
              name: Str(128),
              issuer: Url,
              audience: { anyOf: [Str(512), { type: 'null' }] },
              conditions: Conditions,
              agentId: Id,
              scopes: { type: 'array', items: Scope, minItems: 1, maxItems: 64, uniqueItems: true },
              mode: Mode,
            },
            required: ['name', 'issuer', 'conditions', 'agentId'],
            additionalProperties: false,
          },
          response: { 201: PolicyView, ...problemResponses },
        },
      },
      async (req, reply) => reply.code(201).send(policyView(await service.createPolicy(requireContext(req), req.body))),
    )
    app.get<{ Querystring: { limit?: number; cursor?: string } }>(
      '/oidc/trust-policies',
      { config: { scopes: ['agents:read'] }, schema: { tags: policyTags, summary: 'List trust policies', querystring: ListQuery, response: { 200: pageOf(PolicyView), ...problemResponses } } },
      async (req) => {
        const page = await service.listPolicies(requireContext(req), req.query)
        return { items: page.items.map(policyView), nextCursor: page.nextCursor }
      },
    )
    app.get<{ Params: { policyId: string } }>(
      '/oidc/trust-policies/:policyId',
      { config: { scopes: ['agents:read'] }, schema: { tags: policyTags, summary: 'Get a trust policy', params: idParams('policyId'), response: { 200: PolicyView, ...problemResponses } } },
      async (req) => policyView(await service.getPolicy(requireContext(req), req.params.policyId)),
    )
    app.patch<{ Params: { policyId: string }; Body: PolicyPatch }>(
      '/oidc/trust-policies/:policyId',
      {
        config: { scopes: ['agents:write'] },
        schema: {
          tags: policyTags,
          summary: 'Update a trust policy',
          params: idParams('policyId'),
          body: {
            type: 'object',
            properties: {
              name: Str(128),
              audience: { anyOf: [Str(512), { type: 'null' }] },
              conditions: Conditions,
              scopes: { type: 'array', items: Scope, minItems: 1, maxItems: 64, uniqueItems: true },
              mode: Mode,
            },
            additionalProperties: false,
          },
          response: { 200: PolicyView, ...problemResponses },
        },
      },
      async (req) => policyView(await service.updatePolicy(requireContext(req), req.params.policyId, req.body)),
    )
    app.delete<{ Params: { policyId: string } }>(
      '/oidc/trust-policies/:policyId',
      { config: { scopes: ['agents:write'] }, schema: { tags: policyTags, summary: 'Delete a trust policy', params: idParams('policyId'), response: { ...noContent, ...problemResponses } } },
      async (req, reply) => {
        await service.deletePolicy(requireContext(req), req.params.policyId)
        return reply.code(204).send()
      },
    )

    const partnerBody = {
      type: 'object',
      properties: {
        name: Str(128),
        issuer: Url,
        jwksUri: Url,
        allowedOrganizations: { type: 'array', items: Str(128), minItems: 1, maxItems: 100 },
        status: { type: 'string', enum: ['active', 'suspended'] },
        expiresAt: { anyOf: [DateTime, { type: 'null' }] },
      },
      required: ['name', 'issuer', 'jwksUri', 'allowedOrganizations'],
      additionalProperties: false,
    } as const
    app.post<{ Body: PartnerInput }>(
      '/federation/partners',
      { config: { scopes: ['admin:orgs'] }, schema: { tags: policyTags, summary: 'Register a partner IdP (its JWKS is fetched and checked)', body: partnerBody, response: { 201: PartnerView, ...problemResponses } } },
      async (req, reply) => reply.code(201).send(partnerView(await service.createPartner(requireContext(req), req.body))),
    )
    app.get<{ Querystring: { limit?: number; cursor?: string } }>(
      '/federation/partners',
      { config: { scopes: ['admin:orgs'] }, schema: { tags: policyTags, summary: 'List partner IdPs', querystring: ListQuery, response: { 200: pageOf(PartnerView), ...problemResponses } } },
      async (req) => {
        const page = await service.listPartners(requireContext(req), req.query)
        return { items: page.items.map(partnerView), nextCursor: page.nextCursor }
      },
    )
    app.get<{ Params: { partnerId: string } }>(
      '/federation/partners/:partnerId',
      { config: { scopes: ['admin:orgs'] }, schema: { tags: policyTags, summary: 'Get a partner IdP', params: idParams('partnerId'), response: { 200: PartnerView, ...problemResponses } } },
      async (req) => partnerView(await service.getPartner(requireContext(req), req.params.partnerId)),
    )
    app.patch<{ Params: { partnerId: string }; Body: PartnerPatch }>(
      '/federation/partners/:partnerId',
      {
        config: { scopes: ['admin:orgs'] },
        schema: {
          tags: policyTags,
          summary: 'Update (suspend, re-key, re-scope) a partner IdP; takes effect at once',
          params: idParams('partnerId'),
          body: { ...partnerBody, required: [], properties: { ...Object.fromEntries(Object.entries(partnerBody.properties).filter(([k]) => k !== 'issuer')) } },
          response: { 200: PartnerView, ...problemResponses },
        },
      },
      async (req) => partnerView(await service.updatePartner(requireContext(req), req.params.partnerId, req.body)),
    )
    app.delete<{ Params: { partnerId: string } }>(
      '/federation/partners/:partnerId',
      { config: { scopes: ['admin:orgs'] }, schema: { tags: policyTags, summary: 'Remove a partner IdP; its tokens stop working at once', params: idParams('partnerId'), response: { ...noContent, ...problemResponses } } },
      async (req, reply) => {
        await service.deletePartner(requireContext(req), req.params.partnerId)
        return reply.code(204).send()
      },
    )

    app.post<{ Body: { token: string } }>(
      '/federation/verify',
      {
        config: { scopes: ['tokens:read'] },
        schema: {
          tags: policyTags,
          summary: 'Verify a token of a partner or trusted issuer (signature, issuer, times, organization allow-list)',
          body: { type: 'object', properties: { token: Str(16_384) }, required: ['token'], additionalProperties: false },
          response: {
            200: {
              type: 'object',
              properties: { valid: { type: 'boolean' }, issuer: { type: 'string' }, claims: { type: 'object', additionalProperties: true }, reason: { type: 'string' } },
              required: ['valid'],
            },
            ...problemResponses,
          },
        },
      },
      async (req) => {
        requireContext(req)
        try {
          const v = await verifyForeignToken(req.body.token, deps.verifyOptions())
          return { valid: true, issuer: v.issuer, claims: v.claims }
        } catch (err) {
          if (err instanceof TokenRefused) return { valid: false, reason: err.reason }
          throw err
        }
      },
    )

    app.post<{ Body: { provider?: string; token: string; agentId?: string; scope?: string } }>(
      '/oidc/token',
      {
        config: { public: true, oauth: true, rateLimit: 'token' as const },
        schema: {
          tags: policyTags,
          summary: 'Exchange a workload OIDC token for an agent access token (wrapper of the jwt-bearer grant)',
          body: {
            type: 'object',
            properties: {
              provider: { type: 'string', enum: ['github', 'gitlab', 'kubernetes', 'spiffe', 'oidc', 'partner'] },
              token: Str(16_384),
              agentId: Id,
              scope: Str(2048),
            },
            required: ['token'],
            additionalProperties: false,
          },
          response: { 200: TokenResponseSchema, ...oauthErrorResponses },
        },
      },
      async (req, reply) => {
        const pinned = req.body.provider === undefined ? undefined : PROVIDER_ISSUERS[req.body.provider]
        if (pinned !== undefined) {
          let iss: unknown
          try {
            iss = decodeJwt(req.body.token).iss
          } catch {
            iss = undefined
          }
          if (iss !== pinned) throw new IdpError('INVALID_GRANT', `The token is not issued by ${req.body.provider}`)
        }
        const params: Record<string, string> = { grant_type: JWT_BEARER_GRANT, assertion: req.body.token }
        if (req.body.agentId !== undefined) params['agent_id'] = req.body.agentId
        if (req.body.scope !== undefined) params['scope'] = req.body.scope
        const res = await deps.api().idp.oauth.token({ params, requestId: req.id, ip: req.ip })
        void reply.header('cache-control', 'no-store')
        return res
      },
    )
  }
}
