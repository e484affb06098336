/**
 * Audit actions and their typed payloads. Every state change is recorded as an audit event whose
 * `details` has the shape {@link AuditDetails} gives its action; the same events are emitted after
 * commit (`idp.on()`) and read by outbox consumers (`api.audit.consume()`), so a listener sees
 * exactly what the audit log holds.
 *
 * Extensions add their own, prefixed actions (`webhooks.subscription_created`) by listing them in
 * `IdpExtension.auditActions` and typing them by declaration merging:
 *
 * ```ts
 * declare module '@sentryagent/core' {
 *   interface AuditDetails {
 *     'webhooks.subscription_created': { subscriptionId: string; url: string }
 *   }
 * }
 * ```
 *
 * @module
 */
import type { AuditEvent, AuditOutcome, PlanTier } from './model.js'

/** One step of a delegation chain as audit events record it (root first). */
export interface ChainLinkSummary {
  chainId: string
  delegatorAgentId: string
  delegateeAgentId: string
  scopes: string[]
  depth: number
  /** ISO-8601. */
  expiresAt: string
}

/** Details every token issuance records (`token.issued`, `token.exchanged` and extensions' issuance actions). */
export interface IssuedTokenDetails {
  jti: string
  clientId: string
  grantType: string
  scope: string
  /** `exp` of the token, in seconds since the epoch. */
  expiresAt: number
  /** Notes returned by `beforeTokenIssue` hooks, by extension id (absent when none returned one). */
  hooks?: Record<string, HookNote>
}

/** Details of an action that records nothing beyond the event's own fields. */
export type NoDetails = Record<never, never>

/** A JSON value a hook may return as its recorded decision. */
export type HookNote = string | number | boolean | null | HookNote[] | { [key: string]: HookNote }

/**
 * Payload (`details`) of every audit action, by action. Core's actions are listed here; extensions
 * merge theirs in (see the module comment). Details of events written by older versions may lack
 * fields added since; a field is never renamed.
 */
export interface AuditDetails {
  'org.created': { name?: string; slug: string; planTier?: PlanTier; byOrganizationId?: string; bootstrap?: boolean }
  'org.updated': {
    changes: { name?: string; planTier?: PlanTier; status?: 'active' | 'suspended'; maxAgents?: number | null }
    /** Why a system actor changed it (system contexts only). */
    reason?: string
  }
  'org.deleted': NoDetails
  'member.added': { role: string }
  'member.removed': NoDetails
  'agent.created': { name: string; agentType?: string; scopes: string[]; hooks?: Record<string, HookNote> }
  'agent.updated': { changes: Record<string, unknown> }
  'agent.suspended': NoDetails
  'agent.reactivated': NoDetails
  'agent.decommissioned': { credentialsRevoked: number }
  'credential.generated': { credentialId: string; clientId: string }
  'credential.rotated': { credentialId: string; clientId: string; generation: number }
  'credential.revoked': { credentialId: string; clientId: string }
  'key.added': { kid: string; alg: string; kty: string | undefined; generated: boolean }
  'key.removed': { kid: string; alg: string }
  'token.issued': IssuedTokenDetails & { kid?: string; authMethod?: string }
  'token.revoked': { jti: string; clientId: string }
  'token.exchanged': IssuedTokenDetails & {
    chainId?: string
    act?: unknown
    chain?: ChainLinkSummary[]
    subjectTokenType?: string
  }
  'delegation.created': {
    chainId: string
    delegatorAgentId: string
    delegateeAgentId: string
    scopes: string[]
    maxDepth: number
    depth: number
    parentChainId: string | null
    rootChainId: string
    expiresAt: string
    chain: ChainLinkSummary[]
  }
  'delegation.revoked': { chainId: string; revokedChainIds: string[]; cascaded: number; chain: ChainLinkSummary[] }
  'auth.failed': { clientId: string; reason: string; authMethod?: string }
  'signing_key.rotated': { kid: string; alg: string; activatesAt: string; trigger: 'api' | 'scheduled' }
  'audit.purged': { throughSeq: number; removed: number; cutoff: string; anchorCheckpointId: string }
  /**
   * An extension's policy hook refused an operation (`beforeTokenIssue`, `beforeAgentCreate`,
   * `beforeRequest`); nothing else was changed. `code` is the refusal's stable error code.
   */
  'hook.vetoed': {
    hook: 'beforeTokenIssue' | 'beforeAgentCreate' | 'beforeRequest'
    extensionId: string
    code: string
    /** What was refused: `token.issued`, `agent.created`, or `METHOD /route`. */
    operation: string
    clientId?: string
    grantType?: string
    scope?: string
  }
}

/** Every action the core itself records (SPEC §9). Extensions' actions are registered per IdP. */
export const AUDIT_ACTIONS = [
  'org.created',
  'org.updated',
  'org.deleted',
  'member.added',
  'member.removed',
  'agent.created',
  'agent.updated',
  'agent.suspended',
  'agent.reactivated',
  'agent.decommissioned',
  'credential.generated',
  'credential.rotated',
  'credential.revoked',
  'key.added',
  'key.removed',
  'token.issued',
  'token.revoked',
  'token.exchanged',
  'delegation.created',
  'delegation.revoked',
  'auth.failed',
  'signing_key.rotated',
  'audit.purged',
  'hook.vetoed',
] as const satisfies readonly (keyof AuditDetails)[]

/** An action of the core. */
export type CoreAuditAction = (typeof AUDIT_ACTIONS)[number]

/** Every known action: core's, plus those extensions merged into {@link AuditDetails}. */
export type AuditAction = keyof AuditDetails & string

/** An audit event of one action, with its typed `details`. */
export type AuditEventOf<A extends AuditAction = AuditAction> = {
  [K in A]: Omit<AuditEvent, 'action' | 'details'> & { action: K; details: AuditDetails[K] }
}[A]

/** Map of event name → payload, for `idp.on(name, listener)`. */
export type IdpEvents = { [K in AuditAction]: AuditEventOf<K> }

/** Keys of `T` that are required. */
type RequiredKeys<T> = { [P in keyof T]-?: Record<never, never> extends Pick<T, P> ? never : P }[keyof T]

/** `details` of action `K`: optional when the action's details have no required field. */
type DetailsOf<K extends AuditAction> = [RequiredKeys<AuditDetails[K]>] extends [never] ? { details?: AuditDetails[K] } : { details: AuditDetails[K] }

/** What an operation says about one audited action; `details` typed by {@link AuditDetails}. */
export type AuditInput<A extends AuditAction = AuditAction> = {
  [K in A]: {
    organizationId: string
    action: K
    outcome?: AuditOutcome
    /** Who acted: an agent id, `system`, `system:<extension>`, or `<principal kind>:<id>`. */
    actor: string
    agentId?: string | null
    ip?: string | null | undefined
  } & DetailsOf<K>
}[A]
