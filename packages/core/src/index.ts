/**
 * `@sentryagent/core`: the framework-agnostic identity engine for AI agents.
 *
 * @module
 */

// composition
export { createIdp } from './create-idp.js'
export type { Idp } from './idp.js'
export type {
  AccessTokenClaims,
  ActClaim,
  AgentCardResult,
  JobOptions,
  ResolvedIdpOptions,
  RotatedSigningKey,
  ScheduledRotationOptions,
  AgentInfo,
  AuthContext,
  BootstrapResult,
  DependencyStatus,
  DiscoveryDocument,
  HealthReport,
  IntrospectionResponse,
  OAuthRequest,
  Principal,
  RequestContext,
  TokenResponse,
} from './context.js'
export { DEFAULTS, resolveOptions } from './options.js'
export { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT_TYPE } from './oauth/grants/token-exchange.js'
export { DELEGATION_TOKEN_TYP } from './tokens/delegation-token.js'
export type { DelegationTokenClaims } from './tokens/delegation-token.js'
export type { IdpOptions } from './options.js'

// errors, events, logging
export {
  ERROR_CODES,
  IdpError,
  defineErrorCodes,
  errorFactory,
  isIdpError,
  toIdpError,
  toOAuthError,
  toProblem,
} from './errors.js'
export type {
  ErrorCodeSpec,
  ErrorFactory,
  ErrorTable,
  FieldError,
  ForeignIdpErrorOptions,
  IdpErrorCode,
  IdpErrorOptions,
  OAuthErrorBody,
  OAuthErrorCode,
  ProblemBody,
} from './errors.js'
export { AUDIT_ACTIONS } from './events.js'
export type {
  AuditAction,
  AuditDetails,
  AuditEventOf,
  ChainLinkSummary,
  CoreAuditAction,
  HookNote,
  IdpEvents,
  IssuedTokenDetails,
} from './events.js'

// extensions (plugins' core halves)
export type {
  AuditConsumer,
  BeforeAgentCreate,
  BeforeRequest,
  BeforeTokenIssue,
  ClientAuthentication,
  ConsumeHandler,
  ConsumeOptions,
  ExtensionApi,
  ExtensionAudit,
  ExtensionHooks,
  ExtensionJobs,
  GrantApi,
  GrantHandler,
  GrantRequest,
  HookResult,
  HookReturn,
  IdpExtension,
  JsonValue,
  PrincipalInput,
  SubjectTokenValidator,
  TokenAuditAction,
  TokenAuditInput,
  TokenBinding,
  TokenExchangeRequest,
  TokenIssue,
} from './extensions/extension.js'
export { SYSTEM_SCOPES } from './extensions/contexts.js'
export type { AuthenticatedClient, ClientAuthMethod, SecretAuthMethod } from './context.js'
export { REALM, challenge, isBasic, isBearer, parseBasic, parseBearer } from './oauth/http-auth.js'
export type { BasicCredentials, BearerError } from './oauth/http-auth.js'
export type { ExtensionRepository, MemoryJournal, StorageExtension, StorageExtensions } from './ports/storage-extension.js'
export { silentLogger } from './logger.js'
export type { LogFn, Logger } from './logger.js'

// domain
export { AGENT_TYPES, DEPLOYMENT_ENVS, PLAN_TIERS, SCOPES } from './model.js'
export type {
  Agent,
  AgentStatus,
  AgentType,
  AuditCheckpoint,
  AuditEvent,
  AuditHead,
  AuditOutcome,
  Credential,
  CredentialStatus,
  Delegation,
  DeploymentEnv,
  MemberRole,
  Organization,
  OrganizationMember,
  OrganizationStatus,
  Page,
  PageQuery,
  PlanTier,
  RevokedToken,
  Scope,
  SigningKeyRecord,
} from './model.js'
export * as schemas from './schemas.js'
export { assertAuthorityOver, hasAuthorityOver } from './authz/authority.js'
export { agentDid, didWebHost } from './views.js'

// agent keys, private_key_jwt, DIDs, cards, marketplace, compliance
export type { AgentKey, AgentKeyStatus } from './model.js'
export { AGENT_KEY_ALGS, generateAgentKeyPair, normalizePublicJwk } from './agent-keys/public-jwk.js'
export type { AgentKeyAlg, NormalizedJwk } from './agent-keys/public-jwk.js'
export { ASSERTION_MAX_LIFETIME_SECONDS, JWT_BEARER_ASSERTION_TYPE } from './oauth/private-key-jwt.js'
export { DID_CONTEXT, agentDidDocument, instanceDid, instanceDidDocument } from './did/did-document.js'
export { A2A_PROTOCOL_VERSION, a2aAgentCard, agentCard } from './cards/agent-card.js'
export { AGENT_CARD_JWS_TYPE } from './cards/get-agent-card.js'
export { COMPLIANCE_CONTROLS } from './compliance/compliance-controls.js'
export { EXPIRY_WARNING_DAYS } from './compliance/live-compliance.js'
export type { ComplianceEnvironment, ComplianceRun, OrganizationCompliance } from './compliance/live-compliance.js'
export type { AgentKeyRepository, MarketplaceFilter, MarketplaceListing, MarketplaceRepository } from './ports/storage.js'

// audit chain
export { GENESIS_HASH, canonicalAuditEvent, computeAuditHash, linkAuditEvent, verifyAuditChain } from './audit/hash-chain.js'
export type { ChainVerification, UnlinkedAuditEvent } from './audit/hash-chain.js'
export { canonicalJson } from './audit/canonical-json.js'
export { CHECKPOINT_TYP, checkpointPayload, verifyCheckpointSignature } from './audit/checkpoint.js'
export { verifyAuditLog } from './audit/verify-audit-log.js'
export type { AuditEventLike, CheckpointLike, VerifyAuditLogInput, VerifyAuditLogResult } from './audit/verify-audit-log.js'
export { DEFAULT_AUDIT_RETENTION_DAYS } from './audit/retention.js'
export { createAuditBatcher } from './audit/group-commit.js'
export type { AuditBatcher, AuditBatcherDeps } from './audit/group-commit.js'
export type { AuditInput } from './audit/with-audit.js'
export { createJobRunner } from './jobs/job-runner.js'
export type { JobRunner, JobRunnerDeps } from './jobs/job-runner.js'

// ports and default adapters
export type {
  AgentFilter,
  AgentRepository,
  AuditCheckpointRepository,
  AuditConsumerRepository,
  ConsumerPosition,
  JobRunRepository,
  AuditFilter,
  AuditRepository,
  CredentialRepository,
  DelegationRepository,
  MemberRepository,
  NewAuditEvent,
  OrganizationRepository,
  RevocationRepository,
  SigningKeyRepository,
  Storage,
  StorageTx,
} from './ports/storage.js'
export type { BoundedIncrement, EphemeralStore } from './ports/ephemeral.js'
export type { SecretStore } from './ports/secrets.js'
export { createMemorySecretStore } from './memory/memory-secret-store.js'
export type { KeyStore, PublicJwk, Signer, SigningAlg } from './ports/keys.js'
export { createMemoryStorage } from './memory/memory-storage.js'
export type { MemoryStorageOptions } from './memory/memory-storage.js'
export { createMemoryEphemeralStore } from './memory/memory-ephemeral-store.js'
export type { MemoryEphemeralStoreOptions } from './memory/memory-ephemeral-store.js'
export type { RateLimiter, RateLimiterFactory, RateLimitPolicy, RateLimitResult } from './ports/rate-limiter.js'
export { rateLimitPolicyProblems } from './ports/rate-limiter.js'
export { createMemoryRateLimiter } from './memory/memory-rate-limiter.js'
export type { MemoryRateLimiterOptions } from './memory/memory-rate-limiter.js'
export { ROTATION_LOCK_KEY, SIGNING_KEYS_CHANNEL } from './keys/rotate-signing-key.js'
export { createLocalKeyStore } from './memory/local-key-store.js'
export type { LocalKeyStoreOptions } from './memory/local-key-store.js'
export { decodeCursor, encodeCursor } from './pagination/cursor.js'
export { isSafeNumber, isWellFormedText, malformedFields } from './input-rules.js'
export { MAX_CLIENT_ID_LENGTH } from './oauth/params.js'
