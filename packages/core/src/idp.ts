/**
 * The public shape of an identity provider built by `createIdp()`. Every operation takes a
 * {@link RequestContext} carrying the authenticated caller; the organization always comes from it,
 * never from the request body (platform administrators excepted where documented).
 *
 * @module
 */
import type { IdpEvents } from './events.js'
import type { Page, Scope } from './model.js'
import type { ResolvedIdpOptions } from './options.js'
import type {
  AddMemberBody,
  AgentView,
  AuditCheckpointView,
  AuditProofView,
  AuditEventView,
  AuditVerifyView,
  CreateCredentialBody,
  CreateDelegationBody,
  CreateOrganizationBody,
  CredentialView,
  CredentialWithSecretView,
  DelegationVerificationView,
  DelegationView,
  ListAgentsQuery,
  ListAuditQuery,
  ListQuery,
  MemberView,
  OrganizationView,
  RegisterAgentBody,
  UpdateAgentBody,
  UpdateOrganizationBody,
  VerifyDelegationBody,
} from './schemas.js'
import type { PublicJwk } from './ports/keys.js'
import type {
  AddAgentKeyBody,
  AgentCardQuery,
  AgentCardView,
  AgentKeyView,
  AgentKeyWithPrivateView,
  ComplianceAgentCardsQuery,
  ComplianceControlView,
  ComplianceReportView,
  DidDocument,
  DidResolutionResult,
  MarketplaceAgentView,
  MarketplaceQuery,
} from './agent-identity-schemas.js'
import type { AgentCardResult } from './cards/get-agent-card.js'
import type { RotatedSigningKey, ScheduledRotationOptions } from './keys/rotate-signing-key.js'

/** Claims of an RFC 9068 access token issued by this IdP. */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  client_id: string
  scope: string
  agent_id: string
  organization_id: string
  iat: number
  exp: number
  jti: string
  /**
   * Credential the token was issued under, and its generation (rotation invalidates older ones).
   * Absent on tokens obtained with `private_key_jwt`, which carry `agent_key_id` instead.
   */
  credential_id?: string
  credential_generation?: number
  /** `kid` of the agent key that authenticated a `private_key_jwt` token request; removing the key rejects the token. */
  agent_key_id?: string
  act?: { sub: string; act?: unknown }
  /** Chain id of the delegation a token-exchange token derives from; its liveness is checked on every use. */
  delegation_id?: string
}

/** The caller of an operation, established from a verified access token. */
export interface AuthContext {
  agentId: string
  organizationId: string
  clientId: string
  scopes: readonly Scope[]
  jti: string
  expiresAt: Date
  /** Holds `admin:orgs`: may address any organization. */
  isPlatformAdmin: boolean
  claims: AccessTokenClaims
}

/** Per-request context handed to every operation. */
export interface RequestContext {
  auth: AuthContext
  requestId?: string | undefined
  ip?: string | null | undefined
}

/** Raw inputs of an OAuth endpoint (form parameters as parsed, plus the Authorization header). */
export interface OAuthRequest {
  /** Form parameters; a repeated parameter (array) is rejected with `invalid_request`. */
  params: Readonly<Record<string, string | string[] | undefined>>
  authorization?: string | undefined
  requestId?: string | undefined
  ip?: string | null | undefined
}

/** Successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  /** RFC 8693 §2.2.1: set on token-exchange responses. */
  issued_token_type?: string
}

/** RFC 7662 introspection response. */
export type IntrospectionResponse =
  | { active: false }
  | ({ active: true; token_type: 'Bearer' } & AccessTokenClaims)

/** Identity claims of the authenticated agent (`GET /agent-info`). */
export interface AgentInfo {
  sub: string
  agent_id: string
  organization_id: string
  client_id: string
  scope: string
  name: string
  agent_type: string
  version: string
  did: string
  status: string
  act?: unknown
}

/** Result of {@link Idp.bootstrap}. */
export interface BootstrapResult {
  /** `false` when storage already held a platform organization: nothing was created. */
  created: boolean
  organizationId: string
  agentId: string
  clientId: string
  /** Only when `created` and the secret was generated here. */
  clientSecret?: string
}

export interface DiscoveryDocument {
  issuer: string
  token_endpoint: string
  introspection_endpoint: string
  revocation_endpoint: string
  jwks_uri: string
  [key: string]: unknown
}

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
    controls(): { items: ComplianceControlView[] }
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
  requireScope(ctx: RequestContext, scope: Scope): void
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

export type DependencyStatus = 'healthy' | 'degraded' | 'unreachable'
export interface HealthReport {
  status: DependencyStatus
  dependencies: Record<'database' | 'cache' | 'keyStore', { status: DependencyStatus; latencyMs: number }>
}
