/**
 * The federation plugin's records: trust policies (per organization) and partner IdPs.
 *
 * @module
 */

/** One claim condition: the claim (a name, or a path into nested objects) equals a value or matches an anchored glob. */
export interface ClaimCondition {
  /** A top-level claim name (`repository`), or a path into nested claims (`["kubernetes.io", "namespace"]`). */
  claim: string | string[]
  /** Exact, case-sensitive equality. */
  equals?: string
  /** Anchored glob (`*` one segment, `**` anything; see `glob.ts`). */
  glob?: string
}

/** What a matching workload token is given. */
export type PolicyMode =
  /** An access token of the bound agent, with the policy's scopes. */
  | 'agent'
  /** An `agents:write` token of the bound agent, limited to registering agents (`POST /agents`). */
  | 'bootstrap'

export interface TrustPolicy {
  policyId: string
  organizationId: string
  name: string
  /** The workload token's `iss`, exactly. */
  issuer: string
  /** The `aud` the token must carry; `null` = this IdP (its issuer or token endpoint). */
  audience: string | null
  conditions: ClaimCondition[]
  /** The agent whose tokens are issued. */
  agentId: string
  /** Scopes granted, ⊆ the bound agent's scopes. */
  scopes: string[]
  mode: PolicyMode
  createdAt: Date
  updatedAt: Date
}

export type PartnerStatus = 'active' | 'suspended'

/** A partner identity provider (another SentryAgent deployment, or any OIDC IdP) registered by a platform administrator. */
export interface Partner {
  partnerId: string
  /** The organization that registered it (the platform organization). */
  organizationId: string
  name: string
  issuer: string
  /** Where its keys are fetched; set by the administrator, never by a client. */
  jwksUri: string
  /**
   * Values of the token's `organization_id` claim accepted from this partner; `["*"]` accepts any
   * token of the partner (IdPs whose tokens carry no `organization_id`, e.g. a SPIFFE trust domain).
   */
  allowedOrganizations: string[]
  status: PartnerStatus
  expiresAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** `true` when `partner` may be trusted at `now`. */
export function partnerIsLive(partner: Partner, now: Date): boolean {
  return partner.status === 'active' && (partner.expiresAt === null || partner.expiresAt.getTime() > now.getTime())
}

/** A page of records. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}
