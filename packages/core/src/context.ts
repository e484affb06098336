/**
 * The request-level types every operation uses: the authenticated caller ({@link AuthContext},
 * {@link RequestContext}), the claims of the IdP's access tokens, the raw inputs and outputs of the
 * OAuth endpoints, and the small result types of the facade. Operations import these, never the
 * facade (`idp.ts`).
 *
 * @module
 */
import type { A2AAgentCardView, AgentCardView } from './cards/card-schemas.js'
import type { Logger } from './logger.js'
import type { Agent, AgentKey, Credential } from './model.js'
import type { EphemeralStore } from './ports/ephemeral.js'
import type { KeyStore } from './ports/keys.js'
import type { SecretStore } from './ports/secrets.js'
import type { Storage } from './ports/storage.js'

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
  act?: ActClaim
  /** Chain id of the delegation a token-exchange token derives from; its liveness is checked on every use. */
  delegation_id?: string
  /**
   * `<extension id>:<binding id>` of a token an extension's grant bound to its own state (e.g. a
   * federation trust policy); the token lives while that extension says the binding does.
   */
  ext_binding?: string
}

/** RFC 8693 §4.1 `act` claim: the current actor, nesting the actors before it. */
export interface ActClaim {
  sub: string
  act?: unknown
}

/**
 * Who is calling. `agent`: an agent authenticated with an access token (the usual case). `system`:
 * background work of an extension (`api.systemContext()`), audited as `system:<extension id>`.
 * Any other kind: a principal an extension authenticated itself and declared in
 * `IdpExtension.principalKinds` (e.g. console operators), audited as `<kind>:<id>`.
 */
export type Principal =
  | { kind: 'agent' }
  | { kind: 'system'; extensionId: string; reason: string }
  | { kind: string; id: string; extensionId: string }

/** The caller of an operation, established from a verified access token. */
export interface AuthContext {
  /**
   * The calling agent's id — or, for a principal that is not an agent (see {@link principal}), its
   * audit actor (`system:billing`, `operator:…`), which names no agent.
   */
  agentId: string
  organizationId: string
  clientId: string
  /** Granted scopes that this IdP knows (core's and its extensions'). */
  scopes: readonly string[]
  jti: string
  expiresAt: Date
  /** Holds `admin:orgs`: may address any organization. */
  isPlatformAdmin: boolean
  claims: AccessTokenClaims
  /** What kind of caller this is; absent means an agent (contexts built before principals existed). */
  principal?: Principal
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

export type DependencyStatus = 'healthy' | 'degraded' | 'unreachable'
export interface HealthReport {
  status: DependencyStatus
  dependencies: Record<'database' | 'cache' | 'keyStore', { status: DependencyStatus; latencyMs: number }>
}

/** Methods authenticating with a client secret. */
export type SecretAuthMethod = 'client_secret_basic' | 'client_secret_post'
export type ClientAuthMethod = SecretAuthMethod | 'private_key_jwt'

/**
 * An authenticated client and its live agent. A secret authenticates a credential (`clientId` =
 * the credential's client id); `private_key_jwt` authenticates the agent itself with one of its
 * registered keys (`clientId` = the agent id, no credential).
 */
export type AuthenticatedClient =
  | { method: SecretAuthMethod; clientId: string; agent: Agent; credential: Credential; key: null }
  | { method: 'private_key_jwt'; clientId: string; agent: Agent; credential: null; key: AgentKey }

/** Result of {@link Idp.agentCards.get}: the card, and its JWS when signed. */
export type AgentCardResult =
  | { format: 'agntcy'; card: AgentCardView; jws?: string }
  | { format: 'a2a'; card: A2AAgentCardView; jws?: string }

/** Result of a rotation. */
export interface RotatedSigningKey {
  kid: string
  alg: string
  /** When the new key starts signing (ISO-8601); it is published from now on. */
  activatesAt: string
  trigger: 'api' | 'scheduled'
}

/** Options of scheduled rotation ({@link rotateSigningKeyIfDue}). */
export interface ScheduledRotationOptions {
  /** Rotate when the signing key has been signing for at least this long, in seconds. */
  intervalSeconds: number
  /** How long one process holds the rotation lock, in seconds (≥ the key store's activation delay). */
  lockSeconds: number
}

/** Options of a periodic job (`jobs.every`). */
export interface JobOptions {
  /**
   * How long one run may hold its tick before another process may start the next one, in ms.
   * @default max(10 × intervalMs, 300_000)
   */
  leaseMs?: number
}

/** `createIdp()` options after validation and defaults (extensions are kept by the IdP itself). */
export interface ResolvedIdpOptions {
  readonly issuer: string
  readonly storage: Storage | undefined
  readonly ephemeral: EphemeralStore | undefined
  readonly keys: KeyStore | undefined
  readonly secrets: SecretStore | undefined
  readonly logger: Logger
  readonly tokens: { readonly accessTokenTtlSeconds: number; readonly audience: string }
  readonly clock: () => Date
}
