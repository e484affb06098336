/**
 * The public shape of an identity provider built by `createIdp()`. Every operation takes a
 * {@link RequestContext} carrying the authenticated caller; the organization always comes from it,
 * never from the request body (platform administrators excepted where documented).
 *
 * @module
 */
import type {
  AgentCardResult,
  AgentInfo,
  JobOptions,
  ResolvedIdpOptions,
  RotatedSigningKey,
  ScheduledRotationOptions,
  AuthContext,
  BootstrapResult,
  DiscoveryDocument,
  HealthReport,
  IntrospectionResponse,
  OAuthRequest,
  RequestContext,
  TokenResponse,
} from './context.js'
import type { IdpEvents } from './events.js'
import type { ErrorCodeSpec } from './errors.js'
import type { Page, PlanTier, Scope } from './model.js'
import type { AddMemberBody, CreateOrganizationBody, MemberView, OrganizationView, UpdateOrganizationBody } from './organizations/organization-schemas.js'
import type { AgentView, ListAgentsQuery, ListQuery, RegisterAgentBody, UpdateAgentBody } from './agents/agent-schemas.js'
import type { AuditCheckpointView, AuditProofView, AuditEventView, AuditVerifyView, ListAuditQuery } from './audit/audit-schemas.js'
import type { CreateCredentialBody, CredentialView, CredentialWithSecretView } from './credentials/credential-schemas.js'
import type { CreateDelegationBody, DelegationVerificationView, DelegationView, VerifyDelegationBody } from './delegation/delegation-schemas.js'
import type { PublicJwk } from './ports/keys.js'
import type { AddAgentKeyBody, AgentKeyView, AgentKeyWithPrivateView } from './agent-keys/agent-key-schemas.js'
import type { AgentCardQuery, AgentCardView } from './cards/card-schemas.js'
import type { ComplianceAgentCardsQuery, ComplianceControlView, ComplianceReportView, LiveComplianceControlView } from './compliance/compliance-schemas.js'
import type { ComplianceEnvironment, ComplianceRun } from './compliance/live-compliance.js'
import type { DidDocument, DidResolutionResult } from './did/did-schemas.js'
import type { MarketplaceAgentView, MarketplaceQuery } from './marketplace/marketplace-schemas.js'

type Listener<K extends keyof IdpEvents> = (event: IdpEvents[K]) => void | Promise<void>

export interface Idp {
  readonly options: ResolvedIdpOptions
  readonly organizations: {
    create(ctx: RequestContext, input: CreateOrganizationBody): Promise<OrganizationView>
    list(ctx: RequestContext, query: ListQuery): Promise<Page<OrganizationView>>
    get(ctx: RequestContext, organizationId: string): Promise<OrganizationView>
    update(ctx: RequestContext, organizationId: string, input: UpdateOrganizationBody): Promise<OrganizationView>
    delete(ctx: RequestContext, organizationId: string): Promise<void>
    addMember(ctx: RequestContext, organizationId: string, input: AddMemberBody): Promise<MemberView>
    listMembers(ctx: RequestContext, organizationId: string): Promise<{ items: MemberView[] }>
    removeMember(ctx: RequestContext, organizationId: string, agentId: string): Promise<void>
    /**
     * Changes an organization's plan: only with that organization's system context (a billing
     * extension) or as a platform administrator. Audited as `org.updated` with the context's reason.
     * @throws {IdpError} INSUFFICIENT_SCOPE, VALIDATION_ERROR, NOT_FOUND
     */
    setPlan(ctx: RequestContext, organizationId: string, planTier: PlanTier): Promise<OrganizationView>
  }
  readonly agents: {
    register(ctx: RequestContext, input: RegisterAgentBody): Promise<AgentView>
    list(ctx: RequestContext, query: ListAgentsQuery): Promise<Page<AgentView>>
    get(ctx: RequestContext, agentId: string): Promise<AgentView>
    update(ctx: RequestContext, agentId: string, input: UpdateAgentBody): Promise<AgentView>
    /** Decommissions: credentials revoked, outstanding tokens rejected. Irreversible. */
    decommission(ctx: RequestContext, agentId: string): Promise<void>
  }
  readonly credentials: {
    generate(ctx: RequestContext, agentId: string, input: CreateCredentialBody): Promise<CredentialWithSecretView>
    list(ctx: RequestContext, agentId: string): Promise<{ items: CredentialView[] }>
    rotate(ctx: RequestContext, agentId: string, credentialId: string): Promise<CredentialWithSecretView>
    revoke(ctx: RequestContext, agentId: string, credentialId: string): Promise<void>
  }
  /** Agent-to-agent delegation (SPEC §8); exchanged at `oauth.token` with the RFC 8693 grant. */
  readonly delegation: {
    /** `POST /oauth2/token/delegate` (delegation:write): a delegation, or a re-delegation with a delegated token. */
    create(ctx: RequestContext, input: CreateDelegationBody): Promise<DelegationView>
    /** `POST /oauth2/token/verify-delegation`: `{ valid: false }` for anything not live, never an error. */
    verify(ctx: RequestContext, input: VerifyDelegationBody): Promise<DelegationVerificationView>
    /** `DELETE /oauth2/token/delegate/{chainId}`: revokes the link and every sub-delegation. */
    revoke(ctx: RequestContext, chainId: string): Promise<void>
  }
  readonly oauth: {
    /** `POST /oauth2/token`. @throws {IdpError} with an OAuth mapping on every failure. */
    token(req: OAuthRequest): Promise<TokenResponse>
    /** `POST /oauth2/introspect` (client-authenticated, `tokens:read`). */
    introspect(req: OAuthRequest): Promise<IntrospectionResponse>
    /** `POST /oauth2/revoke`: always resolves for a well-formed, client-authenticated request. */
    revoke(req: OAuthRequest): Promise<void>
  }
  /** An agent's public keys (SPEC §4): agents:write to add/remove, agents:read to list. */
  readonly agentKeys: {
    /** Registers `publicJwk`, or generates a pair and returns `privateJwk` once (never stored). */
    add(ctx: RequestContext, agentId: string, input: AddAgentKeyBody): Promise<AgentKeyWithPrivateView>
    list(ctx: RequestContext, agentId: string): Promise<{ items: AgentKeyView[] }>
    remove(ctx: RequestContext, agentId: string, kid: string): Promise<void>
  }
  /** did:web documents (SPEC §7, public). */
  readonly dids: {
    /** @throws {IdpError} NOT_FOUND; GONE when the agent is decommissioned. */
    agentDocument(agentId: string): Promise<DidDocument>
    /** W3C DID Resolution result; `status` 410 for a deactivated DID. */
    resolve(agentId: string): Promise<{ status: 200 | 410; result: DidResolutionResult }>
    instanceDocument(): Promise<DidDocument>
  }
  /** Agent cards (SPEC §7): AGNTCY-style or A2A, optionally JWS-signed by the IdP. */
  readonly agentCards: {
    get(ctx: RequestContext, agentId: string, query: AgentCardQuery): Promise<AgentCardResult>
  }
  /** Public, read-only marketplace of `isPublic` active agents. */
  readonly marketplace: {
    search(query: MarketplaceQuery): Promise<Page<MarketplaceAgentView>>
    get(agentId: string): Promise<MarketplaceAgentView>
  }
  /** Compliance (SPEC §11). */
  readonly compliance: {
    report(ctx: RequestContext): Promise<ComplianceReportView>
    agentCards(ctx: RequestContext, query: ComplianceAgentCardsQuery): Promise<Page<AgentCardView>>
    /** `GET /compliance/controls` (public): every control with its live status, from the latest stored check run. */
    controls(): Promise<{ items: LiveComplianceControlView[] }>
    /** The controls without status (the static catalogue with SOC 2 mappings). */
    catalogue(): { items: ComplianceControlView[] }
    /**
     * Periodic job (`core.compliance-checks`): verifies every organization's audit chain, counts
     * expiring credentials, checks the signing key's age and the configuration; stores the result
     * for every process. `environment` is what the host knows about its deployment.
     */
    runChecks(environment?: ComplianceEnvironment, signal?: AbortSignal): Promise<ComplianceRun>
    /** The latest stored run (shared by processes), or `null`: per-organization figures for metrics. */
    latestRun(): Promise<ComplianceRun | null>
  }
  readonly audit: {
    list(ctx: RequestContext, query: ListAuditQuery): Promise<Page<AuditEventView>>
    /**
     * Verifies the caller's organization's log: incrementally from the newest signed checkpoint by
     * default, every event with `full: true` or a `from`/`to` range (`docs/audit.md`).
     */
    verify(ctx: RequestContext, query: { from?: number | undefined; to?: number | undefined; full?: boolean | undefined }): Promise<AuditVerifyView>
    /** Signs (if the head moved) and stores a checkpoint of the caller's organization's log. */
    createCheckpoint(ctx: RequestContext): Promise<AuditCheckpointView>
    latestCheckpoint(ctx: RequestContext): Promise<AuditCheckpointView>
    /** The newest checkpoint of exactly `size` events (e.g. the anchor left by retention). */
    checkpointOfSize(ctx: RequestContext, size: number): Promise<AuditCheckpointView>
    /** What a holder of a checkpoint needs to verify one event offline (`verifyAuditLog`, mode `none`). */
    proof(ctx: RequestContext, eventId: string, checkpointSize?: number): Promise<AuditProofView>
    /** The caller organization's events in seq order (NDJSON export). */
    export(ctx: RequestContext, range: { from?: number | undefined; to?: number | undefined }): AsyncIterable<AuditEventView>
    /** Periodic job: checkpoints every organization whose log moved; returns how many were signed. */
    checkpointAll(): Promise<number>
    /** Periodic job: purges events older than the retention period, keeping the rest verifiable. */
    purgeExpired(retentionDays?: number): Promise<number>
  }
  /**
   * Verifies a bearer access token, given the `Authorization` header value (`Bearer <token>`) or
   * the bare token (signature, `typ`, issuer, audience, expiry, revocation, and
   * the live status of its credential, agent and organization).
   * @throws {IdpError} INVALID_TOKEN
   */
  authenticate(authorization: string | undefined): Promise<AuthContext>
  /** @throws {IdpError} INSUFFICIENT_SCOPE */
  requireScope(ctx: RequestContext, scope: Scope | (string & {})): void
  /**
   * Runs the extensions' `beforeRequest` hooks for an authenticated REST request (the Fastify
   * binding calls it before every such handler). A refusal is audited as `hook.vetoed` and thrown.
   * @throws {IdpError} whatever the refusing hook threw
   */
  beforeRequest(ctx: RequestContext, request: { method: string; route: string }): Promise<void>
  /** What this IdP knows: core's entries plus its extensions' (discovery, docs, OpenAPI). */
  readonly registry: {
    readonly scopes: readonly string[]
    readonly auditActions: readonly string[]
    readonly errorCodes: Readonly<Record<string, ErrorCodeSpec>>
    readonly grantTypes: readonly string[]
    /** Ids of the installed extensions, in order. */
    readonly extensions: readonly string[]
  }
  /** The job runner (see `ExtensionApi.jobs`); the host schedules core's periodic work on it. */
  readonly jobs: {
    /** Registers a job (names `<owner>.<name>`; the host uses `core.`). @throws {IdpError} CONFIG_INVALID */
    every(name: string, intervalMs: number, fn: (signal: AbortSignal) => Promise<void>, options?: JobOptions): void
    /** Runs now every job whose tick (by the IdP clock) this process has not tried (tests with an injected clock). */
    runDue(): Promise<string[]>
  }
  /** Resolves once every extension's `init()` has; rejects with the first failure. */
  ready(): Promise<void>
  agentInfo(ctx: RequestContext): Promise<AgentInfo>
  discovery(): DiscoveryDocument
  jwks(): Promise<{ keys: readonly PublicJwk[] }>
  /** Creates the platform organization and its administrator client on empty storage (idempotent). */
  bootstrap(input?: { clientId?: string | undefined; clientSecret?: string | undefined }): Promise<BootstrapResult>
  /** Subscribes to an event emitted after commit. Returns an unsubscribe function. */
  on<K extends keyof IdpEvents>(event: K, listener: Listener<K>): () => void
  /** The IdP's own signing keys. */
  readonly signingKeys: {
    /**
     * `POST /api/v1/admin/keys/rotate` (admin:orgs): publishes a new key now; it signs from
     * `activatesAt`. @throws {IdpError} INSUFFICIENT_SCOPE, DEPENDENCY_UNAVAILABLE
     */
    rotate(ctx: RequestContext): Promise<RotatedSigningKey>
    /** Scheduled rotation (the server's own timer; no caller): `null` when not due or another process rotates. */
    rotateIfDue(options: ScheduledRotationOptions): Promise<RotatedSigningKey | null>
  }
  /** Per-dependency health (database, cache, key store) with latency. */
  health(): Promise<HealthReport>
  close(): Promise<void>
}

