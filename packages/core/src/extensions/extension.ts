/**
 * The core half of a plugin: an {@link IdpExtension} object handed to `createIdp({ extensions })`.
 * Everything a plugin adds to the core goes through the fields of this object; a plugin never
 * edits core's lists. The Fastify half (routes) is a separate Fastify plugin that declares
 * `dependencies: ['@sentryagent/fastify']` and inherits the binding's policies.
 *
 * @example
 * import { defineErrorCodes, errorFactory, type IdpExtension } from '@sentryagent/core'
 *
 * const ERRORS = defineErrorCodes({ NOTES_TOO_MANY: { status: 409, title: 'Too many notes' } })
 * const notesError = errorFactory(ERRORS)
 *
 * declare module '@sentryagent/core' {
 *   interface AuditDetails { 'notes.created': { noteId: string } }
 *   interface StorageExtensions { notes: NoteRepository }
 * }
 *
 * export const notes: IdpExtension = {
 *   id: 'notes',
 *   scopes: ['notes:read', 'notes:write'],
 *   auditActions: ['notes.created'],
 *   errorCodes: ERRORS,
 *   storage: notesStorage,                 // { id: 'notes', memory(), postgres: {…} }
 *   hooks: {
 *     beforeAgentCreate: async ({ organizationId, tx }) => {
 *       if ((await tx.ext('notes').count(organizationId)) > 100) throw notesError('NOTES_TOO_MANY')
 *     },
 *   },
 *   init(api) {
 *     api.audit.consume('notes.indexer', async (events, tx) => { … })
 *     api.jobs.every('notes.compact', 3_600_000, async () => { … })
 *   },
 * }
 *
 * @module
 */
import type { AccessTokenClaims, ActClaim, AuthenticatedClient, JobOptions, RequestContext } from '../context.js'
import type { ErrorTable } from '../errors.js'
import type { AuditAction, AuditDetails, AuditEventOf, AuditInput, HookNote, IssuedTokenDetails } from '../events.js'
import type { Logger } from '../logger.js'
import type { Agent, AgentKey, Credential, Organization } from '../model.js'
import type { EphemeralStore } from '../ports/ephemeral.js'
import type { SecretStore } from '../ports/secrets.js'
import type { Storage, StorageTx } from '../ports/storage.js'
import type { StorageExtension } from '../ports/storage-extension.js'
import type { Idp } from '../idp.js'

/** A JSON value (extra token claims, hook notes). */
export type JsonValue = HookNote

// ---- grants ------------------------------------------------------------------------------------

/** How a grant treats client authentication at the token endpoint. */
export type ClientAuthentication =
  /** A client must authenticate; a request without client credentials is `invalid_client`. */
  | 'required'
  /** Presented client credentials are verified (a failure is `invalid_client`); none is fine. */
  | 'optional'

/**
 * What an access token's liveness follows (checked on every use by the IdP's own API):
 * the credential at its generation (client secret), the agent key (`private_key_jwt`), or — for
 * tokens an extension's grant issued — a binding of that extension, live while the extension's
 * {@link IdpExtension.isTokenBindingLive} says so (an extension that is not installed kills them).
 */
export type TokenBinding =
  | { kind: 'credential'; credential: Credential }
  | { kind: 'agentKey'; key: AgentKey }
  | { kind: 'extension'; id: string }

/** Actions whose details extend {@link IssuedTokenDetails}: the ones a token issuance may be audited as. */
export type TokenAuditAction = {
  [K in AuditAction]: AuditDetails[K] extends IssuedTokenDetails ? K : never
}[AuditAction]

/** How a grant wants its issuance audited; the endpoint adds the {@link IssuedTokenDetails} fields. */
export type TokenAuditInput = {
  [K in TokenAuditAction]: {
    action: K
    /** Who acted (an agent id, or an extension's actor). */
    actor: string
    /** The agent the event is about. @default the token's subject */
    agentId?: string
    details: Omit<AuditDetails[K], keyof IssuedTokenDetails>
  }
}[TokenAuditAction]

/**
 * What a grant decided to issue. The token endpoint then runs the `beforeTokenIssue` hooks, mints
 * the token with the one `mintAccessToken()`, records the audit event through group commit and
 * answers only after that event is durable. Grants write nothing themselves.
 */
export interface TokenIssue {
  /** The token's subject: `sub`, `agent_id` and `organization_id`. Must be active. */
  subject: Agent
  /** The `client_id` claim. */
  clientId: string
  binding: TokenBinding
  /** Granted scopes, from {@link GrantApi.narrowScopes}. */
  scopes: readonly string[]
  /** RFC 8693 `act` claim. */
  act?: ActClaim
  /** Chain id of the delegation the token derives from (core's delegation validator). */
  delegationId?: string
  /** Latest `exp`; the configured access-token lifetime applies otherwise. */
  notAfter?: Date
  /** RFC 8693 §2.2.1 `issued_token_type` of the response. */
  issuedTokenType?: string
  /**
   * Extra claims (e.g. federated-subject information). Names of claims the IdP sets itself
   * (`iss`, `sub`, `scope`, `act`, …) are refused with an INTERNAL error: a grant cannot forge them.
   */
  claims?: Readonly<Record<string, JsonValue>>
  audit: TokenAuditInput
}

/** The parameters of a token request, as a grant sees them. */
export interface GrantRequest {
  /** The `grant_type` parameter. */
  readonly grantType: string
  /**
   * A single-valued form parameter (RFC 6749 §3.2: never repeated); `undefined` when absent or empty.
   * @throws {IdpError} INVALID_REQUEST when repeated
   */
  param(name: string): string | undefined
  /** @throws {IdpError} INVALID_REQUEST when missing, empty or repeated */
  requireParam(name: string): string
  /** The authenticated client, or `null` when the grant allows none and none was presented. */
  readonly client: AuthenticatedClient | null
  readonly requestId: string | undefined
  readonly ip: string | null | undefined
}

/** What core lends a grant or subject-token validator while it decides. */
export interface GrantApi {
  /**
   * The one scope-narrowing rule of every grant: no `scope` parameter → every allowed scope this IdP
   * knows; otherwise the requested scopes, each of which must be known and allowed.
   * @throws {IdpError} INVALID_SCOPE
   */
  narrowScopes(requested: string | undefined, allowed: readonly string[]): string[]
  /** Signature, `typ`, issuer, audience, expiry and liveness of an access token of this IdP; `null` when not valid. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims | null>
  readonly storage: Storage
  readonly ephemeral: EphemeralStore
  readonly issuer: string
  readonly clock: () => Date
}

/**
 * A `grant_type` of the token endpoint (like oidc-provider's `registerGrantType`). Discovery
 * advertises every registered grant type.
 *
 * @example
 * const jwtBearer: GrantHandler = {
 *   grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
 *   clientAuthentication: 'optional',          // RFC 7523 §3.1: the assertion authenticates
 *   async handle(req, api) {
 *     const { agent, policy } = await verifyWorkloadToken(req.requireParam('assertion'))
 *     return {
 *       subject: agent, clientId: agent.agentId, binding: { kind: 'extension', id: policy.id },
 *       scopes: api.narrowScopes(req.param('scope'), policy.scopes),
 *       audit: { action: 'federation.token_exchanged', actor: agent.agentId, details: { issuer: policy.issuer } },
 *     }
 *   },
 * }
 */
export interface GrantHandler {
  readonly grantType: string
  readonly clientAuthentication: ClientAuthentication
  /** Decides what to issue. @throws {IdpError} (INVALID_GRANT, INVALID_SCOPE, …) to refuse */
  handle(request: GrantRequest, api: GrantApi): Promise<TokenIssue>
}

/** A token-exchange request (RFC 8693) routed to a {@link SubjectTokenValidator}. */
export interface TokenExchangeRequest extends GrantRequest {
  readonly subjectToken: string
  readonly subjectTokenType: string
  /** The subject token's `iss`, read WITHOUT verification (routing only), or `undefined` for a non-JWT. */
  readonly unverifiedIssuer: string | undefined
}

/**
 * Token exchange (RFC 8693) for one kind of subject token. The endpoint routes by
 * `subject_token_type` and, for JWTs, by the unverified `iss`: a validator listing the issuer
 * explicitly wins over one whose `issuers` is a predicate; among equals the first registered wins.
 * Core's delegation registers one (its own issuer); federation registers more.
 */
export interface SubjectTokenValidator {
  /** `subject_token_type` values accepted (RFC 8693 §3). */
  readonly tokenTypes: readonly string[]
  /** JWT issuers accepted: a list, or a predicate. Omitted: tokens without an issuer only. */
  readonly issuers?: readonly string[] | ((issuer: string) => boolean)
  readonly clientAuthentication: ClientAuthentication
  /** Verifies the subject token and decides what to issue. @throws {IdpError} INVALID_GRANT, … */
  exchange(request: TokenExchangeRequest, api: GrantApi): Promise<TokenIssue>
}

// ---- hooks ---------------------------------------------------------------------------------------

/** What a hook may return: nothing (allowed), or a note recorded in the audit event's `hooks` details. */
export type HookResult = { note: JsonValue } | undefined

/** What a hook function returns: a {@link HookResult}, nothing, or a promise of either. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a hook that returns nothing allows the operation
export type HookReturn = HookResult | void | Promise<HookResult | void>

/** Input of {@link ExtensionHooks.beforeTokenIssue}. */
export interface BeforeTokenIssue {
  readonly grantType: string
  readonly issue: Readonly<TokenIssue>
  readonly requestId: string | undefined
  readonly ip: string | null | undefined
}

/** Input of {@link ExtensionHooks.beforeAgentCreate}; runs inside the agent's transaction. */
export interface BeforeAgentCreate {
  readonly ctx: RequestContext
  readonly organization: Organization
  readonly agent: Readonly<Agent>
  /** The transaction the agent is inserted in: reads here see a consistent state. */
  readonly tx: StorageTx
}

/** Input of {@link ExtensionHooks.beforeRequest}: an authenticated REST request, before its handler. */
export interface BeforeRequest {
  readonly ctx: RequestContext
  readonly method: string
  /** The route pattern (`/api/v1/agents/:agentId`), not the raw URL. */
  readonly route: string
}

/**
 * Policy hooks. Each runs in the order the extensions were given, awaited; the first to throw an
 * `IdpError` refuses the operation, which changes nothing and is audited as `hook.vetoed`
 * (a non-`IdpError` throw is an INTERNAL error, also audited). A returned note is recorded in the
 * issued or created event's `details.hooks[extensionId]`.
 */
export interface ExtensionHooks {
  beforeTokenIssue?(input: BeforeTokenIssue): HookReturn
  beforeAgentCreate?(input: BeforeAgentCreate): HookReturn
  /** Invoked by the Fastify binding for every authenticated REST request. */
  beforeRequest?(input: BeforeRequest): HookReturn
}

// ---- init api -----------------------------------------------------------------------------------

/** Options of {@link ExtensionAudit.consume}. */
export interface ConsumeOptions<A extends AuditAction = AuditAction> {
  /** Only these actions reach the handler (the cursor still moves past the others). @default every action this IdP knows */
  actions?: readonly A[]
  /** Most events per handler call. @default 500 */
  batchSize?: number
  /** How often the consumer polls when nothing nudges it (commits in this process do). @default 1000 */
  pollIntervalMs?: number
}

/** A running outbox consumer. */
export interface AuditConsumer {
  /** Processes everything pending now (every organization); resolves with the number of events handled. */
  drain(): Promise<number>
  /** Stops polling and waits for a running batch. `idp.close()` stops every consumer. */
  stop(): Promise<void>
}

/**
 * The handler of an outbox consumer: `events` are consecutive events (seq order) of ONE
 * organization, with typed details. It runs inside `tx`, the transaction that also advances the
 * consumer's cursor: write everything through `tx` (and `api.audit.record(tx, …)`) and the batch is
 * committed exactly with its effects — a crash re-delivers it (at-least-once), never skips it.
 * Do not start another transaction inside the handler.
 */
export type ConsumeHandler<A extends AuditAction = AuditAction> = (
  events: readonly AuditEventOf<A>[],
  tx: StorageTx,
) => Promise<void>

/** Audit access of an extension. */
export interface ExtensionAudit {
  /**
   * Appends an event inside `tx` (from {@link ExtensionApi.transaction} or a consumer's handler):
   * it commits with the writes around it and is emitted to `idp.on()` listeners after commit.
   * The action must be core's or one this IdP registered.
   * @throws {IdpError} INTERNAL for an unknown action or a transaction not managed by core
   */
  record(tx: StorageTx, input: AuditInput): Promise<AuditEventOf>
  /**
   * The audit log as an outbox: runs `handler` on every organization's events in `seq` order from
   * a cursor per (consumer, organization) stored in `audit_consumers`, advanced in the handler's
   * own transaction. Processes sharing the database never handle the same batch at the same time
   * (the cursor row is locked, others skip it). Events removed by retention before they were
   * consumed are skipped with a warning. Starts at once; `idp.close()` stops it.
   *
   * @param consumerId stable id, prefixed with the extension id (`webhooks.dispatch`)
   */
  consume<A extends AuditAction = AuditAction>(
    consumerId: string,
    handler: ConsumeHandler<A>,
    options?: ConsumeOptions<A>,
  ): AuditConsumer
}


/** The job runner. */
export interface ExtensionJobs {
  /**
   * Runs `fn` once per `intervalMs` tick of the IdP clock across every process sharing the storage
   * (the first process to claim a tick in the `job_runs` table runs it; the others skip it), never
   * twice at once in one process. `signal` aborts when the IdP closes; `idp.close()` waits for a
   * running job. Errors are logged; the next tick runs again.
   *
   * @param name stable job name, prefixed with the extension id (`analytics.rollup`)
   */
  every(name: string, intervalMs: number, fn: (signal: AbortSignal) => Promise<void>, options?: JobOptions): void
}

/** A principal an extension authenticated itself (see {@link IdpExtension.principalKinds}). */
export interface PrincipalInput {
  organizationId: string
  /** One of the extension's `principalKinds`. */
  kind: string
  id: string
  /** Scopes the principal holds (registered ones; `admin:orgs` only in the platform organization). */
  scopes: readonly string[]
  requestId?: string | undefined
  ip?: string | null | undefined
}

/** What core hands an extension's `init()`. */
export interface ExtensionApi {
  /** The extension's id. */
  readonly id: string
  /** The IdP being built: core operations, called with a context from below. */
  readonly idp: Idp
  /** Durable state, including `storage.ext(id)` outside transactions. Tenancy is the extension's duty. */
  readonly storage: Storage
  readonly ephemeral: EphemeralStore
  readonly secrets: SecretStore
  /** Child logger with `{ extension: id }`. */
  readonly log: Logger
  readonly clock: () => Date
  /** Same as `idp.on()`: best-effort reactions after commit (metrics); use the outbox for delivery. */
  readonly on: Idp['on']
  /** Runs `work` in one transaction; audit events recorded through `audit.record(tx, …)` are emitted after commit. */
  transaction<T>(work: (tx: StorageTx) => Promise<T>): Promise<T>
  readonly audit: ExtensionAudit
  /**
   * A context for background work in one organization, audited as `system:<extension id>` with
   * `reason`. It holds the read scopes `agents:read` and `audit:read`, the extension's own scopes,
   * and the right to call the system-only operations (`idp.organizations.setPlan`); never
   * `admin:orgs` nor `agents:write`, so no system work can create, change or empower agents.
   * @throws {IdpError} NOT_FOUND when the organization does not exist
   */
  systemContext(organizationId: string, reason: string): Promise<RequestContext>
  /**
   * A context for a principal the extension authenticated itself (e.g. a console operator signed in
   * with a passkey), audited as `<kind>:<id>`. Its scopes bound what it may do, under the same
   * authority rule as agents.
   * @throws {IdpError} CONFIG_INVALID for an undeclared kind; NOT_FOUND for an unknown or inactive
   *   organization; INVALID_SCOPE for an unknown scope, or `admin:orgs` outside the platform organization
   */
  principalContext(input: PrincipalInput): Promise<RequestContext>
  readonly jobs: ExtensionJobs
}

// ---- the extension ---------------------------------------------------------------------------------

/** The core half of a plugin. Every field but `id` is optional. */
export interface IdpExtension {
  /** Lower-case id (`webhooks`, `billing`): prefixes its audit actions, jobs and consumers. */
  readonly id: string
  /** Scopes it adds: advertised in `scopes_supported`, grantable to agents, kept in tokens. */
  readonly scopes?: readonly string[]
  /** Audit actions it records, each `<id>.<name>`; type their details by merging into `AuditDetails`. */
  readonly auditActions?: readonly string[]
  /** Its error table ({@link defineErrorCodes}); codes must not collide with core's or another extension's. */
  readonly errorCodes?: ErrorTable
  /** Grant types it adds to the token endpoint. */
  readonly grants?: readonly GrantHandler[]
  /** Subject-token validators it adds to token exchange. */
  readonly subjectTokenValidators?: readonly SubjectTokenValidator[]
  readonly hooks?: ExtensionHooks
  /** Its tables: the storage must have been created with this extension (`createXStorage({ extensions })`). */
  readonly storage?: StorageExtension
  /** Kinds of principals it authenticates itself (`operator`); see {@link ExtensionApi.principalContext}. */
  readonly principalKinds?: readonly string[]
  /** Liveness of tokens bound to this extension (`binding.kind === 'extension'`); tokens are dead without it. */
  isTokenBindingLive?(binding: { organizationId: string; id: string }, claims: AccessTokenClaims): Promise<boolean>
  /** Called once when the IdP is built, in extension order; `idp.ready()` resolves after every init. */
  init?(api: ExtensionApi): void | Promise<void>
}
