/**
 * The durable-state port. Domain repositories, each read and write scoped by organization id,
 * plus one transaction primitive. Implementations: `createMemoryStorage()` (core, development) and
 * `@sentryagent/adapter-postgres` (pg and PGlite). Every implementation passes
 * `describeStorageContract` from `@sentryagent/core/testing`.
 *
 * Rules every implementation honours:
 * - `null` means not found (or owned by another organization); it is never an error.
 * - An `IdpError('CONFLICT')` means a uniqueness rule was violated.
 * - Infrastructure failures surface as `IdpError('DEPENDENCY_UNAVAILABLE', …, { cause })`.
 * - Times come in as arguments; the database clock is never used.
 *
 * @module
 */
import type {
  Agent,
  AgentKey,
  AgentStatus,
  AuditCheckpoint,
  AuditEvent,
  AuditHead,
  Credential,
  Delegation,
  Organization,
  OrganizationMember,
  Page,
  PageQuery,
  RevokedToken,
  SigningKeyRecord,
} from '../model.js'

export interface OrganizationRepository {
  /** @throws {IdpError} CONFLICT when the slug is taken (also by a deleted organization). */
  insert(org: Organization): Promise<void>
  /** `null` when absent or deleted. */
  find(organizationId: string): Promise<Organization | null>
  findBySlug(slug: string): Promise<Organization | null>
  /** Ordered by (createdAt, organizationId). Deleted organizations are not listed. */
  list(page: PageQuery): Promise<Page<Organization>>
  /** Applies `patch` and returns the updated row, or `null` when absent or deleted. */
  update(
    organizationId: string,
    patch: Partial<Pick<Organization, 'name' | 'planTier' | 'maxAgents' | 'status'>> & { updatedAt: Date },
  ): Promise<Organization | null>
  /** Marks the organization deleted; `false` when it was absent. The slug stays reserved. */
  delete(organizationId: string, now: Date): Promise<boolean>
}

export interface MemberRepository {
  /** Inserts or updates the role of `(organizationId, agentId)`. */
  upsert(member: OrganizationMember): Promise<OrganizationMember>
  list(organizationId: string): Promise<OrganizationMember[]>
  /** `false` when there was no such member. */
  remove(organizationId: string, agentId: string): Promise<boolean>
}

/** Filters of the agent list. All are exact matches except `q` (case-insensitive substring of name or description). */
export interface AgentFilter {
  status?: AgentStatus | undefined
  agentType?: string | undefined
  owner?: string | undefined
  q?: string | undefined
}

export interface AgentRepository {
  /** @throws {IdpError} CONFLICT when the email is already used in the organization. */
  insert(agent: Agent): Promise<void>
  /**
   * `null` when absent OR owned by another organization. With `forUpdate` inside a transaction, the
   * row is locked until the transaction ends: a concurrent `update` of this agent (or another
   * `forUpdate` read) waits, so a check made on the returned row cannot go stale before the
   * transaction's writes commit (the authority rule relies on it). Memory storage runs transactions
   * one at a time, which gives the same guarantee.
   */
  find(organizationId: string, agentId: string, options?: { forUpdate?: boolean }): Promise<Agent | null>
  /**
   * The organization that owns `agentId`, or `null`. The only unscoped agent lookup: core calls it
   * solely for platform administrators, after checking the `admin:orgs` scope, to serve the public
   * did:web document of an agent (SPEC §7: DIDs are public by design), and to find the keys that
   * may have signed a `private_key_jwt` assertion (which names the agent, not its organization).
   */
  ownerOf(agentId: string): Promise<string | null>
  /** Ordered by (createdAt, agentId). */
  list(organizationId: string, filter: AgentFilter, page: PageQuery): Promise<Page<Agent>>
  /** Agents that are not decommissioned. */
  countLive(organizationId: string): Promise<number>
  /** @throws {IdpError} CONFLICT when a changed email is already used in the organization. */
  update(
    organizationId: string,
    agentId: string,
    patch: Partial<Omit<Agent, 'agentId' | 'organizationId' | 'createdAt'>> & { updatedAt: Date },
  ): Promise<Agent | null>
}

export interface CredentialRepository {
  /** @throws {IdpError} CONFLICT when the client id is taken. */
  insert(credential: Credential): Promise<void>
  find(organizationId: string, credentialId: string): Promise<Credential | null>
  /**
   * The credential with this OAuth client id in any organization. Unscoped by necessity: the token
   * endpoint authenticates a client before anything tells it the organization.
   */
  findByClientId(clientId: string): Promise<Credential | null>
  /** Ordered by (createdAt, credentialId). */
  listByAgent(organizationId: string, agentId: string): Promise<Credential[]>
  update(
    organizationId: string,
    credentialId: string,
    patch: Partial<Pick<Credential, 'secretHash' | 'generation' | 'status' | 'revokedAt'>> & { updatedAt: Date },
  ): Promise<Credential | null>
  /** Revokes every active credential of the agent; returns how many changed. */
  revokeAllForAgent(organizationId: string, agentId: string, now: Date): Promise<number>
}

export interface SigningKeyRepository {
  /** @throws {IdpError} CONFLICT when the kid exists. */
  insert(key: SigningKeyRecord): Promise<void>
  /** Every key, newest first. */
  list(): Promise<SigningKeyRecord[]>
  update(kid: string, patch: Partial<Pick<SigningKeyRecord, 'status' | 'notAfter'>>): Promise<void>
}

export interface RevocationRepository {
  /** Idempotent: revoking a revoked jti keeps the first record. */
  insert(token: RevokedToken): Promise<void>
  /** `true` when `jti` is revoked (whatever the organization). */
  isRevoked(jti: string): Promise<boolean>
  /** Revocations whose token has not expired at `now` (to warm a cache). */
  listUnexpired(now: Date, limit: number): Promise<RevokedToken[]>
}

/** Filters of the audit list; `from`/`to` bound the timestamp (inclusive, exclusive). */
export interface AuditFilter {
  action?: string | undefined
  agentId?: string | undefined
  outcome?: 'success' | 'failure' | undefined
  from?: Date | undefined
  to?: Date | undefined
}

/** What core computes for a new audit event, given the chain head. */
export type NewAuditEvent = AuditEvent

export interface AuditRepository {
  /**
   * Appends after the organization's current head. Appends are serialised per organization
   * (a lock held until the surrounding transaction ends), so `link` sees the true head and `seq`
   * stays gap-free under concurrent writers. `link` is pure: it computes `seq`, `prevHash`, `hash`.
   */
  append(organizationId: string, link: (head: AuditHead | null) => AuditEvent): Promise<AuditEvent>
  /**
   * Appends several events after the head in one step, under the same per-organization lock:
   * `links[i]` receives the head as it is after `links[0..i-1]`. All or none are stored. This is
   * what makes group commit cheap: one lock, one head read and one insert per organization.
   */
  appendMany(organizationId: string, links: readonly ((head: AuditHead | null) => AuditEvent)[]): Promise<AuditEvent[]>
  head(organizationId: string): Promise<AuditHead | null>
  /** Events with `seq >= fromSeq`, ascending, at most `limit`. */
  range(organizationId: string, fromSeq: number, limit: number): Promise<AuditEvent[]>
  /** Newest first; ordered by seq. */
  list(organizationId: string, filter: AuditFilter, page: PageQuery): Promise<Page<AuditEvent>>
  /** One event by id, or `null` (also for another organization's event). */
  findEvent(organizationId: string, eventId: string): Promise<AuditEvent | null>
  /** Retention: deletes the organization's events with `seq <= throughSeq`; returns how many. */
  purge(organizationId: string, throughSeq: number): Promise<number>
}

/** Signed audit checkpoints (SPEC §9). Never updated; several may share a size. */
export interface AuditCheckpointRepository {
  insert(checkpoint: AuditCheckpoint): Promise<void>
  /** The checkpoint with the largest size (newest `issuedAt` among equals), or `null`. */
  latest(organizationId: string): Promise<AuditCheckpoint | null>
  /** The smallest checkpoint with `size >= seq` (oldest `issuedAt` among equals), or `null`. */
  findCovering(organizationId: string, seq: number): Promise<AuditCheckpoint | null>
  /** The newest checkpoint of exactly `size`, or `null`. */
  findBySize(organizationId: string, size: number): Promise<AuditCheckpoint | null>
}

/**
 * Delegation chains (SPEC §8). A chain is a tree of links sharing `rootChainId`; each link's
 * `parentChainId` names the link it was re-delegated from (same organization).
 */
export interface DelegationRepository {
  /** @throws {IdpError} CONFLICT when the chain id exists. */
  insert(delegation: Delegation): Promise<void>
  /** `null` when absent OR owned by another organization. */
  find(organizationId: string, chainId: string): Promise<Delegation | null>
  /**
   * The link and all its ancestors, root first (ordered by depth); `[]` when the link is absent or
   * owned by another organization. Core derives liveness from it (every link unrevoked and unexpired).
   */
  lineage(organizationId: string, chainId: string): Promise<Delegation[]>
  /**
   * Atomically sets `revokedAt = now` on the link and every descendant (transitively, by
   * `parentChainId`) that is not revoked yet. Returns the ids it revoked, ordered by (depth, chainId);
   * `[]` when nothing changed (absent, other organization, or already revoked).
   */
  revokeCascade(organizationId: string, chainId: string, now: Date): Promise<string[]>
  /** Links where the agent is delegator or delegatee, ordered by (issuedAt, chainId). */
  listByAgent(organizationId: string, agentId: string): Promise<Delegation[]>
}

export interface AgentKeyRepository {
  /** @throws {IdpError} CONFLICT when the agent already has a key (active or removed) with this `kid`. */
  insert(key: AgentKey): Promise<void>
  /** `null` when absent OR owned by another organization. Removed keys are returned (status `removed`). */
  find(organizationId: string, agentId: string, kid: string): Promise<AgentKey | null>
  /** Every key of the agent (removed ones too, unless `activeOnly`), ordered by (createdAt, kid). */
  listByAgent(organizationId: string, agentId: string, options?: { activeOnly?: boolean }): Promise<AgentKey[]>
  /**
   * Marks an active key removed at `now` and returns it; `null` when absent, already removed or owned
   * by another organization.
   */
  remove(organizationId: string, agentId: string, kid: string, now: Date): Promise<AgentKey | null>
}

/** Filters of the public marketplace; all optional, combined with AND. */
export interface MarketplaceFilter {
  /** Case-insensitive substring of the agent's name or description. */
  q?: string | undefined
  /** Exact capability (`resource:action`) the agent declares. */
  capability?: string | undefined
  /** Slug of the publishing organization. */
  publisher?: string | undefined
}

/** A public agent and the organization that publishes it. */
export interface MarketplaceListing {
  agent: Agent
  publisher: { slug: string; name: string }
}

/**
 * The public, read-only marketplace (SPEC §7). The only unscoped agent listing, and it is safe by
 * construction: it returns ONLY agents with `isPublic` and status `active` whose organization is
 * active and not deleted. Nothing else of any organization is reachable through it.
 */
export interface MarketplaceRepository {
  /** Ordered by (createdAt, agentId). */
  search(filter: MarketplaceFilter, page: PageQuery): Promise<Page<MarketplaceListing>>
  /** `null` unless the agent is public, active, and its organization active. */
  find(agentId: string): Promise<MarketplaceListing | null>
}

/** Repositories usable inside a transaction. */
export interface StorageTx {
  readonly organizations: OrganizationRepository
  readonly members: MemberRepository
  readonly agents: AgentRepository
  readonly credentials: CredentialRepository
  readonly signingKeys: SigningKeyRepository
  readonly revocations: RevocationRepository
  readonly delegations: DelegationRepository
  readonly audit: AuditRepository
  readonly agentKeys: AgentKeyRepository
  readonly marketplace: MarketplaceRepository
  readonly auditCheckpoints: AuditCheckpointRepository
}

/** Durable state. */
export interface Storage extends StorageTx {
  /**
   * Runs `work` in ONE transaction: writes made through `tx` commit together, or none do if `work`
   * throws (the error is rethrown). A state change and its audit event MUST go through the same `tx`.
   * Transactions are not nested.
   */
  transaction<T>(work: (tx: StorageTx) => Promise<T>): Promise<T>
  /** Cheap round trip for health checks; throws when the backend is unreachable. */
  ping(): Promise<void>
  close(): Promise<void>
}
