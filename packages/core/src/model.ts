/**
 * The domain records that storage keeps. Times are `Date`; JSON renderings (ISO-8601 strings) are
 * produced by the views in each module.
 *
 * @module
 */

/**
 * The scopes of the core (SPEC §2). Plugins add theirs (`webhooks:read`, `billing:write`, …) through
 * `IdpExtension.scopes`; an IdP knows the union, and only those appear in discovery and tokens.
 */
export const SCOPES = ['agents:read', 'agents:write', 'tokens:read', 'audit:read', 'delegation:write', 'admin:orgs'] as const
/** A scope of the core. Scopes held by agents and tokens are strings: extensions add their own. */
export type Scope = (typeof SCOPES)[number]

export const PLAN_TIERS = ['free', 'pro', 'enterprise'] as const
export type PlanTier = (typeof PLAN_TIERS)[number]

export const AGENT_TYPES = [
  'screener',
  'classifier',
  'orchestrator',
  'extractor',
  'summarizer',
  'router',
  'monitor',
  'custom',
] as const
export type AgentType = (typeof AGENT_TYPES)[number]

export const DEPLOYMENT_ENVS = ['development', 'staging', 'production'] as const
export type DeploymentEnv = (typeof DEPLOYMENT_ENVS)[number]

export type OrganizationStatus = 'active' | 'suspended'
export type AgentStatus = 'active' | 'suspended' | 'decommissioned'
export type CredentialStatus = 'active' | 'revoked'
export type MemberRole = 'member' | 'admin'

export interface Organization {
  organizationId: string
  name: string
  slug: string
  planTier: PlanTier
  /** `null` = unlimited. */
  maxAgents: number | null
  status: OrganizationStatus
  createdAt: Date
  updatedAt: Date
}

export interface OrganizationMember {
  organizationId: string
  agentId: string
  role: MemberRole
  createdAt: Date
}

export interface Agent {
  agentId: string
  organizationId: string
  name: string
  email: string | null
  agentType: AgentType
  version: string
  capabilities: string[]
  owner: string
  deploymentEnv: DeploymentEnv
  description: string | null
  /** Allowed scopes (core's or an extension's; unknown ones are ignored by token requests). */
  scopes: string[]
  isPublic: boolean
  status: AgentStatus
  createdAt: Date
  updatedAt: Date
}

export interface Credential {
  credentialId: string
  organizationId: string
  agentId: string
  /** Globally unique; the OAuth `client_id`. */
  clientId: string
  /** Hex SHA-256 of the client secret; the secret itself is never stored. */
  secretHash: string
  /** Bumped by every rotation; tokens carry it so that rotation invalidates them. */
  generation: number
  status: CredentialStatus
  createdAt: Date
  updatedAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
}

/** Status of an agent's public key: `removed` keys stay listed (with `removedAt`) but authenticate nothing. */
export type AgentKeyStatus = 'active' | 'removed'

/**
 * A public key an agent holds (ARCHITECTURE decision 3). Only the public JWK is stored: the server
 * never keeps an agent's private key. `kid` is unique per agent (RFC 7638 thumbprint by default).
 */
export interface AgentKey {
  organizationId: string
  agentId: string
  kid: string
  /** JWS algorithm the key signs with: ES256 (P-256), EdDSA (Ed25519), RS256 or PS256 (RSA ≥ 2048). */
  alg: string
  /** The public JWK, without private members; includes `kid` and `alg`. */
  publicJwk: Record<string, string>
  status: AgentKeyStatus
  createdAt: Date
  removedAt: Date | null
}

/** A signing key of the IdP, as the local key store keeps it (private part encrypted). */
export interface SigningKeyRecord {
  kid: string
  alg: 'ES256'
  /** Public JWK (JSON). */
  publicJwk: string
  /** AES-256-GCM ciphertext of the private JWK: base64url(iv ‖ tag ‖ ciphertext). */
  encryptedPrivateJwk: string
  status: 'current' | 'retired'
  createdAt: Date
  /** When a retired key stops being published. `null` while current. */
  notAfter: Date | null
  /** When the key starts signing (published before that); `null`/absent = at `createdAt`. */
  activatesAt?: Date | null
}

/** A revoked access token (RFC 7009); kept until the token would have expired anyway. */
export interface RevokedToken {
  jti: string
  organizationId: string
  expiresAt: Date
  revokedAt: Date
}

export type AuditOutcome = 'success' | 'failure'

/** One link of an organization's hash-chained audit log (SPEC §9). */
export interface AuditEvent {
  eventId: string
  /** Gap-free per organization, starting at 1. */
  seq: number
  organizationId: string
  timestamp: Date
  action: string
  outcome: AuditOutcome
  actor: string
  agentId: string | null
  ip: string | null
  details: Record<string, unknown>
  prevHash: string
  hash: string
}

/**
 * A signed statement of an organization's audit log at one moment: its size (the head's `seq`) and
 * head hash. `signature` is a compact JWS by the IdP signing key over the RFC 8785 canonical JSON of
 * `{ organizationId, size, headHash, issuedAt }` (ISO-8601 `issuedAt`).
 */
export interface AuditCheckpoint {
  checkpointId: string
  organizationId: string
  size: number
  headHash: string
  issuedAt: Date
  signature: string
}

/** The head of an organization's audit chain. */
export interface AuditHead {
  seq: number
  hash: string
}

/** A page of results with an opaque cursor for the next one. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Cursor pagination input; `cursor` is opaque and produced by the same list call. */
export interface PageQuery {
  limit: number
  cursor?: string | undefined
}

/**
 * One link of a delegation chain (SPEC §8): `delegatorAgentId` hands `delegateeAgentId` a narrower,
 * time-boxed slice of its authority. A root link has `depth` 1 and no parent; a re-delegation has
 * `depth = parent.depth + 1` and `rootChainId` of its parent. `maxDepth` bounds the whole chain
 * (1 = not transitive).
 */
export interface Delegation {
  /** Also the `jti` of the delegation token. */
  chainId: string
  organizationId: string
  delegatorAgentId: string
  delegateeAgentId: string
  scopes: string[]
  maxDepth: number
  depth: number
  parentChainId: string | null
  rootChainId: string
  issuedAt: Date
  expiresAt: Date
  revokedAt: Date | null
}
