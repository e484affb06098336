/**
 * Trust policies and partners: the operations behind the routes. Each state change and its audit
 * event commit in one transaction. Trust policies are managed with `agents:write` under the
 * authority rule (SPEC §2): the caller must hold every scope of the bound agent (a policy hands
 * that agent's tokens to workloads), and a policy's scopes are a subset of the agent's. Partners
 * are managed with `admin:orgs`; their JWKS is fetched and checked at registration.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  assertAuthorityOver,
  decodeCursor,
  encodeCursor,
  IdpError,
  type ExtensionApi,
  type RequestContext,
  type StorageTx,
} from '@sentryagent/core'
import { conditionProblems } from './conditions.js'
import { federationError } from './errors.js'
import { isFetchableUrl, type KeySource } from './keys.js'
import type { ClaimCondition, Page, Partner, PartnerStatus, PolicyMode, TrustPolicy } from './model.js'
import { federationRepo } from './storage.js'

declare module '@sentryagent/core' {
  interface AuditDetails {
    'federation.policy_created': { policyId: string; issuer: string; agentId: string; scopes: string[]; mode: string }
    'federation.policy_updated': { policyId: string; issuer: string; agentId: string; scopes: string[]; mode: string }
    'federation.policy_deleted': { policyId: string; issuer: string; agentId: string }
    'federation.partner_created': { partnerId: string; issuer: string; allowedOrganizations: string[] }
    'federation.partner_updated': { partnerId: string; issuer: string; status: string; allowedOrganizations: string[] }
    'federation.partner_deleted': { partnerId: string; issuer: string }
  }
}

export interface PolicyInput {
  name: string
  issuer: string
  audience?: string | null | undefined
  conditions: ClaimCondition[]
  agentId: string
  scopes?: string[] | undefined
  mode?: PolicyMode | undefined
}
export type PolicyPatch = Partial<Pick<PolicyInput, 'name' | 'audience' | 'conditions' | 'scopes' | 'mode'>>

export interface PartnerInput {
  name: string
  issuer: string
  jwksUri: string
  allowedOrganizations: string[]
  status?: PartnerStatus | undefined
  expiresAt?: string | null | undefined
}
export type PartnerPatch = Partial<Omit<PartnerInput, 'issuer'>>

export interface ServiceOptions {
  keys: KeySource
  allowInsecureLocalhost: boolean
  /** When set, trust policies may name only these issuers (and registered partners). */
  allowedIssuers: readonly string[] | undefined
}

const notFound = (what: string) => new IdpError('NOT_FOUND', `${what} not found`)
const invalid = (problems: string[]) =>
  new IdpError('VALIDATION_ERROR', problems.join('; '), { errors: problems.map((message) => ({ field: '/', message })) })

function pageOf<T>(rows: T[], limit: number, id: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(['id', id(last)]) : null }
}

function after(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined
  try {
    return decodeCursor(cursor)[1]
  } catch {
    throw new IdpError('VALIDATION_ERROR', 'Invalid cursor', { errors: [{ field: '/cursor', message: 'invalid cursor' }] })
  }
}

export function createFederationService(api: () => ExtensionApi, o: ServiceOptions) {
  const ownIssuer = () => api().idp.discovery().issuer

  async function checkPolicy(ctx: RequestContext, tx: StorageTx, p: Pick<TrustPolicy, 'issuer' | 'conditions' | 'agentId' | 'scopes' | 'mode' | 'audience'>) {
    const problems = conditionProblems(p.issuer, p.conditions)
    if (p.issuer === ownIssuer()) problems.push('issuer: this IdP’s own tokens are exchanged through delegation, not federation')
    const partner = await federationRepo(tx).partnerByIssuer(p.issuer)
    if (partner === null) {
      if (!isFetchableUrl(p.issuer, o.allowInsecureLocalhost)) problems.push('issuer: must be an https URL')
      if (o.allowedIssuers !== undefined && !o.allowedIssuers.includes(p.issuer)) problems.push('issuer: not in the allowed issuers of this server (FEDERATION_ALLOWED_ISSUERS) and not a registered partner')
    }
    if (p.mode === 'bootstrap' && (p.scopes.length !== 1 || p.scopes[0] !== 'agents:write')) problems.push('scopes: a bootstrap policy grants exactly ["agents:write"]')
    if (problems.length > 0) throw invalid(problems)
    // The bound agent: in the caller's organization (404 otherwise), under the authority rule.
    const agent = await tx.agents.find(ctx.auth.organizationId, p.agentId, { forUpdate: true })
    if (agent === null) throw notFound('Agent')
    assertAuthorityOver(ctx, agent)
    const beyond = p.scopes.filter((s) => !agent.scopes.includes(s))
    if (beyond.length > 0) {
      throw new IdpError('INSUFFICIENT_SCOPE', `The policy grants scopes the agent does not hold: ${beyond.join(' ')}`)
    }
  }

  const record = (tx: StorageTx, ctx: RequestContext, input: Parameters<ExtensionApi['audit']['record']>[1]) => api().audit.record(tx, input).then(() => ctx)

  return {
    async createPolicy(ctx: RequestContext, input: PolicyInput): Promise<TrustPolicy> {
      const now = api().clock()
      const policy: TrustPolicy = {
        policyId: randomUUID(),
        organizationId: ctx.auth.organizationId,
        name: input.name,
        issuer: input.issuer,
        audience: input.audience ?? null,
        conditions: input.conditions,
        agentId: input.agentId,
        scopes: input.scopes ?? (input.mode === 'bootstrap' ? ['agents:write'] : []),
        mode: input.mode ?? 'agent',
        createdAt: now,
        updatedAt: now,
      }
      if (policy.scopes.length === 0) throw invalid(['scopes: at least one scope'])
      await api().transaction(async (tx) => {
        await checkPolicy(ctx, tx, policy)
        await federationRepo(tx).insertPolicy(policy)
        await record(tx, ctx, {
          organizationId: policy.organizationId,
          action: 'federation.policy_created',
          actor: ctx.auth.agentId,
          agentId: policy.agentId,
          details: { policyId: policy.policyId, issuer: policy.issuer, agentId: policy.agentId, scopes: policy.scopes, mode: policy.mode },
          ip: ctx.ip,
        })
      })
      return policy
    },
    async getPolicy(ctx: RequestContext, policyId: string): Promise<TrustPolicy> {
      const p = await federationRepo(api().storage).findPolicy(ctx.auth.organizationId, policyId)
      if (p === null) throw notFound('Trust policy')
      return p
    },
    async listPolicies(ctx: RequestContext, q: { limit?: number | undefined; cursor?: string | undefined }): Promise<Page<TrustPolicy>> {
      const limit = q.limit ?? 20
      const rows = await federationRepo(api().storage).listPolicies(ctx.auth.organizationId, { after: after(q.cursor), limit: limit + 1 })
      return pageOf(rows, limit, (p) => p.policyId)
    },
    async updatePolicy(ctx: RequestContext, policyId: string, patch: PolicyPatch): Promise<TrustPolicy> {
      return api().transaction(async (tx) => {
        const current = await federationRepo(tx).findPolicy(ctx.auth.organizationId, policyId)
        if (current === null) throw notFound('Trust policy')
        const next: TrustPolicy = {
          ...current,
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.audience === undefined ? {} : { audience: patch.audience }),
          ...(patch.conditions === undefined ? {} : { conditions: patch.conditions }),
          ...(patch.scopes === undefined ? {} : { scopes: patch.scopes }),
          ...(patch.mode === undefined ? {} : { mode: patch.mode }),
          updatedAt: api().clock(),
        }
        await checkPolicy(ctx, tx, next)
        await federationRepo(tx).updatePolicy(next)
        await record(tx, ctx, {
          organizationId: next.organizationId,
          action: 'federation.policy_updated',
          actor: ctx.auth.agentId,
          agentId: next.agentId,
          details: { policyId: next.policyId, issuer: next.issuer, agentId: next.agentId, scopes: next.scopes, mode: next.mode },
          ip: ctx.ip,
        })
        return next
      })
    },
    async deletePolicy(ctx: RequestContext, policyId: string): Promise<void> {
      await api().transaction(async (tx) => {
        const current = await federationRepo(tx).findPolicy(ctx.auth.organizationId, policyId)
        if (current === null) throw notFound('Trust policy')
        const agent = await tx.agents.find(ctx.auth.organizationId, current.agentId, { forUpdate: true })
        if (agent !== null) assertAuthorityOver(ctx, agent)
        await federationRepo(tx).deletePolicy(ctx.auth.organizationId, policyId)
        await record(tx, ctx, {
          organizationId: current.organizationId,
          action: 'federation.policy_deleted',
          actor: ctx.auth.agentId,
          agentId: current.agentId,
          details: { policyId, issuer: current.issuer, agentId: current.agentId },
          ip: ctx.ip,
        })
      })
    },

    async createPartner(ctx: RequestContext, input: PartnerInput): Promise<Partner> {
      const problems: string[] = []
      if (!isFetchableUrl(input.issuer, o.allowInsecureLocalhost)) problems.push('issuer: must be an https URL')
      if (!isFetchableUrl(input.jwksUri, o.allowInsecureLocalhost)) problems.push('jwksUri: must be an https URL')
      if (input.issuer === ownIssuer()) problems.push('issuer: this IdP cannot be its own partner')
      if (problems.length > 0) throw invalid(problems)
      const now = api().clock()
      const partner: Partner = {
        partnerId: randomUUID(),
        organizationId: ctx.auth.organizationId,
        name: input.name,
        issuer: input.issuer,
        jwksUri: input.jwksUri,
        allowedOrganizations: [...new Set(input.allowedOrganizations)],
        status: input.status ?? 'active',
        expiresAt: input.expiresAt === undefined || input.expiresAt === null ? null : new Date(input.expiresAt),
        createdAt: now,
        updatedAt: now,
      }
      await probe(partner.jwksUri)
      await api().transaction(async (tx) => {
        if ((await federationRepo(tx).partnerByIssuer(partner.issuer)) !== null) throw federationError('FEDERATION_PARTNER_EXISTS')
        await federationRepo(tx).insertPartner(partner)
        await record(tx, ctx, {
          organizationId: partner.organizationId,
          action: 'federation.partner_created',
          actor: ctx.auth.agentId,
          details: { partnerId: partner.partnerId, issuer: partner.issuer, allowedOrganizations: partner.allowedOrganizations },
          ip: ctx.ip,
        })
      })
      o.keys.forget(partner.issuer, partner.jwksUri)
      return partner
    },
    async getPartner(ctx: RequestContext, partnerId: string): Promise<Partner> {
      const p = await federationRepo(api().storage).findPartner(ctx.auth.organizationId, partnerId)
      if (p === null) throw notFound('Partner')
      return p
    },
    async listPartners(ctx: RequestContext, q: { limit?: number | undefined; cursor?: string | undefined }): Promise<Page<Partner>> {
      const limit = q.limit ?? 20
      const rows = await federationRepo(api().storage).listPartners(ctx.auth.organizationId, { after: after(q.cursor), limit: limit + 1 })
      return pageOf(rows, limit, (p) => p.partnerId)
    },
    async updatePartner(ctx: RequestContext, partnerId: string, patch: PartnerPatch): Promise<Partner> {
      const current = await federationRepo(api().storage).findPartner(ctx.auth.organizationId, partnerId)
      if (current === null) throw notFound('Partner')
      if (patch.jwksUri !== undefined && patch.jwksUri !== current.jwksUri) {
        if (!isFetchableUrl(patch.jwksUri, o.allowInsecureLocalhost)) throw invalid(['jwksUri: must be an https URL'])
        await probe(patch.jwksUri)
      }
      const next = await api().transaction(async (tx) => {
        const fresh = await federationRepo(tx).findPartner(ctx.auth.organizationId, partnerId)
        if (fresh === null) throw notFound('Partner')
        const value: Partner = {
          ...fresh,
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.jwksUri === undefined ? {} : { jwksUri: patch.jwksUri }),
          ...(patch.allowedOrganizations === undefined ? {} : { allowedOrganizations: [...new Set(patch.allowedOrganizations)] }),
          ...(patch.status === undefined ? {} : { status: patch.status }),
          ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt === null ? null : new Date(patch.expiresAt) }),
          updatedAt: api().clock(),
        }
        await federationRepo(tx).updatePartner(value)
        await record(tx, ctx, {
          organizationId: value.organizationId,
          action: 'federation.partner_updated',
          actor: ctx.auth.agentId,
          details: { partnerId, issuer: value.issuer, status: value.status, allowedOrganizations: value.allowedOrganizations },
          ip: ctx.ip,
        })
        return value
      })
      o.keys.forget(current.issuer, current.jwksUri)
      return next
    },
    async deletePartner(ctx: RequestContext, partnerId: string): Promise<void> {
      const removed = await api().transaction(async (tx) => {
        const current = await federationRepo(tx).findPartner(ctx.auth.organizationId, partnerId)
        if (current === null) throw notFound('Partner')
        // Without its partner record, an issuer that serves OIDC discovery would be trusted by
        // those policies as a plain OIDC issuer (no organization allow-list): refuse, and let the
        // administrator suspend the partner (immediate) or have the policies removed first.
        const dependent = (await federationRepo(tx).policiesByIssuer(current.issuer)).length
        if (dependent > 0) {
          throw new IdpError('CONFLICT', `${dependent} trust polic${dependent === 1 ? 'y names' : 'ies name'} this partner's issuer; suspend the partner, or delete those policies first`)
        }
        await federationRepo(tx).deletePartner(ctx.auth.organizationId, partnerId)
        await record(tx, ctx, {
          organizationId: current.organizationId,
          action: 'federation.partner_deleted',
          actor: ctx.auth.agentId,
          details: { partnerId, issuer: current.issuer },
          ip: ctx.ip,
        })
        return current
      })
      o.keys.forget(removed.issuer, removed.jwksUri)
    },
  }

  async function probe(jwksUri: string): Promise<void> {
    try {
      await o.keys.probe(jwksUri)
    } catch {
      throw federationError('FEDERATION_JWKS_UNAVAILABLE', 'The JWKS could not be fetched, or holds no public signing key')
    }
  }
}

export type FederationService = ReturnType<typeof createFederationService>
