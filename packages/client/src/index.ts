/**
 * `@sentryagent/client` — the TypeScript SDK of SentryAgent AgentIdP for agents, operators and
 * resource servers: a token manager (refresh before expiry, single flight, `private_key_jwt`),
 * typed REST calls generated from the server's OpenAPI document, delegation helpers, and access
 * token verification. Guards for Fastify and Express live at `@sentryagent/client/fastify` and
 * `@sentryagent/client/express`.
 *
 * @module
 */
export { createAgentIdpClient } from './create-client.js'
export type { AgentIdpClient, AgentIdpClientOptions } from './create-client.js'
export { createTokenManager, TOKEN_TYPES } from './token-manager.js'
export type { CachedToken, TokenExchangeInput, TokenManager, TokenManagerOptions, TokenResponse } from './token-manager.js'
export type { ClientAuthMethod, ClientCredentials } from './internal/client-auth.js'
export type { RetryOptions } from './internal/retry.js'
export { signClientAssertion, algorithmOf } from './client-assertion.js'
export type { AgentKeyAlg, ClientAssertionInput } from './client-assertion.js'
export { discover } from './discovery.js'
export type { AuthorizationServerMetadata } from './discovery.js'
export { IdpApiError, isIdpApiError } from './idp-api-error.js'
export type { IdpApiErrorInit, IdpFieldError } from './idp-api-error.js'
export { unwrap, unwrapEmpty } from './unwrap.js'
export type { ApiResult } from './unwrap.js'
export { paginate } from './paginate.js'
export { createAccessTokenVerifier, verifyAccessToken } from './verify-access-token.js'
export type {
  AccessTokenClaims,
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  ActorClaim,
  VerifiedAccessToken,
  VerifyAccessTokenOptions,
  VerifyOptions,
} from './verify-access-token.js'
export { AccessTokenError, bearerTokenOf } from './access-token-error.js'
export type { AccessTokenErrorCode } from './access-token-error.js'
export type { ApiClient } from './resources/api-client.js'
export type { AgentsResource, CredentialsResource, KeysResource } from './resources/agents.js'
export type { AuditResource, FollowAuditOptions } from './resources/audit.js'
export type { DelegationResource } from './resources/delegation.js'
export type { OrganizationsResource } from './resources/organizations.js'
export type * from './model.js'
export type { components, paths } from './generated/openapi.js'
