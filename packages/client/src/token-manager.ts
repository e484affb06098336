/**
 * The token manager of an agent: obtains access tokens with client credentials, keeps the current
 * one, refreshes it before it expires, and lets any number of concurrent callers share one request.
 *
 * - Refresh margin: a token is renewed once it is within `refreshMarginSeconds` (60) of its expiry
 *   (or half its lifetime, for very short-lived tokens); if that renewal fails, the token is still
 *   used until it actually expires.
 * - Single flight: while a token request is in flight every caller awaits that same request, so
 *   100 concurrent calls on a cold manager make exactly one token request.
 * - Recovery: after a `401 invalid_token` (the token was revoked, the credential rotated…) callers
 *   ask {@link TokenManager.recoverFrom} with the rejected token; only the first one triggers a
 *   refresh, the others receive the token it obtained.
 *
 * @module
 */
import type { JWK } from 'jose'
import { baseOf, discover, type AuthorizationServerMetadata } from './discovery.js'
import { authMethodOf, authenticateClient, type ClientAuthMethod, type ClientCredentials } from './internal/client-auth.js'
import { readApiError } from './internal/read-api-error.js'
import { resolveRetryOptions, sendWithRetry, type RetryOptions } from './internal/retry.js'

/** RFC 6749 §5.1 token response (RFC 8693 adds `issued_token_type`). */
export interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  scope: string
  issued_token_type?: string
  [key: string]: unknown
}

/** The token a manager holds. */
export interface CachedToken {
  readonly accessToken: string
  readonly scope: string
  readonly expiresAt: Date
  /** When the manager renews it (expiry minus the margin). */
  readonly refreshAt: Date
  readonly response: Readonly<TokenResponse>
}

/** RFC 8693 token-type URIs. */
export const TOKEN_TYPES = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const

/** Input of {@link TokenManager.exchange} (RFC 8693 token exchange). */
export interface TokenExchangeInput {
  /** A delegation token (or a federated JWT). */
  subjectToken: string
  /** @default TOKEN_TYPES.jwt */
  subjectTokenType?: string
  /** @default this manager's own access token (the actor of a delegation) */
  actorToken?: string | null
  /** @default TOKEN_TYPES.accessToken */
  actorTokenType?: string
  /** Narrower scopes than the delegation grants. */
  scope?: string | readonly string[]
  audience?: string
  resource?: string
}

/** Options of {@link createTokenManager}. */
export interface TokenManagerOptions {
  /** Base URL of the IdP (discovery at `/.well-known/oauth-authorization-server`). */
  url: string
  /** Client id of a credential, or the agent id with `privateKey`. */
  clientId: string
  clientSecret?: string | undefined
  /** The agent's private JWK: authenticates with `private_key_jwt`, no secret needed. */
  privateKey?: JWK | undefined
  /** @default 'private_key_jwt' with `privateKey`, else 'client_secret_basic' */
  authMethod?: ClientAuthMethod | undefined
  /** Scopes to ask for; all the agent's scopes when omitted. */
  scope?: string | readonly string[] | undefined
  /** Seconds before expiry at which the token is renewed. @default 60 */
  refreshMarginSeconds?: number | undefined
  /** Token endpoint; discovered when omitted. */
  tokenEndpoint?: string | undefined
  /** Retries of 429/503 answers. */
  retry?: RetryOptions | undefined
  fetch?: typeof fetch | undefined
  /** Current time (tests move it). @default () => new Date() */
  clock?: (() => Date) | undefined
}

/**
 * Obtains and caches an agent's access tokens.
 *
 * @example
 * const tokens = createTokenManager({ url, clientId, clientSecret })
 * const res = await fetch(`${url}/agent-info`, { headers: { authorization: `Bearer ${await tokens.getToken()}` } })
 */
export interface TokenManager {
  readonly clientId: string
  readonly authMethod: ClientAuthMethod
  /** A token valid for at least the refresh margin; requests one (single flight) when needed. */
  getToken(): Promise<string>
  /** The cached token with its expiry, after {@link getToken}'s refresh rule. */
  current(): Promise<CachedToken>
  /** Requests a new token now (joining a request already in flight). */
  refresh(): Promise<string>
  /**
   * Called after the IdP rejected `rejected` with `401 invalid_token`: refreshes once when
   * `rejected` is still the current token; otherwise returns the newer token.
   */
  recoverFrom(rejected: string): Promise<string>
  /** Forgets the cached token (the next call requests one). */
  clear(): void
  /** RFC 8693 token exchange authenticated as this client (a delegatee redeeming a delegation). */
  exchange(input: TokenExchangeInput): Promise<TokenResponse>
  /** Any grant at the token endpoint, authenticated as this client; nothing is cached. */
  requestToken(params: Readonly<Record<string, string>>): Promise<TokenResponse>
  /** RFC 7662 introspection authenticated as this client (needs `tokens:read`). */
  introspect(token: string): Promise<{ active: boolean; [claim: string]: unknown }>
  /** RFC 7009 revocation authenticated as this client; clears the cache when it is the current token. */
  revoke(token: string): Promise<void>
  /** The IdP's discovery document (fetched once). */
  metadata(): Promise<AuthorizationServerMetadata>
}

const scopeString = (scope: string | readonly string[] | undefined): string | undefined =>
  scope === undefined ? undefined : typeof scope === 'string' ? scope : scope.join(' ')

function parseTokenResponse(body: unknown): TokenResponse {
  const r = body as Partial<TokenResponse> | null
  if (r === null || typeof r !== 'object' || typeof r.access_token !== 'string' || typeof r.expires_in !== 'number') {
    throw new TypeError('the token endpoint answered an invalid token response')
  }
  return { ...r, access_token: r.access_token, expires_in: r.expires_in, token_type: String(r.token_type ?? 'Bearer'), scope: String(r.scope ?? '') }
}

/**
 * Creates a {@link TokenManager}.
 *
 * @throws {TypeError} when the options cannot authenticate (no secret and no private key…).
 * @example
 * const tokens = createTokenManager({ url: 'https://idp.example.com', clientId: agentId, privateKey })
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const credentials: ClientCredentials = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    privateKey: options.privateKey,
    authMethod: options.authMethod,
  }
  const authMethod = authMethodOf(credentials)
  baseOf(options.url)
  const marginSeconds = options.refreshMarginSeconds ?? 60
  if (!Number.isFinite(marginSeconds) || marginSeconds < 0) throw new TypeError('refreshMarginSeconds must be ≥ 0')
  const fetchImpl = options.fetch ?? fetch
  const clock = options.clock ?? (() => new Date())
  const retry = resolveRetryOptions(options.retry)
  const scope = scopeString(options.scope)

  let meta: Promise<AuthorizationServerMetadata> | undefined
  let cached: CachedToken | undefined
  let inflight: Promise<CachedToken> | undefined

  const metadata = (): Promise<AuthorizationServerMetadata> => {
    meta ??= discover(options.url, fetchImpl).catch((err: unknown) => {
      meta = undefined // a failed discovery is retried by the next call
      throw err
    })
    return meta
  }

  /** POSTs a client-authenticated form to `endpoint` (retrying 429/503 with a fresh assertion). */
  async function postForm(endpoint: (m: AuthorizationServerMetadata) => string | undefined, params: Readonly<Record<string, string>>): Promise<Response> {
    const m = await metadata()
    const target = endpoint(m)
    if (target === undefined) throw new TypeError('the IdP does not advertise this endpoint')
    return sendWithRetry(async () => {
      const form = new URLSearchParams(params)
      const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' })
      await authenticateClient(credentials, form, headers, m.issuer, clock())
      return fetchImpl(target, { method: 'POST', headers, body: form.toString() })
    }, retry, clock)
  }

  async function requestToken(params: Readonly<Record<string, string>>): Promise<TokenResponse> {
    const res = await postForm((m) => options.tokenEndpoint ?? m.token_endpoint, params)
    if (!res.ok) throw await readApiError(res)
    return parseTokenResponse(await res.json())
  }

  async function obtain(): Promise<CachedToken> {
    const requestedAt = clock()
    const response = await requestToken({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) })
    const lifetimeMs = response.expires_in * 1000
    // Very short-lived tokens are renewed at half their lifetime rather than on every call.
    const marginMs = Math.min(marginSeconds * 1000, lifetimeMs / 2)
    const token: CachedToken = {
      accessToken: response.access_token,
      scope: response.scope,
      expiresAt: new Date(requestedAt.getTime() + lifetimeMs),
      refreshAt: new Date(requestedAt.getTime() + lifetimeMs - marginMs),
      response: Object.freeze(response),
    }
    cached = token
    return token
  }

  const singleFlight = (): Promise<CachedToken> => {
    inflight ??= obtain().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  const current = async (): Promise<CachedToken> => {
    const held = cached
    if (held !== undefined && clock().getTime() < held.refreshAt.getTime()) return held
    try {
      return await singleFlight()
    } catch (err) {
      // A proactive refresh that fails (IdP briefly unreachable) keeps the token while it is valid.
      if (held !== undefined && cached === held && clock().getTime() < held.expiresAt.getTime()) return held
      throw err
    }
  }

  return {
    clientId: options.clientId,
    authMethod,
    current,
    getToken: async () => (await current()).accessToken,
    refresh: async () => {
      if (inflight === undefined) cached = undefined
      return (await singleFlight()).accessToken
    },
    recoverFrom: async (rejected) => {
      if (inflight !== undefined) return (await inflight).accessToken
      if (cached !== undefined && cached.accessToken !== rejected) return (await current()).accessToken
      cached = undefined
      return (await singleFlight()).accessToken
    },
    clear: () => {
      cached = undefined
    },
    requestToken,
    exchange: async (input) => {
      const actorToken = input.actorToken === undefined ? (await current()).accessToken : input.actorToken
      const exchangeScope = scopeString(input.scope)
      return requestToken({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: input.subjectToken,
        subject_token_type: input.subjectTokenType ?? TOKEN_TYPES.jwt,
        ...(actorToken === null ? {} : { actor_token: actorToken, actor_token_type: input.actorTokenType ?? TOKEN_TYPES.accessToken }),
        ...(exchangeScope === undefined ? {} : { scope: exchangeScope }),
        ...(input.audience === undefined ? {} : { audience: input.audience }),
        ...(input.resource === undefined ? {} : { resource: input.resource }),
      })
    },
    introspect: async (token) => {
      const res = await postForm((m) => m.introspection_endpoint, { token })
      if (!res.ok) throw await readApiError(res)
      return (await res.json()) as { active: boolean; [claim: string]: unknown }
    },
    revoke: async (token) => {
      const res = await postForm((m) => m.revocation_endpoint, { token })
      if (!res.ok) throw await readApiError(res)
      await res.body?.cancel()
      if (cached?.accessToken === token) cached = undefined
    },
    metadata,
  }
}
