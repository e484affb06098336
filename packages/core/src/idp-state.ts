/**
 * The mutable state one IdP owns — memos that make verification cheap — created by `createIdp()`
 * and held in its `Deps`. Never module-level: two IdPs in one process share nothing.
 *
 * @module
 */
import type { createLocalJWKSet } from 'jose'
import type { AccessTokenClaims } from './context.js'
import type { PublicJwk } from './ports/keys.js'
import type { ComplianceReportView } from './compliance/compliance-schemas.js'
import type { ComplianceRun } from './compliance/live-compliance.js'

/** The liveness memo (see `tokens/liveness-memo.ts`). */
export interface LivenessMemo {
  generation: number
  entries: Map<string, { realMs: number; clockMs: number }>
  /** Records that authenticate clients (credential, agent, organization, agent key), same rules. */
  lookups: Map<string, { realMs: number; clockMs: number; value: unknown }>
  /** Lookups in flight, shared by concurrent callers with the same key (single flight). */
  inflight: Map<string, Promise<unknown>>
  /** Forgets everything (a change happened): bumps `generation`, empties the maps. */
  clear(): void
}

export interface IdpState {
  /** Installed by `listenForLivenessChanges`; `undefined` before and after. */
  liveness: LivenessMemo | undefined
  /** Verified-token memo, per published key set (see `tokens/verified-token-cache.ts`). */
  readonly verifiedTokens: WeakMap<object, Map<string, AccessTokenClaims>>
  /** jose key sets, per published key list (see `tokens/idp-key-set.ts`). */
  readonly keySets: WeakMap<readonly PublicJwk[], ReturnType<typeof createLocalJWKSet>>
  /** The latest compliance run this process stored or read, and when (see `compliance/live-compliance.ts`). */
  compliance: { run: ComplianceRun; readAt: number; generation: number } | undefined
  /** `GET /compliance/report` per organization, for a short while (see `compliance/compliance-report.ts`). */
  readonly complianceReports: Map<string, { report: ComplianceReportView; at: number; generation: number }>
}

/** Fresh, empty state. */
export function createIdpState(): IdpState {
  return { liveness: undefined, verifiedTokens: new WeakMap(), keySets: new WeakMap(), compliance: undefined, complianceReports: new Map() }
}
