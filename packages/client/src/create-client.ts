/**
 * `createAgentIdpClient()`: the SDK's entry point. One object holds the agent's token manager, the
 * typed REST layer generated from the server's OpenAPI document (`client.api`, every route,
 * including those of plugins) and hand-written helpers for the core resources.
 *
 * @module
 */
import createFetchClient from 'openapi-fetch'
import type { paths } from './generated/openapi.js'
import { createAuthorizedFetch } from './internal/authorized-fetch.js'
import { resolveRetryOptions } from './internal/retry.js'
import type { AgentInfo } from './model.js'
import type { ApiClient } from './resources/api-client.js'
import { agentsResource, credentialsResource, keysResource, type AgentsResource, type CredentialsResource, type KeysResource } from './resources/agents.js'
import { auditResource, type AuditResource } from './resources/audit.js'
import { delegationResource, type DelegationResource } from './resources/delegation.js'
import { organizationsResource, type OrganizationsResource } from './resources/organizations.js'
import { createTokenManager, type TokenExchangeInput, type TokenManager, type TokenManagerOptions, type TokenResponse } from './token-manager.js'
import { baseOf } from './discovery.js'
import { unwrap } from './unwrap.js'

/** Options of {@link createAgentIdpClient}: the token manager's, plus a shared manager if you have one. */
export interface AgentIdpClientOptions extends TokenManagerOptions {
  /** Use this manager instead of creating one (several clients, one token). */
  tokens?: TokenManager | undefined
  /** `User-Agent` of REST calls. */
  userAgent?: string | undefined
}

/** The SDK client of one agent (or operator client). */
export interface AgentIdpClient extends DelegationResource {
  /** Base URL of the IdP. */
  readonly url: string
  readonly tokens: TokenManager
  /**
   * The typed REST layer (`openapi-fetch` over the generated `paths`): every route of the server,
   * authenticated, with retries and token recovery. Wrap calls in `unwrap()` to get data or an
   * `IdpApiError`.
   */
  readonly api: ApiClient
  readonly organizations: OrganizationsResource
  readonly agents: AgentsResource
  readonly credentials: CredentialsResource
  readonly keys: KeysResource
  readonly audit: AuditResource
  /** `GET /agent-info`: who the token belongs to. */
  whoami(): Promise<AgentInfo>
  /** RFC 8693 token exchange as this client (default actor token: its own). */
  exchange(input: TokenExchangeInput): Promise<TokenResponse>
}

/**
 * Creates an SDK client.
 *
 * @throws {TypeError} when the options cannot authenticate or `url` is not http(s).
 * @example
 * const idp = createAgentIdpClient({ url: 'https://idp.example.com', clientId, clientSecret })
 * const me = await idp.whoami()
 * for await (const agent of idp.agents.listAll({ status: 'active' })) console.log(agent.name)
 */
export function createAgentIdpClient(options: AgentIdpClientOptions): AgentIdpClient {
  const base = baseOf(options.url)
  const tokens = options.tokens ?? createTokenManager(options)
  const api: ApiClient = createFetchClient<paths>({
    baseUrl: base.href.replace(/\/$/, ''),
    fetch: createAuthorizedFetch({
      tokens,
      retry: resolveRetryOptions(options.retry),
      fetch: options.fetch ?? fetch,
      clock: options.clock ?? (() => new Date()),
      userAgent: options.userAgent,
    }),
  })
  return {
    url: options.url,
    tokens,
    api,
    organizations: organizationsResource(api),
    agents: agentsResource(api),
    credentials: credentialsResource(api),
    keys: keysResource(api),
    audit: auditResource(api),
    ...delegationResource(api),
    whoami: () => unwrap(api.GET('/agent-info')),
    exchange: (input) => tokens.exchange(input),
  }
}
